import { createHash } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';

/**
 * Schedule math of cron triggers: patterns read in an IANA time zone (cron-parser does the
 * DST-aware arithmetic), Mistral's first-time rules, jitter, and what to run after downtime.
 *
 * DST, as cron-parser computes it and the specs check: a local time skipped by the spring change
 * fires once, shifted by the gap (02:30 → 03:30); a local time repeated in autumn fires once, at
 * its first occurrence; an hourly pattern fires every real hour, never twice in one.
 */

export class ScheduleError extends Error {}

export interface TriggerSchedule {
  /** cron pattern (5 fields, or 6 with seconds first, or a macro); null for a one-shot trigger */
  pattern: string | null;
  timezone: string;
  /** Mistral: when set, the first slot; the pattern's slots follow it */
  firstExecutionTime: Date | null;
}

export type MisfirePolicy = 'run_once' | 'skip' | 'catch_up';

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
/** catch_up never runs more than this many missed slots at once */
const MAX_CATCH_UP_SLOTS = 1000;
/** a slot this young is on time, not missed (the skip policy still runs it) */
const ON_TIME_GRACE_MS = 60_000;

function invalidPattern(pattern: string): ScheduleError {
  return new ScheduleError(`The specified pattern is not valid: ${pattern}`);
}

/** Refuses what cron-parser refuses, and the shapes it would quietly accept (too few fields). */
export function validatePattern(pattern: string): void {
  const trimmed = pattern.trim();
  if (!MACROS.has(trimmed.toLowerCase())) {
    const fields = trimmed.split(/\s+/).filter(Boolean);
    if (fields.length !== 5 && fields.length !== 6) throw invalidPattern(pattern);
  }
  try {
    CronExpressionParser.parse(trimmed, { tz: 'UTC' });
  } catch {
    throw invalidPattern(pattern);
  }
}

/** cron-parser's own message for an unknown zone is unclear: check with Intl first. */
export function validateTimezone(timezone: string): void {
  let valid = timezone.trim() !== '' && timezone === timezone.trim();
  if (valid) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      valid = false;
    }
  }
  if (!valid) throw new ScheduleError(`Unknown time zone '${timezone}' (use an IANA name such as Europe/Zurich or UTC)`);
}

/** The next `count` slots strictly after `after`. */
export function nextSlots(schedule: TriggerSchedule, after: Date, count: number): Date[] {
  const slots: Date[] = [];
  let cursor = after;
  const first = schedule.firstExecutionTime;
  if (first && first.getTime() > after.getTime()) {
    slots.push(first);
    cursor = first;
  }
  if (!schedule.pattern) return slots.slice(0, count);
  let iterator;
  try {
    iterator = CronExpressionParser.parse(schedule.pattern.trim(), { currentDate: cursor, tz: schedule.timezone });
  } catch {
    return slots; // a pattern that can never match (e.g. 30 February)
  }
  while (slots.length < count) {
    let next: Date;
    try {
      next = iterator.next().toDate();
    } catch {
      break; // a pattern that never matches again (e.g. 30 February)
    }
    slots.push(next);
  }
  return slots;
}

/** A per-trigger offset in [0, jitterSeconds), the same every time for one trigger id. */
export function jitterOffsetSeconds(triggerId: string, jitterSeconds: number): number {
  if (jitterSeconds <= 0) return 0;
  const hash = createHash('sha256').update(triggerId).digest();
  return hash.readUInt32BE(0) % jitterSeconds;
}

/**
 * A trigger's slot `dueSlot` came due (maybe long ago, if no instance ran): which slots to run now,
 * and the next slot after `now`. run_once (Mistral's): the latest missed slot only; skip: none,
 * unless the due slot is simply on time; catch_up: every missed slot within the window.
 */
export function slotsToRun(
  schedule: TriggerSchedule,
  dueSlot: Date,
  now: Date,
  policy: MisfirePolicy,
  catchUpWindowSeconds: number,
): { run: Date[]; next: Date | null } {
  const missed: Date[] = [dueSlot];
  const windowStart = now.getTime() - catchUpWindowSeconds * 1000;
  let next: Date | null = null;
  let cursor = dueSlot;
  // walk the slots up to now; keep only what the policy can use, so a year of downtime stays cheap
  for (;;) {
    const [following] = nextSlots({ ...schedule, firstExecutionTime: null }, cursor, 1);
    if (!following || following.getTime() > now.getTime()) {
      next = following ?? null;
      break;
    }
    missed.push(following);
    if (policy !== 'catch_up' && missed.length > 2) missed.splice(0, missed.length - 1);
    if (policy === 'catch_up') {
      while (missed.length > 0 && missed[0].getTime() < windowStart) missed.shift();
      if (missed.length > MAX_CATCH_UP_SLOTS) missed.splice(0, missed.length - MAX_CATCH_UP_SLOTS);
    }
    cursor = following;
  }
  const latest = missed[missed.length - 1];
  switch (policy) {
    case 'run_once':
      return { run: [latest], next };
    case 'skip':
      return { run: now.getTime() - dueSlot.getTime() < ON_TIME_GRACE_MS && latest === dueSlot ? [dueSlot] : [], next };
    case 'catch_up':
      return { run: missed.filter((slot) => slot.getTime() >= windowStart || (slot === dueSlot && now.getTime() - slot.getTime() < ON_TIME_GRACE_MS)), next };
  }
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** Mistral's time text, `YYYY-MM-DD HH:MM:SS`, in UTC. */
export function formatUtc(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** The same text in a zone's wall-clock time. */
export function formatInZone(date: Date, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${pad(Number(parts.hour))}:${parts.minute}:${parts.second}`;
}

/** Mistral's first_execution_time: "YYYY-MM-DD HH:MM" in UTC, at least a minute ahead. */
export function parseFirstExecutionTime(text: string, now: Date): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(.*)$/s.exec(text);
  if (!match) throw new ScheduleError(`time data '${text}' does not match format '%Y-%m-%d %H:%M'`);
  if (match[6] !== '') throw new ScheduleError(`unconverted data remains: ${match[6]}`);
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59) {
    throw new ScheduleError(`time data '${text}' does not match format '%Y-%m-%d %H:%M'`);
  }
  if (date.getTime() < now.getTime() + 60_000) throw new ScheduleError('first_execution_time must be at least 1 minute in the future.');
  return date;
}
