import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, parseJsonField } from '../../api/client';
import { ErrorBox, JsonView, Loading, PageTitle } from '../../components/common';
import { patternInWords } from '../../lib/pattern-text';
import { usePolling } from '../../lib/use-polling';
import { NextRuns } from './NextRuns';

/** One trigger: its schedule and next runs, pause / resume, fire now, edit, delete (confirmed), and its firings with links to their executions. */
export function TriggerDetailPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const trigger = usePolling(() => api.trigger(name), [name], 5000);
  const firings = usePolling(() => api.firings(name, 50), [name], 2000);
  const [error, setError] = useState<unknown>();
  const [confirming, setConfirming] = useState(false);

  if (!trigger.data) return trigger.error ? <ErrorBox error={trigger.error} /> : <Loading />;
  const current = trigger.data;
  const act = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      trigger.reload();
      firings.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <>
      <PageTitle
        actions={
          <>
            <button type="button" onClick={() => void act(() => api.updateTrigger(name, { enabled: !current.enabled }))}>
              {current.enabled ? 'Pause' : 'Resume'}
            </button>
            <button type="button" onClick={() => void act(() => api.fireTrigger(name))}>
              Fire now
            </button>
            <Link className="button" to={`/triggers/${encodeURIComponent(name)}/edit`}>
              Edit
            </Link>
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              Delete
            </button>
          </>
        }
      >
        Trigger {current.name}
      </PageTitle>
      {confirming ? (
        <div role="alertdialog" aria-labelledby="confirm-delete" className="error-box">
          <p id="confirm-delete">Delete the trigger {current.name}? Its schedule stops; running executions go on.</p>
          <button
            type="button"
            className="danger"
            autoFocus
            onClick={() => void act(() => api.deleteTrigger(name).then(() => navigate('/triggers')))}
          >
            Yes, delete {current.name}
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      ) : null}
      <ErrorBox error={error} />
      <dl className="facts">
        <dt>Workflow</dt>
        <dd>{current.workflow_name}</dd>
        <dt>When</dt>
        <dd>{patternInWords(current.pattern, current.timezone)}</dd>
        <dt>Pattern</dt>
        <dd className="mono">{current.pattern ?? '(one run)'}</dd>
        <dt>Enabled</dt>
        <dd>{current.enabled ? 'yes' : 'paused'}</dd>
        <dt>Next runs</dt>
        <dd>
          <NextRuns trigger={current} />
        </dd>
        <dt>Runs left</dt>
        <dd>{current.remaining_executions ?? 'no limit'}</dd>
        <dt>Policies</dt>
        <dd>
          missed runs: {current.misfire_policy}; overlap: {current.overlap_policy}; jitter: {current.jitter} s
        </dd>
        <dt>Trust</dt>
        <dd>
          {current.trust_status ?? 'none (noauth)'}
          {current.trust_error ? ` — ${current.trust_error}` : ''}
        </dd>
      </dl>
      <h2>Input</h2>
      <JsonView value={parseJsonField(current.workflow_input)} label="workflow input" />
      <h2>Firings</h2>
      <ErrorBox error={firings.error} />
      <table aria-label="Firings">
        <thead>
          <tr>
            <th scope="col">Scheduled for (UTC)</th>
            <th scope="col">Fired at (UTC)</th>
            <th scope="col">Outcome</th>
            <th scope="col">Execution</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {(firings.data ?? []).map((firing) => (
            <tr key={firing.id}>
              <td>{firing.scheduled_for ?? ''}</td>
              <td>{firing.fired_at ?? ''}</td>
              <td>{firing.outcome}</td>
              <td>{firing.execution_id ? <Link to={`/executions/${firing.execution_id}`}>{firing.execution_id}</Link> : ''}</td>
              <td>{firing.error ?? ''}</td>
            </tr>
          ))}
          {firings.data?.length === 0 ? (
            <tr>
              <td colSpan={5}>Not fired yet.</td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </>
  );
}
