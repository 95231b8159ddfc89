import { CronExpression, CronExpressionParser, type CronFieldCollection } from 'cron-parser';
import { ScheduleError } from './schedule-error';
import { CRON_MACROS } from './cron-macros';

/** A validated cron pattern, ready to enumerate. */
export interface CompiledPattern {
  /** the pattern as given */
  source: string;
  /** what cron-parser reads: 5 fields, or 6 with seconds moved first (macros expanded) */
  expression: string;
  /**
   * the hour field takes every hour (`*`, `0-23`, `*\/1`, @hourly, `* * * * * *\/10`...): the pattern
   * is a rhythm rather than a time of day, which decides what a DST change does to it (see slots.ts)
   */
  everyHour: boolean;
  /** cron-parser's parsed fields: an iterator is built from them without parsing the text again */
  fields: CronFieldCollection;
}

/** cron-parser's `H` (hash) picks a random value at each parse unless seeded: never a stable schedule. */
const HASH_ITEM = /(^|,)H/i;

const cache = new Map<string, CompiledPattern>();
const CACHE_LIMIT = 1000;

function invalid(pattern: string): ScheduleError {
  return new ScheduleError(`The specified pattern is not valid: ${pattern}`);
}

/**
 * Checks a pattern the way Mistral does and prepares it. Throws ScheduleError
 * `The specified pattern is not valid: <pattern>` for:
 * - anything cron-parser refuses (`61 * * * *`, `0 25 * * *`, `*\/0 * * * *`, `every minute please`);
 * - what cron-parser would quietly read another way: the empty pattern and 1-4 fields (it pads them
 *   to "every minute"), unknown macros and cron-parser-only ones (@minutely, @secondly, @weekdays,
 *   @weekends), and `H` (a random value);
 * - a pattern that can never fire (`0 0 30 2 *`: cron-parser refuses it as it parses).
 * Accepted: 5 fields (minute hour day-of-month month day-of-week), 6 fields with seconds last as
 * croniter reads them (`0 5 * * * 30` is 05:00:30, `* * * * * *\/10` every 10 s), names (JAN, MON), `?`, `L`, `#`, and the macros @yearly @annually @monthly
 * @weekly @daily @midnight @hourly (any case). Day of month and day of week both restricted match
 * either (as in Vixie cron and croniter).
 */
export function compilePattern(pattern: string): CompiledPattern {
  const cached = cache.get(pattern);
  if (cached) return cached;
  if (typeof pattern !== 'string') throw invalid(String(pattern));
  const trimmed = pattern.trim();
  let expression: string;
  if (trimmed.startsWith('@')) {
    const macro = CRON_MACROS[trimmed.toLowerCase()];
    if (!macro) throw invalid(pattern);
    expression = macro;
  } else {
    const fields = trimmed.split(/\s+/);
    if (trimmed === '' || (fields.length !== 5 && fields.length !== 6)) throw invalid(pattern);
    if (fields.some((field) => HASH_ITEM.test(field))) throw invalid(pattern);
    // croniter's sixth field is the seconds; cron-parser wants them first
    expression = (fields.length === 6 ? [fields[5], ...fields.slice(0, 5)] : fields).join(' ');
  }
  let fields: CronFieldCollection;
  try {
    const parsed = CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: new Date(Date.UTC(2000, 0, 1)) });
    parsed.next(); // throws if nothing ever matches
    fields = parsed.fields;
  } catch {
    throw invalid(pattern);
  }
  const compiled: CompiledPattern = { source: pattern, expression, everyHour: fields.hour.values.length === 24, fields };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

/** Throws ScheduleError `The specified pattern is not valid: <pattern>` unless Mistral would take it (see compilePattern). */
export function validatePattern(pattern: string): void {
  compilePattern(pattern);
}

/**
 * The wall times matching the pattern, strictly after `fromWall`, ascending (wall times as in
 * zone.ts: the clock reading written as if it were UTC). cron-parser runs in UTC here, where no
 * clock ever jumps: the zone's changes are applied by the caller, not by cron-parser.
 */
export function* matchingWallTimes(compiled: CompiledPattern, fromWall: number): Generator<number> {
  const iterator = new CronExpression(compiled.fields, { tz: 'UTC', currentDate: new Date(fromWall) });
  for (;;) {
    let wall: number;
    try {
      wall = iterator.next().getTime();
    } catch {
      return; // "loop limit exceeded": no further match (compilePattern refuses patterns with none at all)
    }
    yield wall;
  }
}
