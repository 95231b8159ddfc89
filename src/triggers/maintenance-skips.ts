import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { scheduleOf } from './cron-trigger.schedule';
import { jitterOffsetSeconds, latestSlots } from './schedule/trigger-schedule';
import { TriggerFiringEntity } from './trigger-firing.entity';
import { TriggerFiringRepository } from './trigger-firing.repository';

/** The reason recorded on each slot that came due while maintenance mode was on. */
export const MAINTENANCE_SKIP_REASON =
  "maintenance mode was on: nothing fired; the trigger's misfire_policy decides what runs once maintenance ends";

/** Slots recorded per trigger and pass at most (a per-second trigger during a long maintenance). */
const MAX_SLOTS_PER_TRIGGER = 100;
const PAGE = 500;

/**
 * While maintenance mode is on, due triggers do not fire and their schedules stay where they
 * are (the misfire policy handles them when it ends); each slot that comes due is recorded once
 * as a skipped firing with the reason, so the history shows what maintenance held back.
 */
@Injectable()
export class MaintenanceSkipRecorder {
  /** per trigger, the latest slot already recorded by this instance (saves rewriting them each tick) */
  private readonly recordedUpTo = new Map<string, number>();

  constructor(private readonly repository: TriggerFiringRepository) {}

  /** One pass over every due trigger; returns how many slots were newly recorded. */
  async recordDueSlots(now: Date = new Date()): Promise<number> {
    let after: { fireAt: Date; id: string } | null = null;
    let recorded = 0;
    for (;;) {
      const page = await this.repository.dueTriggersPage(PAGE, after);
      const skips: TriggerFiringEntity[] = [];
      for (const trigger of page) {
        const due = trigger.nextExecutionTime;
        if (!due) continue;
        const reference = new Date(now.getTime() - jitterOffsetSeconds(trigger.id, trigger.jitter) * 1000);
        const slots = [due, ...latestSlots(scheduleOf(trigger), due, reference, MAX_SLOTS_PER_TRIGGER)];
        const known = this.recordedUpTo.get(trigger.id) ?? -Infinity;
        for (const slot of slots) {
          if (slot.getTime() <= known || slot.getTime() > reference.getTime()) continue;
          skips.push(
            Object.assign(new TriggerFiringEntity(), {
              id: randomUUID(),
              triggerId: trigger.id,
              scheduledFor: slot,
              firedAt: now,
              executionId: null,
              outcome: 'skipped' as const,
              error: MAINTENANCE_SKIP_REASON,
            }),
          );
        }
        this.recordedUpTo.set(trigger.id, Math.max(known, ...slots.filter((slot) => slot <= reference).map((slot) => slot.getTime())));
      }
      await this.repository.insertSkips(skips);
      recorded += skips.length;
      if (page.length < PAGE) return recorded;
      const last = page[page.length - 1];
      after = { fireAt: last.nextFireAt!, id: last.id };
    }
  }

  /** Maintenance ended: what was recorded is in the database; forget the bookkeeping. */
  forget(): void {
    this.recordedUpTo.clear();
  }
}
