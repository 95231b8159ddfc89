import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { applyListRequest, preferIndexOrder, type ListRequest } from '../common/list-query';
import { isUuid } from '../common/uuid';
import { CRON_TRIGGER_LIST_SPEC } from './cron-trigger.columns';
import { CronTriggerEntity } from './cron-trigger.entity';
import { TriggerFiringEntity } from './trigger-firing.entity';
import { deleteTableRows, exportTableRows, importTableRows, type SnapshotTables } from '../database/table-rows';


/** Who may see a trigger: its project, or anyone when it is public. */
export interface TriggerReader {
  projectId: string;
  isAdmin: boolean;
}

/** The SQL of cron triggers as the API manages them, and of their firing history. */
@Injectable()
export class CronTriggerRepository {
  constructor(
    @InjectRepository(CronTriggerEntity) private readonly triggers: Repository<CronTriggerEntity>,
    @InjectRepository(TriggerFiringEntity) private readonly firings: Repository<TriggerFiringEntity>,
    private readonly dataSource: DataSource,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The names of up to 5 triggers that start the workflow. */
  async idsUsingWorkflow(workflowId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM cron_triggers WHERE workflow_id = $1 ORDER BY created_at, id`, [
      workflowId,
    ]);
    return rows.map((row) => row.id);
  }

  findByName(name: string, projectId: string): Promise<CronTriggerEntity | null> {
    return this.triggers.findOne({ where: { name, projectId } });
  }

  async insert(manager: EntityManager, trigger: CronTriggerEntity): Promise<void> {
    await manager.insert(CronTriggerEntity, trigger as unknown as QueryDeepPartialEntity<CronTriggerEntity>);
  }

  async markTrustOk(manager: EntityManager, triggerId: string, checkedAt: Date): Promise<void> {
    await manager.update(CronTriggerEntity, triggerId, { trustStatus: 'ok', trustCheckedAt: checkedAt });
  }

  async list(request: ListRequest, reader: TriggerReader, allProjects: boolean): Promise<CronTriggerEntity[]> {
    const qb = this.triggers.createQueryBuilder('t');
    if (!(allProjects && reader.isAdmin)) qb.where("(t.project_id = :project OR t.scope = 'public')", { project: reader.projectId });
    await applyListRequest(qb, CRON_TRIGGER_LIST_SPEC, request);
    return qb.getMany();
  }

  /** A trigger the reader may read, by name (its own first, then a public one) or id. */
  findReadable(identifier: string, reader: TriggerReader): Promise<CronTriggerEntity | null> {
    const qb = this.triggers.createQueryBuilder('t');
    if (isUuid(identifier)) qb.where('t.id = :identifier', { identifier });
    else qb.where('t.name = :identifier', { identifier });
    if (!reader.isAdmin || !isUuid(identifier)) {
      qb.andWhere("(t.project_id = :project OR t.scope = 'public')", { project: reader.projectId });
    }
    qb.orderBy('CASE WHEN t.project_id = :project THEN 0 ELSE 1 END', 'ASC').setParameter('project', reader.projectId);
    return qb.getOne();
  }

  /** Locks the trigger row for an update in `manager`'s transaction. */
  lock(manager: EntityManager, triggerId: string): Promise<CronTriggerEntity | null> {
    return manager.findOne(CronTriggerEntity, { where: { id: triggerId }, lock: { mode: 'pessimistic_write' } });
  }

  async save(manager: EntityManager, trigger: CronTriggerEntity): Promise<void> {
    await manager.save(CronTriggerEntity, trigger);
  }

  async delete(manager: EntityManager, triggerId: string): Promise<void> {
    await manager.delete(CronTriggerEntity, { id: triggerId });
  }

  async updateTrustCheck(triggerId: string, check: Pick<CronTriggerEntity, 'trustStatus' | 'trustCheckedAt' | 'trustError'>): Promise<void> {
    await this.triggers.update(triggerId, check);
  }

  /** Whether `firingId` names a firing of the trigger. */
  isFiringOf(firingId: string, triggerId: string): Promise<boolean> {
    return this.firings.createQueryBuilder('m').where('m.id = :marker AND m.trigger_id = :trigger', { marker: firingId, trigger: triggerId }).getExists();
  }

  /**
   * Firings newest first; `marker`, a firing id, starts after that firing. A trigger has one firing
   * per slot (unique on trigger_id, scheduled_for), so scheduled_for alone orders them and that
   * unique index serves the page, backwards from the marker, whatever the number of firings.
   */
  firingHistory(triggerId: string, limit: number, marker?: string): Promise<TriggerFiringEntity[]> {
    return this.firings.manager.transaction(async (manager) => {
      await preferIndexOrder(manager);
      const qb = manager
        .createQueryBuilder(TriggerFiringEntity, 'f')
        .where('f.trigger_id = :trigger', { trigger: triggerId })
        .orderBy('f.scheduled_for', 'DESC')
        .limit(limit);
      if (marker) {
        // compared in SQL: a JS Date would lose the microseconds of scheduled_for
        qb.andWhere('f.scheduled_for < (SELECT m.scheduled_for FROM trigger_firings m WHERE m.id = :marker)', { marker });
      }
      return qb.getMany();
    });
  }

  // ---- for /metrics (read at scrape time, bounded)

  /** Triggers by the state of their Keystone trust (keystone mode; triggers without one are not counted). */
  trustStatusCounts(): Promise<Array<{ status: string; count: number }>> {
    return this.dataSource.query(`SELECT trust_status AS status, count(*)::int AS count FROM cron_triggers WHERE trust_status IS NOT NULL GROUP BY trust_status`);
  }

  /** Up to `limit` triggers still scheduled (enabled, not finished): id, name and workflow. */
  async scheduledTriggers(limit: number): Promise<Array<{ id: string; name: string; workflowName: string }>> {
    const rows: Array<{ id: string; name: string; workflow_name: string }> = await this.dataSource.query(
      `SELECT id, name, workflow_name FROM cron_triggers WHERE enabled AND finished_at IS NULL ORDER BY created_at, id LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({ id: row.id, name: row.name, workflowName: row.workflow_name }));
  }

  // ---- service snapshots (snapshots/ reads and replaces the whole state through these)

  async exportForSnapshot(manager: EntityManager): Promise<SnapshotTables> {
    return {
      cron_triggers: await exportTableRows(manager, 'cron_triggers', 'created_at, id'),
      trigger_firings: await exportTableRows(manager, 'trigger_firings', 'scheduled_for, id'),
    };
  }

  async clearForRestore(manager: EntityManager): Promise<void> {
    await deleteTableRows(manager, 'trigger_firings');
    await deleteTableRows(manager, 'cron_triggers');
  }

  async importFromSnapshot(manager: EntityManager, tables: SnapshotTables): Promise<void> {
    await importTableRows(manager, 'cron_triggers', tables.cron_triggers ?? []);
    await importTableRows(manager, 'trigger_firings', tables.trigger_firings ?? []);
  }
}
