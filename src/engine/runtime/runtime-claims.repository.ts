import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { DelayedJobKind } from '../delayed-job.entity';

export interface ClaimedJob {
  id: string;
  workflow_execution_id: string;
  kind: DelayedJobKind;
  payload: Record<string, unknown>;
}

/**
 * The engine's crash safety in SQL: claiming due delayed jobs and lapsed action leases with
 * SKIP LOCKED (several instances share the work), and renewing the leases of running actions.
 */
@Injectable()
export class RuntimeClaimsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Due jobs nobody holds, now claimed by `owner` for `leaseSeconds`. */
  claimDueJobs(owner: string, leaseSeconds: number): Promise<ClaimedJob[]> {
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const rows: Array<{ id: string }> = await manager.query(
        `SELECT id FROM delayed_jobs
          WHERE run_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
          ORDER BY run_at LIMIT 200 FOR UPDATE SKIP LOCKED`,
      );
      if (rows.length === 0) return [];
      const [claimed] = await manager.query(
        `UPDATE delayed_jobs SET claimed_by = $2, claimed_until = now() + make_interval(secs => $3)
          WHERE id = ANY($1::bigint[]) RETURNING id, workflow_execution_id, kind, payload`,
        [rows.map((row) => row.id), owner, leaseSeconds],
      );
      return claimed as ClaimedJob[];
    });
  }

  /** Running actions whose lease lapsed (their instance died, or stalled), now leased by `owner`. */
  takeOverLapsedActions(owner: string, leaseSeconds: number): Promise<Array<{ id: string; workflow_execution_id: string | null }>> {
    return this.dataSource.transaction(async (manager) => {
      const rows: Array<{ id: string }> = await manager.query(
        `SELECT id FROM action_executions WHERE state = 'RUNNING' AND lease_expires_at < now()
          ORDER BY lease_expires_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      );
      if (rows.length === 0) return [];
      const [taken] = await manager.query(
        `UPDATE action_executions SET lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3)
          WHERE id = ANY($1::uuid[]) RETURNING id, workflow_execution_id`,
        [rows.map((row) => row.id), owner, leaseSeconds],
      );
      return taken;
    });
  }

  /** A one-off action (no workflow) whose instance died: nobody can report its end. */
  async failOrphanedOneOff(actionId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE action_executions SET state = 'ERROR', state_info = 'the instance running it stopped', lease_owner = NULL, updated_at = now() WHERE id = $1`,
      [actionId],
    );
  }

  async renewLeases(actionIds: string[], owner: string, leaseSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE action_executions SET lease_expires_at = now() + make_interval(secs => $3)
        WHERE id = ANY($1::uuid[]) AND lease_owner = $2 AND state = 'RUNNING'`,
      [actionIds, owner, leaseSeconds],
    );
  }

  /**
   * For /metrics: delayed jobs due now, and those due for more than `overdueSeconds` (nobody ran
   * them: the engine is stuck or every instance is down); each counted up to `cap` (index on run_at).
   */
  async dueJobCounts(overdueSeconds: number, cap: number): Promise<{ due: number; overdue: number }> {
    const [row]: Array<{ due: number; overdue: number }> = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM delayed_jobs WHERE run_at <= now() LIMIT $2) d)::int AS due,
              (SELECT count(*) FROM (SELECT 1 FROM delayed_jobs WHERE run_at <= now() - make_interval(secs => $1) LIMIT $2) o)::int AS overdue`,
      [overdueSeconds, cap],
    );
    return row;
  }
}
