import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, parseJsonField } from '../../api/client';
import type { Task } from '../../api/types';
import { ErrorBox, JsonView, StateBadge } from '../../components/common';
import { durationBetween } from '../../lib/times';
import { usePolling } from '../../lib/use-polling';
import { itemsProgress, retriesOf } from './task-facts';

interface Props {
  name: string;
  task: Task | undefined;
  withItems: boolean;
  live: boolean;
  onChanged: () => void;
}

/** One task: state, timings, retries, published values, result or error, its action executions; re-run when it failed. */
export function TaskPanel({ name, task, withItems, live, onChanged }: Props) {
  const [actionError, setActionError] = useState<unknown>();
  const actions = usePolling(() => (task ? api.actionExecutions(task.id) : Promise.resolve([])), [task?.id, task?.updated_at, task?.state], 2000, live);
  if (!task) {
    return (
      <section className="task-panel" aria-labelledby="task-title">
        <h2 id="task-title">Task {name}</h2>
        <p>Not run (yet).</p>
      </section>
    );
  }
  const progress = itemsProgress(task, withItems);
  const rerun = async (reset: boolean) => {
    setActionError(undefined);
    try {
      await api.rerunTask(task.id, reset);
      onChanged();
    } catch (error) {
      setActionError(error);
    }
  };
  return (
    <section className="task-panel" aria-labelledby="task-title">
      <h2 id="task-title">Task {name}</h2>
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <StateBadge state={task.state} />
        </dd>
        <dt>Started (UTC)</dt>
        <dd>{task.started_at ?? task.created_at ?? ''}</dd>
        <dt>Finished (UTC)</dt>
        <dd>{task.finished_at ?? ''}</dd>
        <dt>Duration</dt>
        <dd>{durationBetween(task.started_at ?? task.created_at, task.finished_at)}</dd>
        <dt>Retries</dt>
        <dd>{retriesOf(task)}</dd>
        {progress ? (
          <>
            <dt>Items</dt>
            <dd>
              {progress.done}/{progress.count}
            </dd>
          </>
        ) : null}
      </dl>
      {task.state === 'ERROR' ? (
        <>
          <h3>Error</h3>
          <pre className="task-error" role="status">
            {task.state_info ?? ''}
          </pre>
          <div className="actions">
            <button type="button" onClick={() => void rerun(true)}>
              Re-run task
            </button>
            {withItems ? (
              <button type="button" onClick={() => void rerun(false)}>
                Re-run failed items
              </button>
            ) : null}
          </div>
        </>
      ) : task.state_info ? (
        <p>{task.state_info}</p>
      ) : null}
      <ErrorBox error={actionError} />
      <h3>Published</h3>
      <JsonView value={parseJsonField(task.published)} label={`published values of ${name}`} />
      <h3>Result</h3>
      <JsonView value={parseJsonField(task.result)} label={`result of ${name}`} />
      <h3>Action executions</h3>
      <ErrorBox error={actions.error} />
      <table aria-label={`Action executions of ${name}`}>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">State</th>
            <th scope="col">Created (UTC)</th>
            <th scope="col">Info</th>
          </tr>
        </thead>
        <tbody>
          {(actions.data ?? []).map((action) => (
            <tr key={action.id}>
              <td>{action.name}</td>
              <td>
                <StateBadge state={action.state} />
              </td>
              <td>{action.created_at}</td>
              <td>{action.state_info ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {task.type === 'WORKFLOW' ? <SubExecutions taskId={task.id} /> : null}
    </section>
  );
}

function SubExecutions({ taskId }: { taskId: string }) {
  const executions = usePolling(() => api.executions({ task_execution_id: taskId }, 100), [taskId], 2000);
  return (
    <p>
      Sub-workflow:{' '}
      {(executions.data ?? []).map((execution) => (
        <Link key={execution.id} to={`/executions/${execution.id}`}>
          {execution.workflow_name}
        </Link>
      ))}
    </p>
  );
}
