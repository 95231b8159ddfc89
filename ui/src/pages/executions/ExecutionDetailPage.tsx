import { useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { api, parseJsonField } from '../../api/client';
import type { Task } from '../../api/types';
import { ErrorBox, JsonView, Loading, PageTitle, StateBadge } from '../../components/common';
import { FINISHED_STATES } from '../../lib/states';
import { buildTaskGraph, type TaskGraph } from '../../lib/task-graph';
import { durationBetween } from '../../lib/times';
import { usePolling } from '../../lib/use-polling';
import { TaskGraphView } from './TaskGraphView';
import { TaskPanel } from './TaskPanel';

const FOLLOW_AFTER_COMMAND_MS = 5000;

/** The latest run of each task, by name (a re-run or a loop back makes several). */
function latestByName(tasks: Task[]): Map<string, Task> {
  const byName = new Map<string, Task>();
  for (const task of tasks) {
    const known = byName.get(task.name);
    if (!known || (task.created_at ?? '') >= (known.created_at ?? '')) byName.set(task.name, task);
  }
  return byName;
}

/** One execution: its task graph (live while it runs), the chosen task's details, and pause / resume / cancel. */
export function ExecutionDetailPage() {
  const { id = '' } = useParams();
  const [selected, setSelected] = useState<string | null>(null);
  const [commandError, setCommandError] = useState<unknown>();
  const execution = usePolling(() => api.execution(id), [id], 1000);
  // After a command (re-run, resume) the page follows for a while even if the execution already looks finished:
  // a fast re-run can go ERROR -> RUNNING -> ERROR between two polls, within the same second of updated_at.
  const [followUntil, setFollowUntil] = useState(0);
  const live = !execution.data || !FINISHED_STATES.has(execution.data.state) || Date.now() < followUntil;
  const follow = () => setFollowUntil(Date.now() + FOLLOW_AFTER_COMMAND_MS);
  const tasks = usePolling(() => api.tasks(id), [id, execution.data?.updated_at, execution.data?.state], 1000, live);
  const workflowId = execution.data?.workflow_id ?? execution.data?.workflow_name;
  const workflow = usePolling(() => (workflowId ? api.workflow(workflowId) : Promise.resolve(undefined)), [workflowId], 0, false);

  const graph = useMemo((): { graph?: TaskGraph; error?: string } => {
    if (!workflow.data || !execution.data) return {};
    try {
      return { graph: buildTaskGraph(workflow.data.definition, execution.data.workflow_name) };
    } catch (error) {
      return { error: `The task graph cannot be drawn: ${error instanceof Error ? error.message : String(error)}` };
    }
  }, [workflow.data, execution.data?.workflow_name]);
  const byName = useMemo(() => latestByName(tasks.data ?? []), [tasks.data]);

  if (!execution.data) return execution.error ? <ErrorBox error={execution.error} /> : <Loading />;
  const current = execution.data;
  const command = async (state: 'PAUSED' | 'RUNNING' | 'CANCELLED') => {
    setCommandError(undefined);
    try {
      await api.setExecutionState(current.id, state);
      follow();
      execution.reload();
      tasks.reload();
    } catch (error) {
      setCommandError(error);
    }
  };
  const failed = [...byName.values()].filter((task) => task.state === 'ERROR');
  const shownTask = selected ?? failed[0]?.name ?? null;

  return (
    <>
      <PageTitle
        actions={
          <>
            {current.state === 'RUNNING' ? (
              <button type="button" onClick={() => void command('PAUSED')}>
                Pause
              </button>
            ) : null}
            {current.state === 'PAUSED' ? (
              <button type="button" onClick={() => void command('RUNNING')}>
                Resume
              </button>
            ) : null}
            {current.state === 'RUNNING' || current.state === 'PAUSED' ? (
              <button type="button" className="danger" onClick={() => void command('CANCELLED')}>
                Cancel
              </button>
            ) : null}
          </>
        }
      >
        Execution of {current.workflow_name}
      </PageTitle>
      <ErrorBox error={commandError} />
      <dl className="facts">
        <dt>State</dt>
        <dd aria-live="polite" id="execution-state">
          <StateBadge state={current.state} />
        </dd>
        <dt>Id</dt>
        <dd className="mono">{current.id}</dd>
        <dt>Created (UTC)</dt>
        <dd>{current.created_at}</dd>
        <dt>Duration</dt>
        <dd>{durationBetween(current.created_at, FINISHED_STATES.has(current.state) ? current.updated_at : null)}</dd>
        {current.state_info ? (
          <>
            <dt>Info</dt>
            <dd className="state-info">{current.state_info}</dd>
          </>
        ) : null}
      </dl>
      <div className="execution-layout">
        <section aria-labelledby="graph-title">
          <h2 id="graph-title">Tasks</h2>
          <ErrorBox error={workflow.error ?? graph.error} />
          {graph.graph ? <TaskGraphView graph={graph.graph} tasks={byName} selected={shownTask} onSelect={setSelected} /> : <Loading />}
        </section>
        {shownTask ? (
          <TaskPanel
            name={shownTask}
            task={byName.get(shownTask)}
            withItems={graph.graph?.nodes.find((node) => node.id === shownTask)?.withItems ?? false}
            live={live}
            onChanged={() => {
              follow();
              execution.reload();
              tasks.reload();
            }}
          />
        ) : (
          <p>Choose a task in the graph to see its details.</p>
        )}
      </div>
      <details>
        <summary>Input and output</summary>
        <h3>Input</h3>
        <JsonView value={parseJsonField(current.input)} label="execution input" />
        <h3>Output</h3>
        <JsonView value={parseJsonField(current.output)} label="execution output" />
      </details>
    </>
  );
}
