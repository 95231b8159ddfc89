import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ActionExecutionEntity } from './action-execution.entity';
import { DelayedJobEntity } from './delayed-job.entity';
import { TaskExecutionEntity } from './task-execution.entity';
import { WorkflowExecutionEntity } from './workflow-execution.entity';
import { insertExecutions } from './run/run-rows.repository';
import { attachDeclarations, deleteAllSpecs, deleteUnreferencedSpecs, exportSpecs, importSpecs } from './workflow-specs.repository';
import { deleteTableRows, exportTableRows, importTableRows, type SnapshotTables } from '../database/table-rows';

/**
 * The engine's writes and reads outside a transition: creating executions and their start jobs,
 * the API's commands (description, delete, cascade), one-off action runs, the workflow-in-use
 * check. What a transition reads and writes is run/'s (RunReads, RunChanges).
 */
@Injectable()
export class ExecutionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Runs `work` under a savepoint of `manager`'s transaction: a failure rolls back only what `work` did. */
  async withSavepoint<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
    await manager.query('SAVEPOINT sirocco_start');
    try {
      const result = await work();
      await manager.query('RELEASE SAVEPOINT sirocco_start');
      return result;
    } catch (error) {
      await manager.query('ROLLBACK TO SAVEPOINT sirocco_start');
      throw error;
    }
  }

  /** The execution, its spec holding only its input and output declarations (what the API shows it by). */
  async findExecution(id: string): Promise<WorkflowExecutionEntity | null> {
    const execution = await this.dataSource.getRepository(WorkflowExecutionEntity).findOne({ where: { id } });
    if (execution) await attachDeclarations(this.dataSource.manager, [execution]);
    return execution;
  }

  findTask(id: string): Promise<TaskExecutionEntity | null> {
    return this.dataSource.getRepository(TaskExecutionEntity).findOne({ where: { id } });
  }

  async insertExecution(manager: EntityManager, execution: WorkflowExecutionEntity): Promise<void> {
    await insertExecutions(manager, [execution]);
  }

  insertJob(manager: EntityManager, job: DelayedJobEntity): Promise<DelayedJobEntity> {
    return manager.save(DelayedJobEntity, job);
  }

  async setDescription(id: string, description: string): Promise<void> {
    await this.dataSource.query(`UPDATE workflow_executions SET description = $2, updated_at = now() WHERE id = $1`, [id, description]);
  }

  /** The execution with its sub-workflows (their tasks and actions go by cascade), then their specs no execution uses any more. */
  async deleteTree(id: string): Promise<void> {
    const rows: Array<{ spec_id: string }> = await this.dataSource.query(
      `WITH gone AS (DELETE FROM workflow_executions WHERE id = $1 OR root_execution_id = $1 RETURNING spec_id) SELECT DISTINCT spec_id FROM gone`,
      [id],
    );
    const specIds = rows.map((row) => row.spec_id);
    // its own statement: the delete above must be seen for a spec to be unused
    if (specIds.length > 0) await deleteUnreferencedSpecs(this.dataSource.manager, specIds.length, specIds);
  }

  /** The sub-workflows (at any depth) of an execution that are in `state`. */
  async descendantsIn(rootId: string, state: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM workflow_executions WHERE root_execution_id = $1 AND state = $2`, [
      rootId,
      state,
    ]);
    return rows.map((row) => row.id);
  }

  /** An engine fault (a bug or a lost database) ends the execution in ERROR instead of leaving it RUNNING. */
  /** Returns the workflow name of the execution it ended, null when there was nothing to end. */
  async failUnfinished(executionId: string, reason: string): Promise<string | null> {
    const [rows] = (await this.dataSource.query(
      `UPDATE workflow_executions SET state = 'ERROR', state_info = $2, updated_at = now()
        WHERE id = $1 AND state IN ('RUNNING', 'PAUSED', 'IDLE') RETURNING workflow_name`,
      [executionId, reason.slice(0, 2000)],
    )) as [Array<{ workflow_name: string }>, number];
    return rows[0]?.workflow_name ?? null;
  }

  findAction(id: string): Promise<ActionExecutionEntity | null> {
    return this.dataSource.getRepository(ActionExecutionEntity).findOne({ where: { id } });
  }

  async deleteAction(id: string): Promise<void> {
    await this.dataSource.getRepository(ActionExecutionEntity).delete({ id });
  }

  async insertAction(action: ActionExecutionEntity): Promise<void> {
    await this.dataSource.getRepository(ActionExecutionEntity).insert(action as unknown as QueryDeepPartialEntity<ActionExecutionEntity>);
  }

  /** A one-off asynchronous action started: it waits, held by nobody, unless its result came meanwhile. */
  async releaseWaitingAction(id: string): Promise<void> {
    await this.dataSource
      .getRepository(ActionExecutionEntity)
      .update({ id, state: 'RUNNING' }, { leaseOwner: null, leaseExpiresAt: null, updatedAt: new Date() });
  }

  /** Records how a one-off action ended. */
  async endAction(action: ActionExecutionEntity): Promise<void> {
    await this.dataSource.getRepository(ActionExecutionEntity).update(action.id, {
      state: action.state,
      stateInfo: action.stateInfo,
      output: action.output as never,
      accepted: action.accepted,
      leaseOwner: action.leaseOwner,
      leaseExpiresAt: action.leaseExpiresAt,
      updatedAt: action.updatedAt,
    });
  }

  // ---- for identity/trusts (EngineExecutionLookup) and the cron triggers (StartBatch) -----------

  async originOf(executionId: string): Promise<{ triggerId: string | null; rootExecutionId: string } | null> {
    const rows: Array<{ trigger_id: string | null; root_id: string }> = await this.dataSource.query(
      `SELECT e.trigger_id, COALESCE(e.root_execution_id, e.id) AS root_id FROM workflow_executions e WHERE e.id = $1`,
      [executionId],
    );
    return rows[0] ? { triggerId: rows[0].trigger_id, rootExecutionId: rows[0].root_id } : null;
  }

  /** Of these executions, those deleted, or ended more than `keepAfterEndSeconds` ago. */
  async releasedExecutions(executionIds: string[], keepAfterEndSeconds: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT u.id FROM unnest($1::uuid[]) AS u(id)
         LEFT JOIN workflow_executions e ON e.id = u.id
        WHERE e.id IS NULL
           OR (e.state IN ('SUCCESS', 'ERROR', 'CANCELLED') AND COALESCE(e.updated_at, e.created_at) < now() - make_interval(secs => $2::int))`,
      [executionIds, keepAfterEndSeconds],
    );
    return rows.map((row) => row.id);
  }

  /** Of these triggers, those with an execution (at any depth) that has not ended. */
  async triggersWithLiveExecutions(triggerIds: string[]): Promise<string[]> {
    const rows: Array<{ trigger_id: string }> = await this.dataSource.query(
      `SELECT DISTINCT e.trigger_id FROM workflow_executions e
        WHERE e.trigger_id = ANY($1::uuid[]) AND e.state IN ('RUNNING', 'PAUSED', 'IDLE')`,
      [triggerIds],
    );
    return rows.map((row) => row.trigger_id);
  }

  /** Whether a top-level execution of the trigger has not ended (overlap_policy 'skip'), seen in `manager`'s transaction. */
  async triggerRunStillLive(manager: EntityManager, triggerId: string): Promise<boolean> {
    const running: unknown[] = await manager.query(
      `SELECT 1 FROM workflow_executions WHERE trigger_id = $1 AND task_execution_id IS NULL AND state IN ('RUNNING', 'PAUSED', 'IDLE') LIMIT 1`,
      [triggerId],
    );
    return running.length > 0;
  }

  /** Top-level executions still RUNNING (their sub-workflows end with them), oldest first. */
  async runningTopLevelIds(limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM workflow_executions WHERE state = 'RUNNING' AND task_execution_id IS NULL ORDER BY created_at LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  /** The project a workflow execution runs in (null when it is gone). */
  async projectOf(executionId: string): Promise<string | null> {
    const rows: Array<{ project_id: string }> = await this.dataSource.query(`SELECT project_id FROM workflow_executions WHERE id = $1`, [executionId]);
    return rows[0]?.project_id ?? null;
  }

  // ---- for /metrics (read at scrape time; bounded, over the partial indexes of the last successes)

  /**
   * When each workflow's latest successful top-level execution ended, for up to `limit` workflow
   * names: a loose index scan (one index probe per name), not a pass over the history.
   */
  async lastSuccessByWorkflow(limit: number): Promise<Array<{ workflow: string; at: Date }>> {
    const rows: Array<{ workflow_name: string; at: Date }> = await this.dataSource.query(
      `WITH RECURSIVE names(workflow_name) AS (
         (SELECT workflow_name FROM workflow_executions WHERE state = 'SUCCESS' AND task_execution_id IS NULL ORDER BY workflow_name LIMIT 1)
         UNION ALL
         SELECT (SELECT e.workflow_name FROM workflow_executions e
                  WHERE e.state = 'SUCCESS' AND e.task_execution_id IS NULL AND e.workflow_name > n.workflow_name
                  ORDER BY e.workflow_name LIMIT 1)
           FROM names n WHERE n.workflow_name IS NOT NULL
       )
       SELECT n.workflow_name,
              (SELECT COALESCE(e.updated_at, e.created_at) FROM workflow_executions e
                WHERE e.state = 'SUCCESS' AND e.task_execution_id IS NULL AND e.workflow_name = n.workflow_name
                ORDER BY COALESCE(e.updated_at, e.created_at) DESC LIMIT 1) AS at
         FROM names n WHERE n.workflow_name IS NOT NULL LIMIT $1`,
      [limit],
    );
    return rows.filter((row) => row.at !== null).map((row) => ({ workflow: row.workflow_name, at: row.at }));
  }

  /** When each of these triggers' latest successful top-level execution ended (triggers without one are left out). */
  async lastSuccessOfTriggers(triggerIds: string[]): Promise<Map<string, Date>> {
    const rows: Array<{ id: string; at: Date | null }> = await this.dataSource.query(
      `SELECT t.id, (SELECT COALESCE(e.updated_at, e.created_at) FROM workflow_executions e
                      WHERE e.trigger_id = t.id AND e.state = 'SUCCESS' AND e.task_execution_id IS NULL
                      ORDER BY COALESCE(e.updated_at, e.created_at) DESC LIMIT 1) AS at
         FROM unnest($1::uuid[]) AS t(id)`,
      [triggerIds],
    );
    return new Map(rows.filter((row) => row.at !== null).map((row) => [row.id, row.at as Date]));
  }

  /** Executions not ended, by state (counted up to `cap` rows, over the partial index of active executions). */
  async activeExecutionCounts(cap: number): Promise<Array<{ state: string; count: number }>> {
    const rows: Array<{ state: string; count: number }> = await this.dataSource.query(
      `SELECT state, count(*)::int AS count FROM (
         SELECT state FROM workflow_executions WHERE state IN ('RUNNING', 'PAUSED', 'IDLE') LIMIT $1
       ) active GROUP BY state`,
      [cap],
    );
    return rows;
  }

  // ---- service snapshots (snapshots/ reads and replaces the whole state through these)

  async exportForSnapshot(manager: EntityManager): Promise<SnapshotTables> {
    return {
      workflow_specs: await exportSpecs(manager),
      workflow_executions: await exportTableRows(manager, 'workflow_executions', 'created_at, id'),
      task_executions: await exportTableRows(manager, 'task_executions', 'created_at, id'),
      action_executions: await exportTableRows(manager, 'action_executions', 'created_at, id'),
    };
  }

  async clearForRestore(manager: EntityManager): Promise<void> {
    await deleteTableRows(manager, 'action_executions');
    await deleteTableRows(manager, 'task_executions');
    await deleteTableRows(manager, 'workflow_executions');
    await deleteAllSpecs(manager);
  }

  /** An archive made before workflow_specs carries a spec on each execution row: stored once each here. */
  async importFromSnapshot(manager: EntityManager, tables: SnapshotTables): Promise<void> {
    await importSpecs(manager, tables.workflow_specs ?? [], tables.workflow_executions ?? []);
    await importTableRows(manager, 'workflow_executions', tables.workflow_executions ?? []);
    await importTableRows(manager, 'task_executions', tables.task_executions ?? []);
    await importTableRows(manager, 'action_executions', tables.action_executions ?? []);
  }

  /** Waiting work is not carried by snapshots: its executions end with the restore. */
  async clearDelayedJobs(manager: EntityManager): Promise<void> {
    await deleteTableRows(manager, 'delayed_jobs');
  }

  /** After a restore, what was running in the archive ends ERROR: it is not replayed against the cloud blindly. */
  async interruptUnfinished(manager: EntityManager, reason: string): Promise<number> {
    const active = `('IDLE', 'RUNNING', 'RUNNING_DELAYED', 'WAITING', 'PAUSED')`;
    await manager.query(`UPDATE action_executions SET state = 'ERROR', state_info = $1, lease_owner = NULL, lease_expires_at = NULL, updated_at = now() WHERE state IN ${active}`, [reason]);
    await manager.query(`UPDATE task_executions SET state = 'ERROR', state_info = $1, updated_at = now(), finished_at = now() WHERE state IN ${active}`, [reason]);
    const [, affected] = (await manager.query(`UPDATE workflow_executions SET state = 'ERROR', state_info = $1, updated_at = now() WHERE state IN ${active}`, [reason])) as [unknown, number];
    return affected;
  }
}
