import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ResourceMemberEntity, type SharedResourceType } from './resource-member.entity';
import { deleteTableRows, exportTableRows, importTableRows, type SnapshotTables } from '../database/table-rows';

/**
 * All SQL on resource_members, for every resource type. A membership is seen by two projects:
 * the owner that shared (`project_id`) and the member (`member_id`); nobody else.
 */
@Injectable()
export class ResourceMemberRepository {
  constructor(
    @InjectRepository(ResourceMemberEntity)
    private readonly members: Repository<ResourceMemberEntity>,
  ) {}

  /** Inserts; resolves false when the resource is already shared with that member. */
  async insert(member: ResourceMemberEntity): Promise<boolean> {
    const result = await this.members
      .createQueryBuilder()
      .insert()
      .into(ResourceMemberEntity)
      .values(member as QueryDeepPartialEntity<ResourceMemberEntity>)
      .orIgnore()
      .returning('id')
      .execute();
    return result.raw.length > 0;
  }

  /** The resource's memberships the project sees: all of them for the owner, its own for a member. */
  listSeenBy(resourceType: SharedResourceType, resourceId: string, projectId: string): Promise<ResourceMemberEntity[]> {
    return this.members
      .createQueryBuilder('member')
      .where('member.resource_type = :resourceType AND member.resource_id = :resourceId', { resourceType, resourceId })
      .andWhere(seenBy(projectId))
      .orderBy('member.created_at', 'ASC')
      .addOrderBy('member.id', 'ASC')
      .getMany();
  }

  /** One membership, if the project is its owner or its member. */
  findSeenBy(resourceType: SharedResourceType, resourceId: string, memberId: string, projectId: string): Promise<ResourceMemberEntity | null> {
    return this.members
      .createQueryBuilder('member')
      .where('member.resource_type = :resourceType AND member.resource_id = :resourceId AND member.member_id = :memberId', {
        resourceType,
        resourceId,
        memberId,
      })
      .andWhere(seenBy(projectId))
      .getOne();
  }

  /** The member project's own membership of the resource. */
  findMembership(resourceType: SharedResourceType, resourceId: string, memberId: string): Promise<ResourceMemberEntity | null> {
    return this.members.findOne({ where: { resourceType, resourceId, memberId } });
  }

  save(member: ResourceMemberEntity): Promise<ResourceMemberEntity> {
    return this.members.save(member);
  }

  /** Deletes a membership the project owns; false when there was none. */
  async deleteOwned(resourceType: SharedResourceType, resourceId: string, memberId: string, ownerProjectId: string): Promise<boolean> {
    const result = await this.members.delete({ resourceType, resourceId, memberId, projectId: ownerProjectId });
    return (result.affected ?? 0) > 0;
  }

  /** Ids of the resources of a type shared with the project and accepted by it. */
  async acceptedResourceIds(resourceType: SharedResourceType, memberId: string, manager: EntityManager = this.members.manager): Promise<string[]> {
    const rows = await manager
      .createQueryBuilder(ResourceMemberEntity, 'member')
      .select('member.resource_id', 'resourceId')
      .where("member.member_id = :memberId AND member.resource_type = :resourceType AND member.status = 'accepted'", { memberId, resourceType })
      .getRawMany<{ resourceId: string }>();
    return rows.map((row) => row.resourceId);
  }

  /** Every membership of a resource that is being deleted (in the caller's transaction). */
  async deleteForResource(resourceType: SharedResourceType, resourceId: string, manager: EntityManager): Promise<void> {
    await manager.delete(ResourceMemberEntity, { resourceType, resourceId });
  }

  // ---- service snapshots (snapshots/ reads and replaces the whole state through these)

  async exportForSnapshot(manager: EntityManager): Promise<SnapshotTables> {
    return {
      resource_members: await exportTableRows(manager, 'resource_members', 'created_at, id'),
    };
  }

  async clearForRestore(manager: EntityManager): Promise<void> {
    await deleteTableRows(manager, 'resource_members');
  }

  async importFromSnapshot(manager: EntityManager, tables: SnapshotTables): Promise<void> {
    await importTableRows(manager, 'resource_members', tables.resource_members ?? []);
  }
}

/** The owner (who shared) or the member (shared with). */
function seenBy(projectId: string): Brackets {
  return new Brackets((where) => {
    where.where('member.project_id = :projectId', { projectId }).orWhere('member.member_id = :projectId', { projectId });
  });
}
