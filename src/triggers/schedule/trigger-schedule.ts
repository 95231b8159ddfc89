import { createHash } from 'node:crypto';
import { compilePattern } from './pattern';
import { ScheduleError } from './schedule-error';
import { patternSlots } from './slots';
import { MINUTE, validateTimezone } from './zone';

/**
 * Schedule math of cron triggers, pure (no clock, no database): which instants a trigger's pattern
 * gives in its time zone (DST handled as slots.ts explains), Mistral's first_execution_time, the
 * per-trigger jitter, and what to run when a slot is found due late.
 *
 * All instants are `Date`s (UTC); "slot" is an instant the schedule names, the fire instant is the
 * slot plus the trigger's jitter offset.
 */

export { ScheduleError } from './schedule-error';
export { validatePattern } from './pattern';
export { validateTimezone, formatInZone, formatUtc } from './zone';
export { parseFirstExecutionTime } from './first-execution-time';

export interface TriggerSchedule {
  /** cron pattern (5 fields, 6 with seconds last as in croniter, or a macro); null (or '') for a one-shot trigger */
  pattern: string | null;
  /** IANA zone the pattern is read in */
  timezone: string;
  /** Mistral: when set, the first slot; the pattern's slots follow it */
  firstExecutionTime: Date | null;
}

export type MisfirePolicy = 'run_once' | 'skip' | 'catch_up';

/** A slot less than this old is on time, not missed: every policy runs it. */
export const ON_TIME_GRACE_SECONDS = 60;
/** catch_up runs at most this many slots at once (the latest ones). */
export const MAX_CATCH_UP_SLOTS = 1000;

/**
 * The schedule's slots strictly after `after`, ascending, unique; unbounded (a generator).
 * With firstExecutionTime: it first (if after `after`), then the pattern's slots after it.
 * Throws ScheduleError if the pattern or the zone is not valid.
 */
export function* slotsAfter(schedule: TriggerSchedule, after: Date): Generator<Date> {
  const pattern = schedule.pattern ? compilePattern(schedule.pattern) : null;
  if (pattern) validateTimezone(schedule.timezone);
  let cursor = after.getTime();
  if (Number.isNaN(cursor)) throw new RangeError('slotsAfter: invalid date');
  const first = schedule.firstExecutionTime?.getTime();
  if (first !== undefined && first > cursor) {
    yield new Date(first);
    cursor = first;
  }
  if (!pattern) return;
  for (const slot of patternSlots(pattern, schedule.timezone, cursor)) yield new Date(slot);
}

/**
 * The next `count` slots strictly after `after` (see slotsAfter): fewer if the schedule ends
 * (a one-shot trigger has one slot, none once it is past).
 */
export function nextSlots(schedule: TriggerSchedule, after: Date, count: number): Date[] {
  const slots: Date[] = [];
  if (count <= 0) return slots;
  for (const slot of slotsAfter(schedule, after)) {
    slots.push(slot);
    if (slots.length >= count) break;
  }
  return slots;
}

/**
 * The latest `keep` slots in (from, to], ascending. Enumerating from `from` could take millions of
 * steps (a seconds pattern down for a month), so it looks back from `to` over growing windows
 * (1 min, then at least twice as long, or as long as the slots found so far say it takes to find
 * `keep`) until it has `keep` slots or reaches `from`.
 */
export function latestSlots(schedule: TriggerSchedule, from: Date, to: Date, keep: number): Date[] {
  const low = from.getTime();
  const high = to.getTime();
  if (keep <= 0 || high <= low) return [];
  for (let span = MINUTE; ; ) {
    const start = Math.max(low, high - span);
    const found: Date[] = [];
    let seen = 0;
    for (const slot of slotsAfter(schedule, new Date(start))) {
      if (slot.getTime() > high) break;
      seen += 1;
      found.push(slot);
      if (found.length > keep) found.shift();
    }
    if (found.length >= keep || start === low) return found;
    span = Math.max(span * 2, seen > 0 ? Math.ceil((span * keep * 1.25) / seen) : 0);
  }
}

/**
 * A trigger's slot `dueSlot` (its stored next_execution_time) is found due at `now`, possibly long
 * ago (no instance ran). The slots missed are dueSlot and the schedule's slots in (dueSlot, now].
 * - run_once (Mistral's behaviour): one execution for all of them, at the latest one.
 * - skip: none of them, unless dueSlot is less than 60 s old: then it is simply on time, and runs
 *   (once: the latest slot, which is dueSlot unless the pattern fires more than once a minute).
 * - catch_up: every one of them less than max(catchUpWindowSeconds, 60 s) old, oldest first, at
 *   most the latest 1000.
 * `next`: the first slot after now, whatever the policy (null when the schedule has ended).
 * `offsetSeconds` (optional: this trigger's jitterOffsetSeconds) moves `now` back by it, so a slot is
 * reached, and on time, by its fire instant (slot + offset) rather than by the slot itself.
 * A dueSlot still in the future runs nothing and stays next.
 */
export function slotsToRun(
  schedule: TriggerSchedule,
  dueSlot: Date,
  now: Date,
  policy: MisfirePolicy,
  catchUpWindowSeconds: number,
  offsetSeconds = 0,
): { run: Date[]; next: Date | null } {
  const reference = new Date(now.getTime() - offsetSeconds * 1000);
  if (dueSlot.getTime() > reference.getTime()) return { run: [], next: dueSlot };
  const next = nextSlots(schedule, reference, 1)[0] ?? null;
  const age = (slot: Date) => reference.getTime() - slot.getTime();
  const latest = () => latestSlots(schedule, dueSlot, reference, 1)[0] ?? dueSlot;
  switch (policy) {
    case 'run_once':
      return { run: [latest()], next };
    case 'skip':
      return { run: age(dueSlot) < ON_TIME_GRACE_SECONDS * 1000 ? [latest()] : [], next };
    case 'catch_up': {
      const windowMs = Math.max(catchUpWindowSeconds, ON_TIME_GRACE_SECONDS) * 1000;
      const windowStart = reference.getTime() - windowMs;
      // slots after dueSlot (or after the window's start), then dueSlot itself if in the window and room
      const run = latestSlots(schedule, new Date(Math.max(dueSlot.getTime(), windowStart - 1)), reference, MAX_CATCH_UP_SLOTS);
      if (dueSlot.getTime() >= windowStart && run.length < MAX_CATCH_UP_SLOTS) run.unshift(dueSlot);
      return { run, next };
    }
    default:
      throw new ScheduleError(`Unknown misfire policy '${String(policy)}'`);
  }
}

/**
 * This trigger's offset in [0, jitterSeconds), whole seconds: the first 4 bytes of sha256(id)
 * modulo the window, so it is the same on every instance and run, and ids spread evenly (500
 * triggers at 05:00 with a 300 s jitter fire about 1.7 per second, not all at once).
 * 0 when the jitter is 0 (or below 1 s, or not a number).
 */
export function jitterOffsetSeconds(triggerId: string, jitterSeconds: number): number {
  const window = Math.floor(jitterSeconds);
  if (!(window >= 1)) return 0;
  const hash = createHash('sha256').update(triggerId).digest();
  return hash.readUInt32BE(0) % window;
}

/** The fire instant of a slot: the slot plus the trigger's jitter offset. */
export function fireInstant(slot: Date, triggerId: string, jitterSeconds: number): Date {
  return new Date(slot.getTime() + jitterOffsetSeconds(triggerId, jitterSeconds) * 1000);
}
