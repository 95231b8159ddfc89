import { matchingWallTimes, type CompiledPattern } from './pattern';
import { instantsOfWall, latestWallUpTo, lowestWallAfter } from './zone';

/**
 * The instants at which a pattern read in a zone fires, computed in wall-clock time and mapped to
 * instants here rather than by cron-parser's `tz` option.
 *
 * Why: around DST changes cron-parser 5.10.5 (with `tz`) gets these wrong, as compared with a
 * minute-by-minute reading of the clock (see the specs):
 * - a time skipped in spring is moved by the size of the gap, not to when the day resumes:
 *   `30 2 * * *` in Zurich on 2026-03-29 fires at 03:30 CEST (01:30 UTC), not 03:00; `* 2 * * *`
 *   fires 60 times, 03:00 to 03:59; and a skipped time that lands on a real one is lost
 *   (`15 1,2,3 * * *`: the skipped 02:15 does not fire at all);
 * - the repeated hour in autumn is read inconsistently: midnight in Havana (2026-11-01, 01:00 back
 *   to 00:00) fires at its second occurrence, 02:30 in Zurich at its first;
 * - half-hour changes (Australia/Lord_Howe) break it: `0 * * * *` throws "Invalid expression, loop
 *   limit exceeded" after the April change, and `30 * * * *` loses the real 02:30 in October.
 * So cron-parser only lists the matching wall times (in UTC, where clocks never jump) and this
 * module decides, for each matching wall time W:
 *
 * - W exists once: it fires at that instant.
 * - W is skipped by a spring-forward change (02:30 on 2026-03-29 in Zurich):
 *     a time-of-day pattern (hour field restricted: `30 2 * * *`, `* 2 * * *`, `0 *\/2 * * *`)
 *     fires at the first instant after the gap (03:00 CEST), once however many of its times fell in
 *     the gap, and once if it also matches 03:00 itself;
 *     an every-hour pattern (`0 * * * *`, `*\/15 * * * *`, `*\/10 * * * * *`) does not fire for it:
 *     that hour did not exist, and its next times come at their normal pace.
 * - W is repeated by a fall-back change (02:30 on 2026-10-25 in Zurich, first CEST then CET):
 *     a time-of-day pattern fires once, at the first occurrence (02:30 CEST = 00:30 UTC);
 *     an every-hour pattern fires at both: it follows real time, one slot per real hour.
 * This is Vixie cron's rule for "fixed-time" and "wildcard" jobs, with "wildcard" read off the
 * hour field. An every-hour pattern thus has no duplicate and no missing instant across either
 * change, except for the hour that does not exist; a daily pattern fires exactly once every day.
 */

interface Pending {
  instant: number;
  /** no wall time above this can map to an instant before `instant`: it can be emitted then */
  safeAfterWall: number;
}

function insert(pending: Pending[], instant: number, timezone: string): void {
  let index = pending.length;
  while (index > 0 && pending[index - 1].instant > instant) index -= 1;
  if (index > 0 && pending[index - 1].instant === instant) return; // two wall times, one instant
  pending.splice(index, 0, { instant, safeAfterWall: latestWallUpTo(instant, timezone) });
}

/** The slots of `compiled` read in `timezone`, strictly after `after` (epoch ms), ascending, unique. */
export function* patternSlots(compiled: CompiledPattern, timezone: string, after: number): Generator<number> {
  // Wall times repeat after a fall-back change, so start as low as the clocks will still read.
  const startWall = lowestWallAfter(after, timezone) - 1000;
  // Wall times come in order, instants nearly so: on a fall-back day the second 02:00 (01:00 UTC in
  // Zurich) is found together with the first (00:00 UTC), yet the first 02:15, 02:30, 02:45 come
  // before it. So an instant waits until no later wall time can map before it.
  const pending: Pending[] = [];
  let last = after;
  for (const wall of matchingWallTimes(compiled, startWall)) {
    const mapped = instantsOfWall(wall, timezone);
    let instants: number[];
    if (mapped.kind === 'skipped') instants = compiled.everyHour ? [] : [mapped.gapEnd];
    else instants = compiled.everyHour ? mapped.instants : mapped.instants.slice(0, 1);
    for (const instant of instants) if (instant > last) insert(pending, instant, timezone);
    while (pending.length > 0 && pending[0].safeAfterWall <= wall) {
      last = pending.shift()!.instant;
      yield last;
    }
  }
  for (const { instant } of pending) yield instant;
}
