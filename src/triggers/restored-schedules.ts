import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { scheduleOf } from './cron-trigger.schedule';
import { fireInstant, formatUtc, latestSlots, nextSlots } from './schedule/trigger-schedule';
import { TriggerFailureNotifier } from './trigger-failure-notifier';
import { TriggerFiringEntity } from './trigger-firing.entity';
import type { FiringFailure } from './trigger-firing.record';
import { TriggerFiringRepository } from './trigger-firing.repository';

/** Overdue slots recorded per trigger at most (a per-second trigger restored from a month-old archive). */
const MAX_OVERDUE_SLOTS = 1000;

export function overdueReason(slot: Date): string {
  return `scheduled for ${formatUtc(slot)} UTC is overdue, marking as FAILED`;
}

/**
 * Scheduled work across a restore, as Cloudify does it: every slot that fell due while the
 * snapshot was away is not replayed but recorded as a FAILED firing (and reported); the schedule
 * moves on to its next future slot, which fires as usual.
 */
@Injectable()
export class RestoredSchedules {
  private readonly logger = new Logger(RestoredSchedules.name);

  constructor(
    private readonly firings: TriggerFiringRepository,
    private readonly notifier: TriggerFailureNotifier,
  ) {}

  /** Inside the restore's transaction: records the overdue slots and moves the schedules on; one failure per trigger to report. */
  async markOverdue(manager: EntityManager, now: Date): Promise<FiringFailure[]> {
    const failures: FiringFailure[] = [];
    for (const trigger of await this.firings.liveTriggers(manager)) {
      const due = trigger.nextExecutionTime;
      if (!due || due.getTime() > now.getTime()) continue;
      const schedule = scheduleOf(trigger);
      const later = latestSlots(schedule, due, now, MAX_OVERDUE_SLOTS).filter((slot) => slot.getTime() > due.getTime());
      const slots = [due, ...later];
      const records = slots.map((slot) =>
        Object.assign(new TriggerFiringEntity(), {
          id: randomUUID(),
          triggerId: trigger.id,
          scheduledFor: slot,
          firedAt: now,
          executionId: null,
          outcome: 'failed' as const,
          error: overdueReason(slot),
        }),
      );
      await this.firings.insertOverdue(manager, records);
      const next = nextSlots(schedule, now, 1)[0] ?? null;
      await this.firings.advanceSchedules(
        manager,
        [{ id: trigger.id, previous: due, next, fireAt: next ? fireInstant(next, trigger.id, trigger.jitter) : null, remaining: trigger.remainingExecutions }],
        now,
      );
      for (const slot of slots) this.logger.log(`cron trigger ${trigger.name}: ${overdueReason(slot)}`);
      // one report per trigger, however many of its slots were overdue
      const reason =
        slots.length === 1
          ? overdueReason(due)
          : `${slots.length} slots were overdue after a snapshot restore, each marked as FAILED: ${slots.map(overdueReason).slice(0, 20).join('; ')}${slots.length > 20 ? '; ...' : ''}`;
      failures.push({ trigger, scheduledFor: due, executionId: null, reason });
    }
    return failures;
  }

  /** After the restore committed: mailed to to_addr_error or the operator (each slot was logged at INFO). */
  async report(failures: FiringFailure[]): Promise<void> {
    for (const failure of failures) await this.notifier.notify(failure);
  }
}
