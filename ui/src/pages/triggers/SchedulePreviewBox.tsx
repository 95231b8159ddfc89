import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import type { SchedulePreview } from '../../api/types';
import { ErrorBox } from '../../components/common';
import { patternInWords } from '../../lib/pattern-text';
import { RunTimes } from './NextRuns';

/** The pattern in words and its next runs as the API computes them, refreshed as the user types; the API's 400 shown as it says it. */
export function SchedulePreviewBox({ pattern, timezone, firstExecutionTime }: { pattern: string; timezone: string; firstExecutionTime?: string }) {
  const [preview, setPreview] = useState<SchedulePreview>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let current = true;
    const timer = window.setTimeout(() => {
      api
        .previewSchedule({ pattern: pattern.trim() || undefined, timezone, first_execution_time: firstExecutionTime, count: 5 })
        .then((answer) => current && (setPreview(answer), setError(undefined)))
        .catch((failure: unknown) => current && (setPreview(undefined), setError(failure)));
    }, 250);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [pattern, timezone, firstExecutionTime]);
  return (
    <section className="preview" aria-live="polite" aria-label="Schedule preview">
      <strong>{patternInWords(pattern.trim() || null, timezone)}</strong>
      <ErrorBox error={error} />
      {preview ? <RunTimes times={preview.next.map((slot) => slot.utc)} timezone={timezone} label="next runs (preview)" /> : null}
    </section>
  );
}
