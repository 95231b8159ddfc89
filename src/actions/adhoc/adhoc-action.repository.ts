import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { isUuid } from '../../common/uuid';
import type { RequestContext } from '../../identity/request-context';
import { AdhocActionEntity } from './adhoc-action.entity';
import { deleteTableRows, exportTableRows, importTableRows, type SnapshotTables } from '../../database/table-rows';

/** Told to every instance when ad-hoc actions change, so each reloads its catalog. */
export const ADHOC_ACTIONS_CHANNEL = 'sirocco_adhoc_actions';

@Injectable()
export class AdhocActionRepository {
  constructor(
    @InjectRepository(AdhocActionEntity)
    private readonly actions: Repository<AdhocActionEntity>,
  ) {}

  /** Runs the work in a transaction, then tells every instance (this one too) that actions changed. */
  changeInTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.actions.manager.transaction(async (manager) => {
      const result = await work(manager);
      await manager.query(`NOTIFY ${ADHOC_ACTIONS_CHANNEL}`);
      return result;
    });
  }

  all(): Promise<AdhocActionEntity[]> {
    return this.actions.find({ order: { createdAt: 'ASC' } });
  }

  /** The action a caller means by an id or a name: its own project's first, then a public one. */
  findVisible(identifier: string, namespace: string, context: RequestContext, manager: EntityManager = this.actions.manager): Promise<AdhocActionEntity | null> {
    const qb = manager.createQueryBuilder(AdhocActionEntity, 'action');
    if (isUuid(identifier)) qb.where('action.id = :identifier', { identifier });
    else qb.where('action.name = :identifier AND action.namespace = :namespace', { identifier, namespace });
    if (!context.isAdmin) qb.andWhere("(action.project_id = :projectId OR action.scope = 'public')", { projectId: context.projectId });
    return qb.orderBy('(action.project_id = :projectId)', 'DESC').setParameter('projectId', context.projectId).getOne();
  }

  findOwnedByName(manager: EntityManager, name: string, namespace: string, projectId: string): Promise<AdhocActionEntity | null> {
    return manager.findOne(AdhocActionEntity, { where: { name, namespace, projectId } });
  }

  /** Those a caller sees (its project's and public ones; all with all_projects as admin). */
  listVisible(context: RequestContext, allProjects: boolean): Promise<AdhocActionEntity[]> {
    const qb = this.actions.createQueryBuilder('action');
    if (!(allProjects && context.isAdmin)) qb.where("(action.project_id = :projectId OR action.scope = 'public')", { projectId: context.projectId });
    return qb.getMany();
  }

  workbookActions(manager: EntityManager, workbookName: string, projectId: string): Promise<AdhocActionEntity[]> {
    return manager.find(AdhocActionEntity, { where: { workbookName, projectId } });
  }

  save(manager: EntityManager, action: AdhocActionEntity): Promise<AdhocActionEntity> {
    return manager.save(AdhocActionEntity, action);
  }

  async remove(manager: EntityManager, ids: string[]): Promise<void> {
    if (ids.length > 0) await manager.delete(AdhocActionEntity, ids);
  }

  // ---- service snapshots (snapshots/ reads and replaces the whole state through these)

  async exportForSnapshot(manager: EntityManager): Promise<SnapshotTables> {
    return {
      adhoc_actions: await exportTableRows(manager, 'adhoc_actions', 'created_at, id'),
    };
  }

  async clearForRestore(manager: EntityManager): Promise<void> {
    await deleteTableRows(manager, 'adhoc_actions');
  }

  async importFromSnapshot(manager: EntityManager, tables: SnapshotTables): Promise<void> {
    await importTableRows(manager, 'adhoc_actions', tables.adhoc_actions ?? []);
    // every instance's catalog reloads once this commits
    await manager.query(`NOTIFY ${ADHOC_ACTIONS_CHANNEL}`);
  }
}
