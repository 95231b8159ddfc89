import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { deleteTableRows, exportTableRows, importTableRows, type SnapshotTables } from '../../database/table-rows';

/** A stored trust of a trigger or an execution. */
export interface TriggerTrustRow {
  trigger_id: string;
  trust_id: string;
}

export interface ExecutionTrustRow {
  execution_id: string;
  trust_id: string | null;
}

/**
 * All SQL on the two trust tables: trigger_trusts (a cron trigger's trust, kept until no execution
 * of the deleted trigger still runs) and execution_trusts (an API-started execution's trust, or why
 * there is none). The trust ids never leave identity/trusts except as tokens.
 */
@Injectable()
export class TrustsRepository {
  constructor(private readonly dataSource: DataSource) {}

  // ---- trigger_trusts

  async insertTriggerTrust(manager: EntityManager, triggerId: string, trustId: string, projectId: string): Promise<void> {
    await manager.query(`INSERT INTO trigger_trusts (trigger_id, trust_id, project_id) VALUES ($1, $2, $3)`, [triggerId, trustId, projectId]);
  }

  async requestTriggerTrustDeletion(manager: EntityManager, triggerId: string): Promise<void> {
    await manager.query(`UPDATE trigger_trusts SET delete_requested_at = now() WHERE trigger_id = $1`, [triggerId]);
  }

  /** The trust of each of these triggers that still has one (deletion not requested). */
  async liveTriggerTrusts(triggerIds: string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, string>> {
    const rows: TriggerTrustRow[] = await manager.query(
      `SELECT trigger_id, trust_id FROM trigger_trusts WHERE trigger_id = ANY($1::uuid[]) AND delete_requested_at IS NULL`,
      [triggerIds],
    );
    return new Map(rows.map((row) => [row.trigger_id, row.trust_id]));
  }

  /** Every trigger trust whose deletion was not requested (the daily health check's candidates). */
  async allLiveTriggerTrusts(): Promise<Map<string, string>> {
    const rows: TriggerTrustRow[] = await this.dataSource.query(`SELECT trigger_id, trust_id FROM trigger_trusts WHERE delete_requested_at IS NULL`);
    return new Map(rows.map((row) => [row.trigger_id, row.trust_id]));
  }

  /** The trusts of deleted triggers (partial index trigger_trusts_to_delete). */
  triggerTrustsToDelete(): Promise<TriggerTrustRow[]> {
    return this.dataSource.query(`SELECT trigger_id, trust_id FROM trigger_trusts WHERE delete_requested_at IS NOT NULL`);
  }

  async deleteTriggerTrust(triggerId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM trigger_trusts WHERE trigger_id = $1`, [triggerId]);
  }

  // ---- execution_trusts

  async insertExecutionTrust(manager: EntityManager, executionId: string, projectId: string, trustId: string | null, error: string | null): Promise<void> {
    await manager.query(`INSERT INTO execution_trusts (execution_id, trust_id, error, project_id) VALUES ($1, $2, $3, $4)`, [
      executionId,
      trustId,
      error,
      projectId,
    ]);
  }

  /** One page of execution trusts, in execution id order after `afterExecutionId`. */
  executionTrustsAfter(afterExecutionId: string | null, limit: number): Promise<ExecutionTrustRow[]> {
    return this.dataSource.query(
      `SELECT execution_id, trust_id FROM execution_trusts WHERE $1::uuid IS NULL OR execution_id > $1::uuid ORDER BY execution_id LIMIT $2`,
      [afterExecutionId, limit],
    );
  }

  async deleteExecutionTrust(executionId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM execution_trusts WHERE execution_id = $1`, [executionId]);
  }

  // ---- both

  /**
   * The trust a run acts with: its trigger's (whether or not the trigger was deleted meanwhile),
   * else its root execution's; `error` is why the root execution got none.
   */
  async trustOfRun(triggerId: string | null, rootExecutionId: string): Promise<{ trustId: string | null; error: string | null }> {
    const rows: Array<{ trust_id: string | null; error: string | null }> = await this.dataSource.query(
      `SELECT COALESCE((SELECT tt.trust_id FROM trigger_trusts tt WHERE tt.trigger_id = $1::uuid), et.trust_id) AS trust_id, et.error
         FROM (SELECT 1) AS one LEFT JOIN execution_trusts et ON et.execution_id = $2::uuid`,
      [triggerId, rootExecutionId],
    );
    return { trustId: rows[0]?.trust_id ?? null, error: rows[0]?.error ?? null };
  }

  // ---- service snapshots (snapshots/ reads and replaces the whole state through these)

  async exportForSnapshot(manager: EntityManager): Promise<SnapshotTables> {
    return {
      trigger_trusts: await exportTableRows(manager, 'trigger_trusts', 'trigger_id'),
    };
  }

  async clearForRestore(manager: EntityManager): Promise<void> {
    await deleteTableRows(manager, 'trigger_trusts');
  }

  async importFromSnapshot(manager: EntityManager, tables: SnapshotTables): Promise<void> {
    await importTableRows(manager, 'trigger_trusts', tables.trigger_trusts ?? []);
  }

  /** Execution trusts are not carried by snapshots (their executions end with the restore). */
  async clearExecutionTrusts(manager: EntityManager): Promise<void> {
    await deleteTableRows(manager, 'execution_trusts');
  }
}
