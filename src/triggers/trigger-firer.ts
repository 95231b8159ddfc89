import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { DelayedJobEntity } from '../engine/delayed-job.entity';
import { ExecutionsService } from '../engine/executions.service';
import { CronTriggerEntity } from './cron-trigger.entity';
import { scheduleOf, triggerDescription } from './cron-trigger.schedule';
import { jitterOffsetSeconds, slotsToRun } from './schedule/trigger-schedule';
import { TRIGGER_CREDENTIALS, TrustUnavailable, type TriggerCredentials } from './trigger-credentials';
import { TriggerFailureNotifier, type FiringFailure } from './trigger-failure-notifier';
import { TriggerFiringEntity, type FiringOutcome } from './trigger-firing.entity';

/** What one firing did, as `POST .../fire` and the history show it. */
export interface FiringRecord {
  firing: TriggerFiringEntity;
  failure: FiringFailure | null;
}

interface Claimed {
  records: FiringRecord[];
  jobs: DelayedJobEntity[];
}

/**
 * Fires triggers. One transaction per trigger: lock its row (SKIP LOCKED: another instance that
 * holds it is firing it), insert the firing (unique on trigger and slot), create the execution and
 * advance the schedule (compare-and-swap on next_execution_time). Whatever the number of
 * replicas, a slot yields one execution, and a crash before the commit yields none and leaves the
 * trigger due, so the slot is fired again by whoever comes next.
 */
@Injectable()
export class TriggerFirer {
  private readonly logger = new Logger(TriggerFirer.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly executions: ExecutionsService,
    private readonly notifier: TriggerFailureNotifier,
    @Inject(TRIGGER_CREDENTIALS) private readonly credentials: TriggerCredentials,
  ) {}

  /** Fires a trigger whose next slot is due; null when it is not due or another instance has it. */
  async fireDue(triggerId: string, now: Date = new Date()): Promise<FiringRecord[] | null> {
    const claimed = await this.dataSource.transaction(async (manager) => {
      const trigger = await manager
        .createQueryBuilder(CronTriggerEntity, 't')
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .where('t.id = :triggerId AND t.enabled AND t.finished_at IS NULL AND t.next_fire_at <= :now', { triggerId, now })
        .getOne();
      if (!trigger || !trigger.nextExecutionTime) return null;
      return this.fireSlots(manager, trigger, now);
    });
    if (!claimed) return null;
    await this.afterCommit(claimed);
    return claimed.records;
  }

  /** `POST /v2/cron_triggers/{name}/fire`: one execution now; the schedule is left as it is. */
  async fireNow(trigger: CronTriggerEntity, now: Date = new Date()): Promise<FiringRecord> {
    const claimed = await this.dataSource.transaction(async (manager) => {
      const locked = await manager.findOne(CronTriggerEntity, { where: { id: trigger.id }, lock: { mode: 'pessimistic_write' } });
      if (!locked) throw new Error(`cron trigger ${trigger.name} was deleted meanwhile`);
      const record = await this.fireOne(manager, locked, now);
      return { records: [record.record], jobs: record.job ? [record.job] : [] };
    });
    await this.afterCommit(claimed);
    return claimed.records[0];
  }

  private async fireSlots(manager: EntityManager, trigger: CronTriggerEntity, now: Date): Promise<Claimed> {
    const previous = trigger.nextExecutionTime!;
    // judged from the fire instant (slot + jitter), so a jittered slot that fires on time is on time
    const plan = slotsToRun(
      scheduleOf(trigger),
      previous,
      now,
      trigger.misfirePolicy,
      trigger.catchUpWindow,
      jitterOffsetSeconds(trigger.id, trigger.jitter),
    );
    let slots = plan.run;
    if (trigger.remainingExecutions !== null) slots = slots.slice(0, trigger.remainingExecutions);
    const claimed: Claimed = { records: [], jobs: [] };
    for (const slot of slots) {
      const { record, job } = await this.fireOne(manager, trigger, slot);
      claimed.records.push(record);
      if (job) claimed.jobs.push(job);
      if (trigger.remainingExecutions !== null && record.firing.outcome !== 'skipped') trigger.remainingExecutions -= 1;
    }
    let next = plan.next;
    if (trigger.remainingExecutions !== null && trigger.remainingExecutions <= 0) next = null;
    const finished = next === null;
    const result = await manager
      .createQueryBuilder()
      .update(CronTriggerEntity)
      .set({
        nextExecutionTime: next,
        nextFireAt: next ? new Date(next.getTime() + jitterOffsetSeconds(trigger.id, trigger.jitter) * 1000) : null,
        remainingExecutions: trigger.remainingExecutions,
        finishedAt: finished ? now : null,
      })
      .where('id = :id AND next_execution_time = :previous', { id: trigger.id, previous })
      .execute();
    // under the row lock the swap cannot miss; if it ever does, roll back rather than fire twice
    if (result.affected !== 1) throw new Error(`cron trigger ${trigger.name} moved while it was being fired`);
    return claimed;
  }

  private async fireOne(
    manager: EntityManager,
    trigger: CronTriggerEntity,
    slot: Date,
  ): Promise<{ record: FiringRecord; job: DelayedJobEntity | null }> {
    const firing = Object.assign(new TriggerFiringEntity(), {
      id: randomUUID(),
      triggerId: trigger.id,
      scheduledFor: slot,
      firedAt: new Date(),
      executionId: null as string | null,
      outcome: 'started' as FiringOutcome,
      error: null as string | null,
    });
    if (trigger.overlapPolicy === 'skip') {
      const running: unknown[] = await manager.query(
        `SELECT 1 FROM workflow_executions WHERE trigger_id = $1 AND task_execution_id IS NULL AND state IN ('RUNNING', 'PAUSED', 'IDLE') LIMIT 1`,
        [trigger.id],
      );
      if (running.length > 0) {
        firing.outcome = 'skipped';
        firing.error = "the previous execution of this trigger still runs (overlap_policy 'skip')";
        await manager.insert(TriggerFiringEntity, firing);
        return { record: { firing, failure: null }, job: null };
      }
    }
    const failure = await this.trustProblem(manager, trigger);
    const executionId = randomUUID();
    const started = await this.executions.createTriggeredExecution(manager, {
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
    // unique (trigger_id, scheduled_for): a second firing of this slot aborts the whole transaction
    await manager.insert(TriggerFiringEntity, firing);
    const failed: FiringFailure | null =
      started.failure === null ? null : { trigger, scheduledFor: slot, executionId, reason: started.failure };
    return { record: { firing, failure: failed }, job: started.job };
  }

  /** The trust's state, checked at fire time; the result is kept on the trigger for the API. */
  private async trustProblem(manager: EntityManager, trigger: CronTriggerEntity): Promise<string | null> {
    const rows: Array<{ trust_id: string }> = await manager.query(
      `SELECT trust_id FROM trigger_trusts WHERE trigger_id = $1 AND delete_requested_at IS NULL`,
      [trigger.id],
    );
    if (rows.length === 0) return null;
    let problem: string | null = null;
    try {
      await this.credentials.verifyTrust(rows[0].trust_id);
    } catch (error) {
      problem = `the trigger's Keystone trust cannot be used: ${error instanceof TrustUnavailable ? error.message : String(error)}`;
    }
    await manager.update(CronTriggerEntity, trigger.id, {
      trustStatus: problem ? 'broken' : 'ok',
      trustCheckedAt: new Date(),
      trustError: problem,
    });
    return problem;
  }

  private async afterCommit(claimed: Claimed): Promise<void> {
    this.executions.startAfterCommit(claimed.jobs);
    for (const record of claimed.records) {
      if (record.failure) {
        this.logger.warn(`cron trigger firing failed: execution ${record.failure.executionId}: ${record.failure.reason}`);
        await this.notifier.notify(record.failure);
      }
    }
  }
}
