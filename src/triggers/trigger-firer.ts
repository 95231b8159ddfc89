import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ExecutionStarter } from '../engine/start/execution-starter';
import type { StartBatch } from '../engine/start/start-batch';
import { TriggerTrusts } from '../identity/trusts/trigger-trusts.service';
import { TrustUnavailable } from '../identity/trusts/trust-credentials';
import { SiroccoMetrics } from '../metrics/sirocco-metrics';
import { MaintenanceGate } from '../service-state/maintenance-gate';
import type { CronTriggerEntity } from './cron-trigger.entity';
import { scheduleOf, triggerDescription } from './cron-trigger.schedule';
import { MAINTENANCE_SKIP_REASON } from './maintenance-skips';
import { jitterOffsetSeconds, slotsToRun } from './schedule/trigger-schedule';
import { TriggerFailureNotifier } from './trigger-failure-notifier';
import { TriggerFiringEntity, type FiringOutcome } from './trigger-firing.entity';
import type { FiringFailure, FiringRecord } from './trigger-firing.record';
import { TriggerFiringRepository, type ScheduleAdvance } from './trigger-firing.repository';
import { triggerMasker } from './trigger-masker';

/** A slot fired this long after it fell due may have a skipped record from maintenance mode. */
const LATE_MS = 2000;

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
 * Fires triggers. One transaction per batch of due triggers: claim their rows (one query, SKIP
 * LOCKED: rows another transaction holds are its to fire), create each slot's execution, insert the firings
 * (unique on trigger and slot) and advance the schedules (compare-and-swap on
 * next_execution_time). Whatever the number of replicas, a slot yields one execution; a crash
 * before the commit yields none and leaves the triggers due for whoever comes next. A batch that
 * fails is retried trigger by trigger, so one bad trigger cannot hold back the others.
 */
@Injectable()
export class TriggerFirer {
  private readonly logger = new Logger(TriggerFirer.name);

  constructor(
    private readonly repository: TriggerFiringRepository,
    private readonly starter: ExecutionStarter,
    private readonly notifier: TriggerFailureNotifier,
    private readonly trusts: TriggerTrusts,
    private readonly maintenance: MaintenanceGate,
    private readonly metrics: SiroccoMetrics,
  ) {}

  /**
   * Claims up to `limit` due triggers in one transaction and fires them; returns the ids it
   * claimed (fewer than `limit`: nothing more is due for now). If that transaction fails, the
   * triggers it had claimed are retried one by one; those that still fail come back in `failed`.
   * `onClaim` hears how many the claim took, right after it (before they are fired).
   */
  async fireClaimed(
    limit: number,
    excluded: string[] = [],
    now: Date = new Date(),
    onClaim?: (count: number) => void,
  ): Promise<{ claimed: string[]; failed: string[] }> {
    let claimed: string[] = [];
    const claim = async (manager: EntityManager) => {
      const triggers = await this.repository.claimDueTriggers(manager, limit, now, excluded);
      claimed = triggers.map((trigger) => trigger.id);
      // as soon as the claim is known, before the batch is fired: the loop may start another worker
      onClaim?.(triggers.length);
      return triggers;
    };
    try {
      await this.fireInOneTransaction(claim, now, false);
      return { claimed, failed: [] };
    } catch (error) {
      // nothing claimed: the claim itself failed (e.g. the database went away)
      if (claimed.length === 0) throw error;
      this.logger.warn(`firing a batch of ${claimed.length} cron triggers failed, firing them one by one: ${String(error)}`);
      return { claimed, failed: await this.fireOneByOne(claimed, now) };
    }
  }

  /** Fires those of `triggerIds` that are due and not held by another instance, each in its own transaction; returns those that failed. */
  private async fireOneByOne(triggerIds: string[], now: Date): Promise<string[]> {
    const failed: string[] = [];
    for (const id of triggerIds) {
      try {
        await this.fireInOneTransaction((manager) => this.repository.lockDueTriggers(manager, [id], now), now, true);
      } catch (single) {
        failed.push(id);
        this.logger.error(`firing cron trigger ${id} failed: ${String(single)}`);
      }
    }
    return failed;
  }

  /** `POST /v2/cron_triggers/{name}/fire`: one execution now; the schedule is left as it is. */
  async fireNow(trigger: CronTriggerEntity, now: Date = new Date()): Promise<FiringRecord> {
    const claimed = await this.repository.transaction(async (manager) => {
      await this.maintenance.admitNewExecution(manager);
      const locked = await this.repository.lockTrigger(manager, trigger.id);
      if (!locked) throw new Error(`cron trigger ${trigger.name} was deleted meanwhile`);
      const batch = await this.newBatch(manager, [locked], true);
      await this.fireOne(batch, locked, now, null);
      await this.repository.insertFirings(manager, batch.records.map((record) => record.firing));
      return batch;
    });
    await this.afterCommit(claimed);
    return claimed.records[0];
  }

  /** `lock` selects and locks the triggers to fire, inside the transaction. */
  private async fireInOneTransaction(
    lock: (manager: EntityManager) => Promise<CronTriggerEntity[]>,
    now: Date,
    savepoint: boolean,
  ): Promise<FiringRecord[]> {
    const claimed = await this.repository.transaction(async (manager) => {
      const triggers = await lock(manager);
      // nothing claimed (a claim that came back empty): nothing to write
      if (triggers.length === 0) return { records: [], starts: this.starter.startBatch(manager, { oneByOne: savepoint }) };
      const batch = await this.newBatch(manager, triggers, savepoint);
      const advances: ScheduleAdvance[] = [];
      for (const trigger of triggers) {
        if (!trigger.nextExecutionTime) continue;
        const previous = trigger.nextExecutionTime;
        // judged from the fire instant (slot + jitter): a jittered slot that fires on time is on time
        const offset = jitterOffsetSeconds(trigger.id, trigger.jitter);
        const plan = slotsToRun(scheduleOf(trigger), previous, now, trigger.misfirePolicy, trigger.catchUpWindow, offset);
        const slots = trigger.remainingExecutions === null ? plan.run : plan.run.slice(0, trigger.remainingExecutions);
        for (const slot of slots) {
          const outcome = await this.fireOne(batch, trigger, slot, new Date(slot.getTime() + offset * 1000));
          if (trigger.remainingExecutions !== null && outcome !== 'skipped') trigger.remainingExecutions -= 1;
        }
        const next = trigger.remainingExecutions !== null && trigger.remainingExecutions <= 0 ? null : plan.next;
        advances.push({ id: trigger.id, previous, next, fireAt: next ? new Date(next.getTime() + offset * 1000) : null, remaining: trigger.remainingExecutions });
      }
      await batch.starts.write();
      // a late slot may have been recorded as skipped during maintenance mode: its firing replaces that
      const late = batch.records.map((record) => record.firing).filter((firing) => now.getTime() - firing.scheduledFor.getTime() > LATE_MS);
      await this.repository.clearSkips(manager, late, MAINTENANCE_SKIP_REASON);
      // unique (trigger_id, scheduled_for): a slot fired twice aborts the whole transaction
      if (batch.records.length > 0) await this.repository.insertFirings(manager, batch.records.map((record) => record.firing));
      if (advances.length > 0) {
        const affected = await this.repository.advanceSchedules(manager, advances, now);
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
    // noauth mode has no trusts: no query for them
    const trusts = await this.trusts.trustsOf(manager, triggers.map((trigger) => trigger.id));
    return { manager, trusts, starts: this.starter.startBatch(manager, { oneByOne }), records: [] };
  }

  /** One slot of one trigger: its execution (or a skip), recorded in the batch. */
  private async fireOne(batch: Batch, trigger: CronTriggerEntity, slot: Date, dueAt: Date | null): Promise<FiringOutcome> {
    const firing = Object.assign(new TriggerFiringEntity(), {
      id: randomUUID(),
      triggerId: trigger.id,
      scheduledFor: slot,
      firedAt: new Date(),
      executionId: null as string | null,
      outcome: 'started' as FiringOutcome,
      error: null as string | null,
    });
    if (trigger.overlapPolicy === 'skip' && (await batch.starts.previousStillRuns(trigger.id))) {
      firing.outcome = 'skipped';
      firing.error = "the previous execution of this trigger still runs (overlap_policy 'skip')";
      batch.records.push({ firing, failure: null, workflowName: trigger.workflowName, dueAt });
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
    batch.records.push({ firing, failure: failed, workflowName: trigger.workflowName, dueAt });
    return firing.outcome;
  }

  /** The trust's state, checked at fire time; the result is kept on the trigger for the API. */
  private async trustProblem(batch: Batch, trigger: CronTriggerEntity): Promise<string | null> {
    const trustId = batch.trusts.get(trigger.id);
    if (!trustId) return null;
    let problem: string | null = null;
    try {
      await this.trusts.verify(trustId);
    } catch (error) {
      problem = `the trigger's Keystone trust cannot be used: ${error instanceof TrustUnavailable ? error.message : String(error)}`;
    }
    await this.repository.recordFireTimeTrustCheck(batch.manager, trigger.id, problem);
    return problem;
  }

  private async afterCommit(claimed: Claimed): Promise<void> {
    claimed.starts.dispatch();
    for (const record of claimed.records) {
      this.metrics.triggerFiring(record.workflowName, record.firing.outcome, record.dueAt && (record.firing.firedAt.getTime() - record.dueAt.getTime()) / 1000);
      if (record.failure) {
        this.logger.warn(`cron trigger firing failed: execution ${record.failure.executionId}: ${triggerMasker(record.failure.trigger).text(record.failure.reason)}`);
        await this.notifier.notify(record.failure);
      }
    }
  }
}
