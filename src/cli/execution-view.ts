import { Format } from 'cli-progress';
import { formatDuration, parseMistralTime, shorten } from './cli-output';

/** GET /v2/executions/{id}, the fields the CLI reads. */
export interface ExecutionResource extends Record<string, unknown> {
  id: string;
  workflow_name: string;
  state: string;
  state_info: string | null;
  output?: string;
  created_at: string | null;
  updated_at: string | null;
}

/** GET /v2/executions/{id}/tasks, the fields the CLI reads. */
export interface TaskResource extends Record<string, unknown> {
  id: string;
  name: string;
  state: string;
  state_info: string | null;
  runtime_context: string;
  created_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

export const FINAL_STATES = ['SUCCESS', 'ERROR', 'CANCELLED'];

/** What a person watches of one task: its state, retries, with-items progress, time spent. */
export interface TaskProgress {
  name: string;
  state: string;
  retries: number;
  items?: { done: number; total: number };
  elapsedMs: number;
  stateInfo: string | null;
}

interface RuntimeContext {
  retry_no?: number;
  with_items?: { count: number; next: number; running: number; pending?: number[] };
}

function runtimeContext(task: TaskResource): RuntimeContext {
  try {
    return (JSON.parse(task.runtime_context || '{}') as RuntimeContext) ?? {};
  } catch {
    return {};
  }
}

export function taskProgress(task: TaskResource, now: Date): TaskProgress {
  const context = runtimeContext(task);
  const items = context.with_items;
  const started = parseMistralTime(task.started_at) ?? parseMistralTime(task.created_at);
  const finished = parseMistralTime(task.finished_at);
  const end = FINAL_STATES.includes(task.state) && finished ? finished : now;
  let itemProgress: TaskProgress['items'];
  if (items && items.count > 0) {
    const done = task.state === 'SUCCESS' ? items.count : items.next - items.running - (items.pending?.length ?? 0);
    itemProgress = { done: Math.min(items.count, Math.max(0, done)), total: items.count };
  }
  return {
    name: task.name,
    state: task.state,
    retries: context.retry_no ?? 0,
    items: itemProgress,
    elapsedMs: started ? end.getTime() - started.getTime() : 0,
    stateInfo: task.state_info,
  };
}

const BAR_SIZE = 20;
const BAR_OPTIONS = { barsize: BAR_SIZE, barCompleteString: '█'.repeat(BAR_SIZE), barIncompleteString: '░'.repeat(BAR_SIZE), barGlue: '' };

const MARKS: Record<string, string> = { SUCCESS: '✔', ERROR: '✖', CANCELLED: '✖', RUNNING: '▶', WAITING: '…', IDLE: '…', RUNNING_DELAYED: '⏲', PAUSED: '⏸' };

function itemsText(items: TaskProgress['items'], withBar: boolean): string {
  if (!items) return '';
  const counts = `${items.done}/${items.total} items`;
  return withBar ? `${Format.BarFormat(items.done / items.total, BAR_OPTIONS)} ${counts}` : counts;
}

/** One task on one line: `✔ fetch SUCCESS [████░░] 4/10 items retry 2 3.2s`. */
export function taskLine(progress: TaskProgress, withBar: boolean): string {
  const parts = [`${MARKS[progress.state] ?? '·'} ${progress.name}`, progress.state];
  if (progress.items) parts.push(itemsText(progress.items, withBar));
  if (progress.retries > 0) parts.push(`retry ${progress.retries}`);
  parts.push(formatDuration(progress.elapsedMs));
  if (progress.state === 'ERROR' && progress.stateInfo) parts.push(`: ${shorten(progress.stateInfo, 100)}`);
  return parts.join(' ');
}

/** The whole live view: the execution's line, then one line per task (bars for with-items). */
export function renderFrame(execution: ExecutionResource, tasks: TaskResource[], now: Date): string {
  const started = parseMistralTime(execution.created_at);
  const elapsed = started ? formatDuration(now.getTime() - started.getTime()) : '';
  const lines = [`${execution.workflow_name} ${execution.id} ${execution.state} ${elapsed}`];
  for (const task of tasks) lines.push(`  ${taskLine(taskProgress(task, now), true)}`);
  return lines.join('\n');
}

/**
 * Plain output for a log: a line each time a task's state, item count or retry count changes.
 * `seen` keeps what was printed per task between two polls.
 */
export function changedTaskLines(tasks: TaskResource[], seen: Map<string, string>, now: Date): string[] {
  const lines: string[] = [];
  for (const task of tasks) {
    const progress = taskProgress(task, now);
    const key = `${progress.state}|${progress.items?.done ?? ''}|${progress.retries}`;
    if (seen.get(task.id) === key) continue;
    seen.set(task.id, key);
    lines.push(`${now.toISOString().slice(11, 19)} ${taskLine(progress, false)}`);
  }
  return lines;
}
