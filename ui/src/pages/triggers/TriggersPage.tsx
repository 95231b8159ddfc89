import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import type { CronTrigger } from '../../api/types';
import { ErrorBox, Loading, PageTitle } from '../../components/common';
import { patternInWords } from '../../lib/pattern-text';
import { usePolling } from '../../lib/use-polling';
import { NextRuns } from './NextRuns';

/** Every cron trigger: workflow, pattern in words, next 3 runs (its zone and the viewer's), last firing, trust, enabled. */
export function TriggersPage() {
  const triggers = usePolling(() => api.triggers(), [], 5000);
  return (
    <>
      <PageTitle
        actions={
          <Link className="button" to="/triggers/new">
            New trigger
          </Link>
        }
      >
        Triggers
      </PageTitle>
      <ErrorBox error={triggers.error} />
      {triggers.data === undefined && !triggers.error ? (
        <Loading />
      ) : (
        <table aria-label="Cron triggers">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Workflow</th>
              <th scope="col">When</th>
              <th scope="col">Next runs</th>
              <th scope="col">Last firing</th>
              <th scope="col">Trust</th>
              <th scope="col">Enabled</th>
            </tr>
          </thead>
          <tbody>
            {(triggers.data ?? []).map((trigger) => (
              <TriggerRow key={trigger.id} trigger={trigger} />
            ))}
            {triggers.data?.length === 0 ? (
              <tr>
                <td colSpan={7}>No triggers yet.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      )}
    </>
  );
}

function TriggerRow({ trigger }: { trigger: CronTrigger }) {
  const last = usePolling(() => api.firings(trigger.name, 1).then((firings) => firings[0] ?? null), [trigger.id, trigger.next_execution_time], 0, false);
  return (
    <tr data-trigger={trigger.name}>
      <td>
        <Link to={`/triggers/${encodeURIComponent(trigger.name)}`}>{trigger.name}</Link>
      </td>
      <td>{trigger.workflow_name}</td>
      <td>{patternInWords(trigger.pattern, trigger.timezone)}</td>
      <td>
        <NextRuns trigger={trigger} />
      </td>
      <td>
        {last.data ? (
          <>
            {last.data.outcome} {last.data.fired_at ?? last.data.scheduled_for}
            {last.data.execution_id ? (
              <>
                {' '}
                <Link to={`/executions/${last.data.execution_id}`}>execution</Link>
              </>
            ) : null}
          </>
        ) : (
          'never'
        )}
      </td>
      <td>{trigger.trust_status ?? 'none'}</td>
      <td>{trigger.enabled ? 'yes' : 'paused'}</td>
    </tr>
  );
}
