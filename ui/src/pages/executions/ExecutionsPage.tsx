import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, parseJsonField, type ExecutionFilters } from '../../api/client';
import { ErrorBox, Loading, PageTitle, StateBadge } from '../../components/common';
import { EXECUTION_STATES } from '../../lib/states';
import { durationBetween, localInputToApi, parseApiTime } from '../../lib/times';
import { usePolling } from '../../lib/use-polling';

/** Sirocco's description of an execution a cron trigger started (see triggers/cron-trigger.schedule.ts). */
function triggerDescription(trigger: { id: string; name: string }): string {
  return JSON.stringify({ description: 'Workflow execution created by cron trigger.', triggered_by: { type: 'cron_trigger', id: trigger.id, name: trigger.name } });
}

/** Which trigger started an execution, if one did. */
function triggerOf(description: string): string | null {
  const parsed = parseJsonField(description) as { triggered_by?: { name?: string } } | null;
  return parsed && typeof parsed === 'object' && parsed.triggered_by?.name ? parsed.triggered_by.name : null;
}

/** The executions, newest first, refreshed every second; the filters live in the address (shareable). */
export function ExecutionsPage() {
  const [params, setParams] = useSearchParams();
  const [server, setServer] = useState(params.get('server') ?? '');
  const filters = Object.fromEntries(params.entries());
  const workflows = usePolling(() => api.workflows(), [], 0, false);
  const triggers = usePolling(() => api.triggers(), [], 0, false);
  const trigger = triggers.data?.find((candidate) => candidate.name === filters.trigger);

  const query: ExecutionFilters = {
    workflow_name: filters.workflow || undefined,
    state: filters.state || undefined,
    since: localInputToApi(filters.since ?? ''),
    input_value: filters.server || undefined,
  };
  const until = parseApiTime(localInputToApi(filters.until ?? '') ?? null);
  // each answer says which trigger it was filtered by, so an answer from before the triggers were known is never shown as filtered
  const executions = usePolling(
    () => api.executions({ ...query, ...(trigger ? { trigger: triggerDescription(trigger) } : {}) }).then((list) => ({ triggerId: trigger?.id, list })),
    [params.toString(), trigger?.id],
    1000,
  );
  const shown = useMemo(
    () =>
      (executions.data?.list ?? []).filter((execution) => {
        if (filters.trigger && (!trigger || executions.data?.triggerId !== trigger.id)) return false;
        const created = parseApiTime(execution.created_at);
        return !until || !created || created <= until;
      }),
    [executions.data, filters.trigger, trigger, until],
  );

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  return (
    <>
      <PageTitle>Executions</PageTitle>
      <form className="filters" role="search" aria-label="Filter executions" onSubmit={(event) => (event.preventDefault(), setFilter('server', server.trim()))}>
        <label>
          Workflow
          <select aria-label="Workflow" value={filters.workflow ?? ''} onChange={(event) => setFilter('workflow', event.target.value)}>
            <option value="">all</option>
            {(workflows.data ?? []).map((workflow) => (
              <option key={workflow.id}>{workflow.name}</option>
            ))}
          </select>
        </label>
        <label>
          State
          <select aria-label="State" value={filters.state ?? ''} onChange={(event) => setFilter('state', event.target.value)}>
            <option value="">all</option>
            {EXECUTION_STATES.map((state) => (
              <option key={state}>{state}</option>
            ))}
          </select>
        </label>
        <label>
          Trigger
          <select aria-label="Trigger" value={filters.trigger ?? ''} onChange={(event) => setFilter('trigger', event.target.value)}>
            <option value="">any</option>
            {(triggers.data ?? []).map((candidate) => (
              <option key={candidate.id}>{candidate.name}</option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" value={filters.since ?? ''} onChange={(event) => setFilter('since', event.target.value)} />
        </label>
        <label>
          To
          <input type="datetime-local" value={filters.until ?? ''} onChange={(event) => setFilter('until', event.target.value)} />
        </label>
        <label>
          Server in input
          <input type="search" value={server} placeholder="name or id" onChange={(event) => setServer(event.target.value)} />
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={executions.error} />
      {executions.data === undefined && !executions.error ? (
        <Loading />
      ) : (
        <table aria-label="Executions">
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col">State</th>
              <th scope="col">Started (UTC)</th>
              <th scope="col">Duration</th>
              <th scope="col">Trigger</th>
              <th scope="col">Id</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((execution) => (
              <tr key={execution.id} data-execution={execution.id}>
                <td>
                  <Link to={`/executions/${execution.id}`}>{execution.workflow_name}</Link>
                </td>
                <td>
                  <StateBadge state={execution.state} />
                </td>
                <td>{execution.created_at}</td>
                <td>{durationBetween(execution.created_at, ['RUNNING', 'PAUSED'].includes(execution.state) ? null : execution.updated_at)}</td>
                <td>{triggerOf(execution.description) ?? ''}</td>
                <td className="mono">{execution.id}</td>
              </tr>
            ))}
            {shown.length === 0 ? (
              <tr>
                <td colSpan={6}>No executions match.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      )}
    </>
  );
}
