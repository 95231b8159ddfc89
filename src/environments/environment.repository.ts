import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { listVisibleRows, ListRequest, ListSpec } from '../common/list-query';
import { isUuid } from '../common/uuid';
import type { RequestContext } from '../identity/request-context';
import { EnvironmentEntity } from './environment.entity';
import { deleteTableRows, exportTableRows, importTableRows, type SnapshotTables } from '../database/table-rows';

/** The columns of GET /v2/environments. */
export const ENVIRONMENT_LIST_SPEC: ListSpec = {
  columns: {
    id: { sql: 'env.id::text', type: 'text' },
    name: { sql: 'env.name', type: 'text' },
    description: { sql: 'env.description', type: 'text' },
    variables: { sql: 'env.variables', type: 'text', sortable: false, filterable: false },
    scope: { sql: 'env.scope', type: 'text' },
    project_id: { sql: 'env.project_id', type: 'text' },
    created_at: { sql: 'env.created_at', type: 'timestamp' },
    updated_at: { sql: 'env.updated_at', type: 'timestamp', nullable: true },
  },
  idColumn: 'id',
  defaultSortKey: 'created_at',
  extraParams: ['all_projects'],
};

/** Environments are unique by name within a project; public ones are visible to every project. */
@Injectable()
export class EnvironmentRepository {
  constructor(
    @InjectRepository(EnvironmentEntity)
    private readonly environments: Repository<EnvironmentEntity>,
  ) {}

  /** The environment a caller means by a name (or id): its own project's first, then a public one. */
  findVisible(identifier: string, context: RequestContext): Promise<EnvironmentEntity | null> {
    const qb = this.environments.createQueryBuilder('env');
    // two parameters: one typed uuid, one text (PostgreSQL refuses one parameter of both types)
    if (isUuid(identifier)) qb.where('(env.id = :id OR env.name = :identifier)', { id: identifier, identifier });
    else qb.where('env.name = :identifier', { identifier });
    qb.andWhere("(env.project_id = :project OR env.scope = 'public')", { project: context.projectId })
      .orderBy('CASE WHEN env.project_id = :project THEN 0 ELSE 1 END', 'ASC')
      .limit(1);
    return qb.getOne();
  }

  /** By name only (an execution's `params.env`): the project's own first, then a public one. */
  findVisibleByName(name: string, context: RequestContext): Promise<EnvironmentEntity | null> {
    return this.environments
      .createQueryBuilder('env')
      .where("env.name = :name AND (env.project_id = :project OR env.scope = 'public')", { name, project: context.projectId })
      .orderBy('CASE WHEN env.project_id = :project THEN 0 ELSE 1 END', 'ASC')
      .limit(1)
      .getOne();
  }

  findOwned(name: string, projectId: string): Promise<EnvironmentEntity | null> {
    return this.environments.findOne({ where: { name, projectId } });
  }

  list(request: ListRequest, context: RequestContext, allProjects: boolean): Promise<EnvironmentEntity[]> {
    return listVisibleRows(this.environments.createQueryBuilder('env'), ENVIRONMENT_LIST_SPEC, request, context.projectId, allProjects && context.isAdmin);
  }

  /** Inserts; resolves false when the project already has an environment of that name. */
  async insert(environment: EnvironmentEntity): Promise<boolean> {
    const result = await this.environments
      .createQueryBuilder()
      .insert()
      .into(EnvironmentEntity)
      .values(environment as QueryDeepPartialEntity<EnvironmentEntity>)
      .orIgnore()
      .returning('id')
      .execute();
    return result.raw.length > 0;
  }

  save(environment: EnvironmentEntity): Promise<EnvironmentEntity> {
    return this.environments.save(environment);
  }

  async remove(id: string): Promise<void> {
    await this.environments.delete({ id });
  }

  // ---- service snapshots (snapshots/ reads and replaces the whole state through these)

  async exportForSnapshot(manager: EntityManager): Promise<SnapshotTables> {
    return {
      environments: await exportTableRows(manager, 'environments', 'created_at, id'),
    };
  }

  async clearForRestore(manager: EntityManager): Promise<void> {
    await deleteTableRows(manager, 'environments');
  }

  async importFromSnapshot(manager: EntityManager, tables: SnapshotTables): Promise<void> {
    await importTableRows(manager, 'environments', tables.environments ?? []);
  }
}
