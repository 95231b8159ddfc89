import { ApiError } from '../common/api-error';
import { formatMistralTime } from '../common/mistral-time';
import { formatInZone, nextSlots, parseFirstExecutionTime, ScheduleError, validatePattern, validateTimezone } from './schedule/trigger-schedule';

/** The next slots of a pattern and zone that no trigger has yet (the UI's live preview of a form). */
export interface SchedulePreview {
  pattern: string | null;
  timezone: string;
  next: Array<{ utc: string | null; local: string }>;
}

function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw ApiError.badRequest(`${name} must be a string`);
  return value;
}

/** Validates `pattern`, `timezone` (default UTC), `first_execution_time` and `count` (1 to 100, default 5) as a trigger's creation would. */
export function previewSchedule(body: unknown, now: Date = new Date()): SchedulePreview {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ApiError.badRequest('the body must be a JSON object');
  const fields = body as Record<string, unknown>;
  const pattern = field(fields, 'pattern') ?? null;
  const timezone = field(fields, 'timezone') ?? 'UTC';
  const first = field(fields, 'first_execution_time');
  const count = fields.count === undefined ? 5 : Number(fields.count);
  if (!Number.isInteger(count) || count < 1 || count > 100) throw ApiError.badRequest(`count must be from 1 to 100 (got ${String(fields.count)})`);
  if (!pattern && !first) throw ApiError.badRequest('Pattern or first_execution_time must be specified.');
  try {
    if (pattern) validatePattern(pattern);
    validateTimezone(timezone);
    const firstExecutionTime = first ? parseFirstExecutionTime(first, now) : null;
    const slots = nextSlots({ pattern, timezone, firstExecutionTime }, now, count);
    return { pattern, timezone, next: slots.map((slot) => ({ utc: formatMistralTime(slot), local: formatInZone(slot, timezone) })) };
  } catch (error) {
    if (error instanceof ScheduleError) throw ApiError.badRequest(error.message);
    throw error;
  }
}
