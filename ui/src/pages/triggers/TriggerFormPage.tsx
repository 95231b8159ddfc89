import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { api, parseJsonField } from '../../api/client';
import type { CronTrigger } from '../../api/types';
import { ErrorBox, PageTitle } from '../../components/common';
import { InputsForm } from '../../components/InputsForm';
import { viewerZone, localInputToApi } from '../../lib/times';
import { usePolling } from '../../lib/use-polling';
import { formInput, parseInputList } from '../../lib/workflow-inputs';
import { SchedulePreviewBox } from './SchedulePreviewBox';

const ZONES: string[] = (() => {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];
  } catch {
    return ['UTC'];
  }
})();

interface Fields {
  name: string;
  workflow: string;
  pattern: string;
  timezone: string;
  first: string;
  count: string;
  enabled: boolean;
  misfire: string;
  catchUp: string;
  overlap: string;
  jitter: string;
}

function fieldsOf(trigger: CronTrigger | undefined): Fields {
  return {
    name: trigger?.name ?? '',
    workflow: trigger?.workflow_name ?? '',
    pattern: trigger?.pattern ?? '0 5 * * *',
    timezone: trigger?.timezone ?? viewerZone(),
    first: '',
    count: trigger?.remaining_executions === null || trigger?.remaining_executions === undefined ? '' : String(trigger.remaining_executions),
    enabled: trigger?.enabled ?? true,
    misfire: trigger?.misfire_policy ?? 'run_once',
    catchUp: trigger?.catch_up_window === null || trigger?.catch_up_window === undefined ? '' : String(trigger.catch_up_window),
    overlap: trigger?.overlap_policy ?? 'allow',
    jitter: String(trigger?.jitter ?? 0),
  };
}

/** Create a trigger, or edit one (/triggers/:name/edit): schedule with a live preview, the workflow's inputs as a form, policies. */
export function TriggerFormPage() {
  const { name: editing } = useParams();
  const navigate = useNavigate();
  const workflows = usePolling(() => api.workflows(), [], 0, false);
  const existing = usePolling(() => (editing ? api.trigger(editing) : Promise.resolve(undefined)), [editing], 0, false);
  const [fields, setFields] = useState<Fields>(fieldsOf(undefined));
  const [inputs, setInputs] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (!existing.data) return;
    setFields(fieldsOf(existing.data));
    const input = parseJsonField(existing.data.workflow_input) as Record<string, unknown> | null;
    setInputs(Object.fromEntries(Object.entries(input ?? {}).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])));
  }, [existing.data]);

  const workflow = workflows.data?.find((candidate) => candidate.name === fields.workflow);
  const inputFields = useMemo(() => parseInputList(workflow?.input), [workflow?.input]);
  const set = (change: Partial<Fields>) => setFields((current) => ({ ...current, ...change }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const body: Record<string, unknown> = {
      pattern: fields.pattern.trim() || undefined,
      timezone: fields.timezone,
      workflow_input: formInput(inputFields, inputs),
      enabled: fields.enabled,
      misfire_policy: fields.misfire,
      overlap_policy: fields.overlap,
      jitter: Number(fields.jitter || 0),
      ...(fields.catchUp ? { catch_up_window: Number(fields.catchUp) } : {}),
      ...(fields.count ? { remaining_executions: Number(fields.count) } : {}),
    };
    try {
      if (editing) {
        await api.updateTrigger(editing, body);
        navigate(`/triggers/${encodeURIComponent(editing)}`);
      } else {
        const first = localInputToApi(fields.first);
        const created = await api.createTrigger({ ...body, name: fields.name.trim(), workflow_name: fields.workflow, ...(first ? { first_execution_time: first.slice(0, 16) } : {}) });
        navigate(`/triggers/${encodeURIComponent(created.name)}`);
      }
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <>
      <PageTitle>{editing ? `Edit trigger ${editing}` : 'New trigger'}</PageTitle>
      <ErrorBox error={workflows.error ?? existing.error} />
      <form className="form" aria-label={editing ? 'Edit trigger' : 'New trigger'} onSubmit={(event) => void submit(event)}>
        <div className="row">
          <label>
            Name
            <input value={fields.name} onChange={(event) => set({ name: event.target.value })} required disabled={Boolean(editing)} />
          </label>
          <label>
            Workflow
            <select aria-label="Workflow" value={fields.workflow} onChange={(event) => set({ workflow: event.target.value })} required disabled={Boolean(editing)}>
              <option value="">choose…</option>
              {(workflows.data ?? []).map((candidate) => (
                <option key={candidate.id}>{candidate.name}</option>
              ))}
            </select>
          </label>
        </div>
        <div className="row">
          <label>
            Pattern
            <input value={fields.pattern} onChange={(event) => set({ pattern: event.target.value })} aria-describedby="pattern-hint" />
            <span className="hint" id="pattern-hint">
              cron: minute hour day month weekday (e.g. 0 5 * * *)
            </span>
          </label>
          <label>
            Time zone
            <select aria-label="Time zone" value={fields.timezone} onChange={(event) => set({ timezone: event.target.value })}>
              {(ZONES.includes(fields.timezone) ? ZONES : [fields.timezone, ...ZONES]).map((zone) => (
                <option key={zone}>{zone}</option>
              ))}
            </select>
          </label>
          {editing ? null : (
            <label>
              First run (optional)
              <input type="datetime-local" value={fields.first} onChange={(event) => set({ first: event.target.value })} />
            </label>
          )}
        </div>
        <SchedulePreviewBox pattern={fields.pattern} timezone={fields.timezone} firstExecutionTime={editing ? undefined : localInputToApi(fields.first)?.slice(0, 16)} />
        {workflow ? <InputsForm fields={inputFields} values={inputs} onChange={setInputs} /> : null}
        <fieldset>
          <legend>Policies</legend>
          <div className="row">
            <label>
              Missed runs
              <select aria-label="Missed runs" value={fields.misfire} onChange={(event) => set({ misfire: event.target.value })}>
                <option value="run_once">run once</option>
                <option value="skip">skip</option>
                <option value="catch_up">catch up</option>
              </select>
            </label>
            <label>
              Catch-up window (s)
              <input type="number" min={0} value={fields.catchUp} onChange={(event) => set({ catchUp: event.target.value })} />
            </label>
            <label>
              While the previous run goes on
              <select aria-label="While the previous run goes on" value={fields.overlap} onChange={(event) => set({ overlap: event.target.value })}>
                <option value="allow">start anyway</option>
                <option value="skip">skip</option>
              </select>
            </label>
            <label>
              Jitter (s)
              <input type="number" min={0} value={fields.jitter} onChange={(event) => set({ jitter: event.target.value })} />
            </label>
            <label>
              Runs left (empty: no limit)
              <input type="number" min={1} value={fields.count} onChange={(event) => set({ count: event.target.value })} />
            </label>
          </div>
          <label className="inline">
            <input type="checkbox" checked={fields.enabled} onChange={(event) => set({ enabled: event.target.checked })} /> Enabled
          </label>
        </fieldset>
        <ErrorBox error={error} />
        <div>
          <button type="submit" className="primary">
            {editing ? 'Save' : 'Create trigger'}
          </button>
        </div>
      </form>
    </>
  );
}
