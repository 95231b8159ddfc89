import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/** Named variables an execution can be started with (`params.env`), read by `$env()`. */
@Entity('environments')
@Unique('environments_name_project', ['name', 'projectId'])
export class EnvironmentEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { default: '' })
  description!: string;

  @Column('jsonb', { default: () => "'{}'" })
  variables!: Record<string, unknown>;

  @Column('text', { default: 'private' })
  scope!: 'private' | 'public';

  @Column('text', { name: 'project_id' })
  projectId!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;
}
