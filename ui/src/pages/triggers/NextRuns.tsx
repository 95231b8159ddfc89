import { api } from '../../api/client';
import type { CronTrigger } from '../../api/types';
import { formatInZone, parseApiTime, viewerZone } from '../../lib/times';
import { usePolling } from '../../lib/use-polling';

/** The next `count` runs of a saved trigger, in its zone and in the viewer's. */
export function NextRuns({ trigger, count = 3 }: { trigger: CronTrigger; count?: number }) {
  const next = usePolling(() => api.nextRuns(trigger.name, count), [trigger.id, trigger.pattern, trigger.timezone, trigger.next_execution_time], 0, false);
  if (!trigger.enabled) return <span>paused</span>;
  return <RunTimes times={(next.data ?? []).map((slot) => slot.utc)} timezone={trigger.timezone} label={`next runs of ${trigger.name}`} />;
}

/** Times (API UTC text) shown in `timezone` and, when different, in the viewer's zone. */
export function RunTimes({ times, timezone, label }: { times: Array<string | null>; timezone: string; label: string }) {
  const mine = viewerZone();
  return (
    <ul className="runs" aria-label={label}>
      {times.map((text, index) => {
        const date = parseApiTime(text);
        if (!date) return null;
        return (
          <li key={index}>
            {formatInZone(date, timezone)}
            {mine !== timezone ? <span className="hint"> ({formatInZone(date, mine)} here)</span> : null}
          </li>
        );
      })}
    </ul>
  );
}
