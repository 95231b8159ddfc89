import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, Repository } from 'typeorm';
import { applyListRequest, listVisibleRows, ListRequest, ListSpec } from '../common/list-query';
import type { RequestContext } from '../identity/request-context';
import { WorkbookEntity } from './workbook.entity';
import { deleteTableRows, exportTableRows, importTableRows, type SnapshotTables } from '../database/table-rows';

/** The columns of GET /v2/workbooks: what can be sorted, filtered and selected. */
export const WORKBOOK_LIST_SPEC: ListSpec = {
  columns: {
    id: { sql: 'wb.id::text', type: 'text' },
    name: { sql: 'wb.name', type: 'text' },
    namespace: { sql: 'wb.namespace', type: 'text' },
    definition: { sql: 'wb.definition', type: 'text', sortable: false },
    tags: { sql: 'wb.tags', type: 'text[]', sortable: false },
    scope: { sql: 'wb.scope', type: 'text' },
    project_id: { sql: 'wb.project_id', type: 'text' },
    created_at: { sql: 'wb.created_at', type: 'timestamp' },
    updated_at: { sql: 'wb.updated_at', type: 'timestamp', nullable: true },
  },
  idColumn: 'id',
  defaultSortKey: 'created_at',
  extraParams: ['all_projects'],
};

@Injectable()
export class WorkbookRepository {
  constructor(
    @InjectRepository(WorkbookEntity)
    private readonly workbooks: Repository<WorkbookEntity>,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.workbooks.manager.transaction(work);
  }

  /** The workbook a caller means by its name: its own project's, else a public or shared one (`sharedIds`: accepted shares). */
  findVisible(name: string, namespace: string, context: RequestContext, sharedIds: string[] = []): Promise<WorkbookEntity | null> {
    return this.workbooks
      .createQueryBuilder('wb')
      .where('wb.name = :name AND wb.namespace = :namespace', { name, namespace })
      .andWhere(visibleTo(context.projectId, sharedIds))
      .orderBy('CASE WHEN wb.project_id = :project THEN 0 ELSE 1 END', 'ASC')
      .limit(1)
      .getOne();
  }

  /** A workbook by id, if the caller may see it (admins: any). */
  findVisibleById(id: string, context: RequestContext, sharedIds: string[]): Promise<WorkbookEntity | null> {
    const qb = this.workbooks.createQueryBuilder('wb').where('wb.id = :id', { id });
    if (!context.isAdmin) qb.andWhere(visibleTo(context.projectId, sharedIds));
    return qb.getOne();
  }

  /** The caller's project's workbook of that name, locked until the transaction ends. */
  findOwnedByName(manager: EntityManager, name: string, namespace: string, projectId: string): Promise<WorkbookEntity | null> {
    return manager.findOne(WorkbookEntity, { where: { name, namespace, projectId }, lock: { mode: 'pessimistic_write' } });
  }

  list(request: ListRequest, context: RequestContext, allProjects: boolean, sharedIds: string[] = []): Promise<WorkbookEntity[]> {
    if (sharedIds.length === 0) {
      return listVisibleRows(this.workbooks.createQueryBuilder('wb'), WORKBOOK_LIST_SPEC, request, context.projectId, allProjects && context.isAdmin);
    }
    const qb = this.workbooks.createQueryBuilder('wb');
    if (!(allProjects && context.isAdmin)) qb.where(visibleTo(context.projectId, sharedIds));
    return applyListRequest(qb, WORKBOOK_LIST_SPEC, request).then(() => qb.getMany());
  }

  save(manager: EntityManager, workbook: WorkbookEntity): Promise<WorkbookEntity> {
    return manager.save(WorkbookEntity, workbook);
  }

  async remove(manager: EntityManager, id: string): Promise<void> {
    await manager.delete(WorkbookEntity, { id });
  }

  // ---- service snapshots (snapshots/ reads and replaces the whole state through these)

  async exportForSnapshot(manager: EntityManager): Promise<SnapshotTables> {
    return {
      workbooks: await exportTableRows(manager, 'workbooks', 'created_at, id'),
    };
  }

  async clearForRestore(manager: EntityManager): Promise<void> {
    await deleteTableRows(manager, 'workbooks');
  }

  async importFromSnapshot(manager: EntityManager, tables: SnapshotTables): Promise<void> {
    await importTableRows(manager, 'workbooks', tables.workbooks ?? []);
  }
}

/** The caller's own workbooks, public ones, and those shared with its project (accepted). */
function visibleTo(projectId: string, sharedIds: string[]): Brackets {
  return new Brackets((where) => {
    where.where('wb.project_id = :project', { project: projectId }).orWhere("wb.scope = 'public'");
    if (sharedIds.length > 0) where.orWhere('wb.id = ANY(:sharedIds)', { sharedIds });
  });
}
