import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, Repository } from 'typeorm';
import { applyListRequest, ListRequest, ListSpec } from '../common/list-query';
import { isUuid } from '../common/uuid';
import type { RequestContext } from '../identity/request-context';
import { WorkflowDefinitionEntity } from './workflow-definition.entity';
import { deleteTableRows, exportTableRows, importTableRows, type SnapshotTables } from '../database/table-rows';

/** The columns of GET /v2/workflows: what can be sorted, filtered and selected. */
export const WORKFLOW_LIST_SPEC: ListSpec = {
  columns: {
    id: { sql: 'wf.id::text', type: 'text' },
    name: { sql: 'wf.name', type: 'text' },
    namespace: { sql: 'wf.namespace', type: 'text' },
    input: { sql: "wf.spec->>'input'", type: 'text', sortable: false, filterable: false },
    interface: { sql: "wf.spec->>'output'", type: 'text', sortable: false, filterable: false },
    definition: { sql: 'wf.definition', type: 'text', sortable: false },
    tags: { sql: 'wf.tags', type: 'text[]', sortable: false },
    scope: { sql: 'wf.scope', type: 'text' },
    project_id: { sql: 'wf.project_id', type: 'text' },
    created_at: { sql: 'wf.created_at', type: 'timestamp' },
    updated_at: { sql: 'wf.updated_at', type: 'timestamp', nullable: true },
  },
  idColumn: 'id',
  defaultSortKey: 'created_at',
  extraParams: ['all_projects'],
};

@Injectable()
export class WorkflowDefinitionRepository {
  constructor(
    @InjectRepository(WorkflowDefinitionEntity)
    private readonly workflows: Repository<WorkflowDefinitionEntity>,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.workflows.manager.transaction(work);
  }

  /**
   * The workflow a caller means by an id or a name: its own project's first, then a public one or
   * one shared with it (`sharedIds`: the accepted shares, as Mistral adds them to its query).
   */
  async findVisible(
    identifier: string,
    namespace: string,
    context: RequestContext,
    sharedIds: string[],
    manager: EntityManager = this.workflows.manager,
  ): Promise<WorkflowDefinitionEntity | null> {
    const qb = manager.createQueryBuilder(WorkflowDefinitionEntity, 'wf');
    if (isUuid(identifier)) qb.where('wf.id = :identifier', { identifier });
    else qb.where('wf.name = :identifier AND wf.namespace = :namespace', { identifier, namespace });
    if (!context.isAdmin || !isUuid(identifier)) qb.andWhere(visibleTo(context.projectId, sharedIds));
    // the caller's own workflow wins over a public one of the same name
    qb.orderBy('CASE WHEN wf.project_id = :project THEN 0 ELSE 1 END', 'ASC').setParameter('project', context.projectId);
    return qb.getOne();
  }

  /** By id, whatever its project (the engine checked the caller when the trigger or run was made). */
  findById(id: string, manager: EntityManager = this.workflows.manager): Promise<WorkflowDefinitionEntity | null> {
    return manager.findOne(WorkflowDefinitionEntity, { where: { id } });
  }

  /**
   * The workflow a sub-workflow task names, as Mistral looks it up: in the parent execution's
   * namespace, else in the default one ('') ; the project's own before a public one.
   */
  findForSubWorkflow(
    manager: EntityManager,
    name: string,
    namespace: string,
    projectId: string,
    sharedIds: string[],
  ): Promise<WorkflowDefinitionEntity | null> {
    return manager
      .createQueryBuilder(WorkflowDefinitionEntity, 'wf')
      .where("wf.name = :name AND wf.namespace IN (:namespace, '')", { name, namespace })
      .andWhere(visibleTo(projectId, sharedIds))
      .orderBy('CASE WHEN wf.namespace = :namespace THEN 0 ELSE 1 END', 'ASC')
      .addOrderBy('CASE WHEN wf.project_id = :project THEN 0 ELSE 1 END', 'ASC')
      .limit(1)
      .getOne();
  }

  findOwnedByName(
    manager: EntityManager,
    name: string,
    namespace: string,
    projectId: string,
  ): Promise<WorkflowDefinitionEntity | null> {
    return manager.findOne(WorkflowDefinitionEntity, {
      where: { name, namespace, projectId },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** A page of the caller's, the public and the shared (accepted) workflows; every project's for an admin's all_projects. */
  async list(request: ListRequest, context: RequestContext, allProjects: boolean, sharedIds: string[]): Promise<WorkflowDefinitionEntity[]> {
    const qb = this.workflows.createQueryBuilder('wf');
    if (!(allProjects && context.isAdmin)) qb.where(visibleTo(context.projectId, sharedIds));
    await applyListRequest(qb, WORKFLOW_LIST_SPEC, request);
    return qb.getMany();
  }

  save(manager: EntityManager, workflow: WorkflowDefinitionEntity): Promise<WorkflowDefinitionEntity> {
    return manager.save(WorkflowDefinitionEntity, workflow);
  }

  async remove(manager: EntityManager, id: string): Promise<void> {
    await manager.delete(WorkflowDefinitionEntity, { id });
  }

  /** The workflows of one origin (e.g. a workbook) in a project and namespace, locked until the transaction ends. */
  findOwnedBySource(manager: EntityManager, source: string, namespace: string, projectId: string): Promise<WorkflowDefinitionEntity[]> {
    return manager.find(WorkflowDefinitionEntity, {
      where: { source, namespace, projectId },
      order: { name: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
  }

  findBySource(source: string): Promise<WorkflowDefinitionEntity[]> {
    return this.workflows.find({ where: { source } });
  }

  // ---- service snapshots (snapshots/ reads and replaces the whole state through these)

  async exportForSnapshot(manager: EntityManager): Promise<SnapshotTables> {
    return {
      workflow_definitions: await exportTableRows(manager, 'workflow_definitions', 'created_at, id'),
    };
  }

  async clearForRestore(manager: EntityManager): Promise<void> {
    await deleteTableRows(manager, 'workflow_definitions');
  }

  async importFromSnapshot(manager: EntityManager, tables: SnapshotTables): Promise<void> {
    await importTableRows(manager, 'workflow_definitions', tables.workflow_definitions ?? []);
  }
}

/** The caller's own workflows, the public ones and those shared with it (one bracket, to AND with others). */
function visibleTo(projectId: string, sharedIds: string[]): Brackets {
  return new Brackets((where) => {
    where.where('wf.project_id = :project', { project: projectId }).orWhere("wf.scope = 'public'");
    if (sharedIds.length > 0) where.orWhere('wf.id = ANY(:sharedIds)', { sharedIds });
  });
}
