import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ExecutionStarter } from '../engine/start/execution-starter';
import type { StartBatch } from '../engine/start/start-batch';
import { CronTriggerEntity } from './cron-trigger.entity';
import { scheduleOf, triggerDescription } from './cron-trigger.schedule';
import { jitterOffsetSeconds, slotsToRun } from './schedule/trigger-schedule';
import { NoTrustCredentials, TRIGGER_CREDENTIALS, TrustUnavailable, type TriggerCredentials } from './trigger-credentials';
import { triggerMasker } from './cron-trigger.mapper';
import { TriggerFailureNotifier, type FiringFailure } from './trigger-failure-notifier';
import { TriggerFiringEntity, type FiringOutcome } from './trigger-firing.entity';

/** What one firing did, as `POST .../fire` and the history show it. */
export interface FiringRecord {
  firing: TriggerFiringEntity;
  failure: FiringFailure | null;
}

/** Everything one firing transaction did, to hand over once it has committed. */
interface Claimed {
  records: FiringRecord[];
  /** the executions started, through the engine's entry point */
  starts: StartBatch;
}

/** Per-transaction state shared by the triggers of one batch. */
interface Batch extends Claimed {
  manager: EntityManager;
  trusts: Map<string, string>;
}

/**
 * Fires triggers. One transaction per batch of due triggers: lock their rows (SKIP LOCKED: rows
 * another instance holds are its to fire), create each slot's execution, insert the firings
 * (unique on trigger and slot) and advance the schedules (compare-and-swap on
 * next_execution_time). Whatever the number of replicas, a slot yields one execution; a crash
 * before the commit yields none and leaves the triggers due for whoever comes next. A batch that
 * fails is retried trigger by trigger, so one bad trigger cannot hold back the others.
 */
@Injectable()
export class TriggerFirer {
  private readonly logger = new Logger(TriggerFirer.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly starter: ExecutionStarter,
    private readonly notifier: TriggerFailureNotifier,
    @Inject(TRIGGER_CREDENTIALS) private readonly credentials: TriggerCredentials,
  ) {}

  /** Fires those of `triggerIds` that are due and not held by another instance. */
  async fireDue(triggerIds: string[], now: Date = new Date()): Promise<FiringRecord[]> {
    try {
      return await this.fireInOneTransaction(triggerIds, now, triggerIds.length === 1);
    } catch (error) {
      if (triggerIds.length === 1) throw error;
      this.logger.warn(`firing a batch of ${triggerIds.length} cron triggers failed, firing them one by one: ${String(error)}`);
      const records: FiringRecord[] = [];
      for (const id of triggerIds) {
        try {
          records.push(...(await this.fireInOneTransaction([id], now, true)));
        } catch (single) {
          this.logger.error(`firing cron trigger ${id} failed: ${String(single)}`);
        }
      }
      return records;
    }
  }

  /** `POST /v2/cron_triggers/{name}/fire`: one execution now; the schedule is left as it is. */
  async fireNow(trigger: CronTriggerEntity, now: Date = new Date()): Promise<FiringRecord> {
    const claimed = await this.dataSource.transaction(async (manager) => {
      const locked = await manager.findOne(CronTriggerEntity, { where: { id: trigger.id }, lock: { mode: 'pessimistic_write' } });
      if (!locked) throw new Error(`cron trigger ${trigger.name} was deleted meanwhile`);
      const batch = await this.newBatch(manager, [locked], true);
      await this.fireOne(batch, locked, now);
      await manager.insert(TriggerFiringEntity, batch.records.map((record) => record.firing));
      return batch;
    });
    await this.afterCommit(claimed);
    return claimed.records[0];
  }

  private async fireInOneTransaction(triggerIds: string[], now: Date, savepoint: boolean): Promise<FiringRecord[]> {
    const claimed = await this.dataSource.transaction(async (manager) => {
      const triggers = await manager
        .createQueryBuilder(CronTriggerEntity, 't')
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .where('t.id IN (:...triggerIds) AND t.enabled AND t.finished_at IS NULL AND t.next_fire_at <= :now', { triggerIds, now })
        .getMany();
      const batch = await this.newBatch(manager, triggers, savepoint);
      const advances: Array<{ id: string; previous: Date; next: Date | null; fireAt: Date | null; remaining: number | null }> = [];
      for (const trigger of triggers) {
        if (!trigger.nextExecutionTime) continue;
        const previous = trigger.nextExecutionTime;
        // judged from the fire instant (slot + jitter): a jittered slot that fires on time is on time
        const offset = jitterOffsetSeconds(trigger.id, trigger.jitter);
        const plan = slotsToRun(scheduleOf(trigger), previous, now, trigger.misfirePolicy, trigger.catchUpWindow, offset);
        const slots = trigger.remainingExecutions === null ? plan.run : plan.run.slice(0, trigger.remainingExecutions);
        for (const slot of slots) {
          const outcome = await this.fireOne(batch, trigger, slot);
          if (trigger.remainingExecutions !== null && outcome !== 'skipped') trigger.remainingExecutions -= 1;
        }
        const next = trigger.remainingExecutions !== null && trigger.remainingExecutions <= 0 ? null : plan.next;
        advances.push({ id: trigger.id, previous, next, fireAt: next ? new Date(next.getTime() + offset * 1000) : null, remaining: trigger.remainingExecutions });
      }
      await batch.starts.write();
      // unique (trigger_id, scheduled_for): a slot fired twice aborts the whole transaction
      if (batch.records.length > 0) await manager.insert(TriggerFiringEntity, batch.records.map((record) => record.firing));
      if (advances.length > 0) {
        const [, affected] = (await manager.query(
          `UPDATE cron_triggers t
              SET next_execution_time = u.next, next_fire_at = u.fire_at, remaining_executions = u.remaining,
                  finished_at = CASE WHEN u.next IS NULL THEN $6::timestamptz ELSE NULL END
             FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::int[]) AS u(id, previous, next, fire_at, remaining)
            WHERE t.id = u.id AND date_trunc('milliseconds', t.next_execution_time) = u.previous`,
          [
            advances.map((a) => a.id),
            advances.map((a) => a.previous),
            advances.map((a) => a.next),
            advances.map((a) => a.fireAt),
            advances.map((a) => a.remaining),
            now,
          ],
        )) as [unknown, number];
        // under the row locks the swap cannot miss; if it ever does, roll back rather than fire twice
        if (affected !== advances.length) throw new Error('a cron trigger moved while it was being fired');
      }
      return batch;
    });
    await this.afterCommit(claimed);
    return claimed.records;
  }

  /** `oneByOne` (single firings): an execution that cannot start inline falls back to a start job. */
  private async newBatch(manager: EntityManager, triggers: CronTriggerEntity[], oneByOne: boolean): Promise<Batch> {
    const trusts = new Map<string, string>();
    // noauth mode has no trusts: no query for them
    if (triggers.length > 0 && !(this.credentials instanceof NoTrustCredentials)) {
      const rows: Array<{ trigger_id: string; trust_id: string }> = await manager.query(
        `SELECT trigger_id, trust_id FROM trigger_trusts WHERE trigger_id = ANY($1::uuid[]) AND delete_requested_at IS NULL`,
        [triggers.map((trigger) => trigger.id)],
      );
      for (const row of rows) trusts.set(row.trigger_id, row.trust_id);
    }
    return { manager, trusts, starts: this.starter.startBatch(manager, { oneByOne }), records: [] };
  }

  /** One slot of one trigger: its execution (or a skip), recorded in the batch. */
  private async fireOne(batch: Batch, trigger: CronTriggerEntity, slot: Date): Promise<FiringOutcome> {
    const firing = Object.assign(new TriggerFiringEntity(), {
      id: randomUUID(),
      triggerId: trigger.id,
      scheduledFor: slot,
      firedAt: new Date(),
      executionId: null as string | null,
      outcome: 'started' as FiringOutcome,
      error: null as string | null,
    });
    if (trigger.overlapPolicy === 'skip' && (await this.previousStillRuns(batch.manager, trigger))) {
      firing.outcome = 'skipped';
      firing.error = "the previous execution of this trigger still runs (overlap_policy 'skip')";
      batch.records.push({ firing, failure: null });
      return firing.outcome;
    }
    const failure = await this.trustProblem(batch, trigger);
    const executionId = randomUUID();
    const started = await batch.starts.start({
      executionId,
      triggerId: trigger.id,
      workflowId: trigger.workflowId,
      workflowName: trigger.workflowName,
      projectId: trigger.projectId,
      userId: trigger.userId,
      input: trigger.workflowInput,
      params: trigger.workflowParams,
      description: triggerDescription(trigger),
      failure: failure ?? undefined,
    });
    firing.executionId = executionId;
    if (started.failure !== null) {
      firing.outcome = 'failed';
      firing.error = started.failure;
    }
    const failed: FiringFailure | null =
      started.failure === null ? null : { trigger, scheduledFor: slot, executionId, reason: started.failure };
    batch.records.push({ firing, failure: failed });
    return firing.outcome;
  }

  private async previousStillRuns(manager: EntityManager, trigger: CronTriggerEntity): Promise<boolean> {
    const running: unknown[] = await manager.query(
      `SELECT 1 FROM workflow_executions WHERE trigger_id = $1 AND task_execution_id IS NULL AND state IN ('RUNNING', 'PAUSED', 'IDLE') LIMIT 1`,
      [trigger.id],
    );
    return running.length > 0;
  }

  /** The trust's state, checked at fire time; the result is kept on the trigger for the API. */
  private async trustProblem(batch: Batch, trigger: CronTriggerEntity): Promise<string | null> {
    const trustId = batch.trusts.get(trigger.id);
    if (!trustId) return null;
    let problem: string | null = null;
    try {
      await this.credentials.verifyTrust(trustId);
    } catch (error) {
      problem = `the trigger's Keystone trust cannot be used: ${error instanceof TrustUnavailable ? error.message : String(error)}`;
    }
    await batch.manager.update(CronTriggerEntity, trigger.id, {
      trustStatus: problem ? 'broken' : 'ok',
      trustCheckedAt: new Date(),
      trustError: problem,
    });
    return problem;
  }

  private async afterCommit(claimed: Claimed): Promise<void> {
    claimed.starts.dispatch();
    for (const record of claimed.records) {
      if (record.failure) {
        this.logger.warn(`cron trigger firing failed: execution ${record.failure.executionId}: ${triggerMasker(record.failure.trigger).text(record.failure.reason)}`);
        await this.notifier.notify(record.failure);
      }
    }
  }
}
