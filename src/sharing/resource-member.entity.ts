import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/** What can be shared: workflows now; workbooks share the same table (another resource_type). */
export type SharedResourceType = 'workflow' | 'workbook';

export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/**
 * One project's membership of another project's resource (Mistral's resource_members_v2): the
 * owner project shares, the member project accepts or rejects. Only an accepted member sees it.
 */
@Entity('resource_members')
@Unique('resource_members_resource_member', ['resourceId', 'resourceType', 'memberId'])
export class ResourceMemberEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'resource_id' })
  resourceId!: string;

  @Column('text', { name: 'resource_type' })
  resourceType!: SharedResourceType;

  /** the owner: the project that shared the resource */
  @Column('text', { name: 'project_id' })
  projectId!: string;

  /** the project the resource is shared with */
  @Column('text', { name: 'member_id' })
  memberId!: string;

  @Column('text')
  status!: MemberStatus;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;
}
