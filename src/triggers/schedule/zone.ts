import { ScheduleError } from './schedule-error';

/**
 * Time zone arithmetic on plain numbers, with Intl (the ICU tz database in Node) as the only source.
 *
 * Two kinds of millisecond numbers appear here:
 * - an instant: milliseconds since the epoch, what a `Date` holds;
 * - a wall time: what a clock on the wall of the zone shows, written as if that reading were UTC
 *   (so 02:30 local on 2026-03-29 is `Date.UTC(2026, 2, 29, 2, 30)` whatever the zone).
 * offset(instant) = wall(instant) - instant. Offsets and wall times are handled to the second.
 */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** No real zone changes its offset by more than this in one step (the largest in use are 2 h). */
const MAX_FALL_BACK = 3 * HOUR;

const ZERO_OFFSET_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, format);
  }
  return format;
}

/** Date.UTC, without its mapping of years 0-99 to 1900-1999. */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year);
  return date.getTime();
}

/** en-US numeric: "3/29/2026, 03:00:00" (month, day, year, hour, minute, second). */
const EN_US_NUMERIC = /^(\d+)\/(\d+)\/(\d+),?\s+(\d+):(\d+):(\d+)$/;

/** Wall time shown in `timezone` at `instant` (to the second). */
export function wallAt(instant: number, timezone: string): number {
  const seconds = Math.floor(instant / SECOND) * SECOND;
  if (ZERO_OFFSET_ZONES.has(timezone)) return seconds;
  const format = formatter(timezone);
  // format() and a regular expression cost a third of formatToParts(); the parts stay the fallback
  const match = EN_US_NUMERIC.exec(format.format(seconds));
  if (match) {
    const [month, day, year, hour, minute, second] = match.slice(1).map(Number);
    return utcMs(year, month, day, hour, minute, second);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(seconds)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return utcMs(parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second);
}

/** UTC offset of `timezone` at `instant`, in ms (Europe/Zurich in summer: +7 200 000). */
export function offsetAt(instant: number, timezone: string): number {
  return wallAt(instant, timezone) - Math.floor(instant / SECOND) * SECOND;
}

/**
 * The first instant (to the second) in (from, to] whose offset differs from the offset at `from`.
 * Requires that the offsets at `from` and `to` differ; assumes one change in between.
 */
export function transitionBetween(from: number, to: number, timezone: string): number {
  const before = offsetAt(from, timezone);
  let low = Math.floor(from / SECOND) * SECOND;
  let high = Math.ceil(to / SECOND) * SECOND;
  while (high - low > SECOND) {
    const middle = low + Math.floor((high - low) / 2 / SECOND) * SECOND;
    if (offsetAt(middle, timezone) === before) low = middle;
    else high = middle;
  }
  return high;
}

/** How a wall time exists in a zone. */
export type WallTimeInstants =
  /** the usual case, one instant; or a time repeated by a fall-back change, two instants (earlier first) */
  | { kind: 'exists'; instants: number[] }
  /** skipped by a spring-forward change; `gapEnd` is the first real instant after the gap */
  | { kind: 'skipped'; gapEnd: number };

/**
 * The instants at which the clocks of `timezone` show `wall`. Looks at the offsets a day either side,
 * so it assumes (as every real zone but Pacific/Apia in 1892 and 2011 allows) one change at most there.
 */
export function instantsOfWall(wall: number, timezone: string): WallTimeInstants {
  if (ZERO_OFFSET_ZONES.has(timezone)) return { kind: 'exists', instants: [wall] };
  const offsetBefore = offsetAt(wall - DAY, timezone);
  const offsetAfter = offsetAt(wall + DAY, timezone);
  const candidates = offsetBefore === offsetAfter ? [wall - offsetBefore] : [wall - offsetBefore, wall - offsetAfter].sort((a, b) => a - b);
  const instants = candidates.filter((instant) => offsetAt(instant, timezone) === wall - instant);
  if (instants.length > 0) return { kind: 'exists', instants };
  if (offsetAfter > offsetBefore) {
    // spring forward: wall - offsetAfter is still before the change, wall - offsetBefore already after it
    return { kind: 'skipped', gapEnd: transitionBetween(wall - offsetAfter, wall - offsetBefore, timezone) };
  }
  // two changes within a day: not in any zone's rules since 2011; keep going with the earlier offset
  return { kind: 'exists', instants: [wall - offsetBefore] };
}

/**
 * The latest wall time the clocks showed at or before `instant` (an upper bound, exact to the second).
 * Usually the wall time at `instant`, but just after a fall-back change the clocks read less than
 * they did before it (02:10 CET at 01:10 UTC, after 02:59 CEST at 00:59 UTC).
 */
export function latestWallUpTo(instant: number, timezone: string): number {
  const wall = wallAt(instant, timezone);
  if (ZERO_OFFSET_ZONES.has(timezone)) return wall;
  const offset = wall - Math.floor(instant / SECOND) * SECOND;
  const earlierOffset = offsetAt(instant - MAX_FALL_BACK, timezone);
  if (earlierOffset <= offset) return wall;
  const change = transitionBetween(instant - MAX_FALL_BACK, instant, timezone);
  return Math.max(wall, change + earlierOffset);
}

/**
 * The lowest wall time that can still be shown after `instant`: the wall time at `instant`, less
 * the size of a fall-back change coming within the next day (when one comes, times repeat).
 */
export function lowestWallAfter(instant: number, timezone: string): number {
  const wall = wallAt(instant, timezone);
  if (ZERO_OFFSET_ZONES.has(timezone)) return wall;
  const offset = wall - Math.floor(instant / SECOND) * SECOND;
  const drop = offset - offsetAt(instant + DAY + HOUR, timezone);
  return drop > 0 ? wall - drop : wall;
}

const TIMEZONE_SHAPE = /^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)+$/;
const BARE_NAMES = new Set(['UTC', 'GMT']);

/**
 * Accepts IANA Area/Location names that Intl knows (Europe/Zurich, America/Argentina/Buenos_Aires,
 * Etc/GMT+5, and links such as US/Eastern), plus UTC and GMT. Refuses, with one message:
 * - names Intl does not know (Europe/Atlantis) and offsets (+01:00);
 * - a wrong letter case (europe/zurich, utc): Intl would take it, but the name is then not the
 *   one stored and shown;
 * - bare abbreviations and country links (EST, CET, PST8PDT, Japan): IANA keeps them for old
 *   systems, and they mislead (EST there is a fixed -05:00 with no summer time at all).
 * cron-parser's own error for a bad zone is "CronDate: unhandled timestamp: Invalid Date".
 */
export function validateTimezone(timezone: string): void {
  if (acceptedTimezones.has(timezone)) return;
  if (!isAcceptedTimezone(timezone)) {
    throw new ScheduleError(`Unknown time zone '${timezone}' (use an IANA name such as Europe/Zurich or UTC)`);
  }
  if (acceptedTimezones.size < 1000) acceptedTimezones.add(timezone);
}

const acceptedTimezones = new Set<string>();

function isAcceptedTimezone(timezone: string): boolean {
  if (typeof timezone !== 'string' || (!BARE_NAMES.has(timezone) && !TIMEZONE_SHAPE.test(timezone))) return false;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return false; // RangeError: Invalid time zone specified
  }
  // Intl ignores case: the same name spelled differently is not the IANA name
  return resolved === timezone || resolved.toLowerCase() !== timezone.toLowerCase();
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function formatWall(wall: number): string {
  const date = new Date(wall);
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

/** Mistral's time text, 'YYYY-MM-DD HH:MM:SS', in UTC (seconds truncated). */
export function formatUtc(date: Date): string {
  return formatWall(Math.floor(date.getTime() / SECOND) * SECOND);
}

/** The same text in the wall-clock time of `timezone` ('2026-03-29 03:00:00' for 01:00 UTC in Zurich). */
export function formatInZone(date: Date, timezone: string): string {
  return formatWall(wallAt(date.getTime(), timezone));
}
