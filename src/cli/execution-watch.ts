import ora from 'ora';
import { EXIT, type ExitCode } from './cli-errors';
import { formatDuration, parseMistralTime, renderJson, type CliOutput } from './cli-output';
import { changedTaskLines, FINAL_STATES, renderFrame, type ExecutionResource, type TaskResource } from './execution-view';
import type { SiroccoClient } from './sirocco-client';

export interface WatchOptions {
  json: boolean;
  /** between two looks at the execution */
  intervalMs: number;
  /** give up watching after this long (the execution goes on); undefined: no limit */
  timeoutMs?: number;
}

/** How an execution ended, as `--json` prints it. */
export interface ExecutionOutcome {
  id: string;
  workflow_name: string;
  state: string;
  state_info: string | null;
  output: unknown;
  failed_tasks: { id: string; name: string; state_info: string | null }[];
}

async function look(client: SiroccoClient, id: string): Promise<{ execution: ExecutionResource; tasks: TaskResource[] }> {
  const [execution, list] = await Promise.all([
    client.get<ExecutionResource>(`/v2/executions/${encodeURIComponent(id)}`),
    client.get<{ tasks: TaskResource[] }>(`/v2/executions/${encodeURIComponent(id)}/tasks`, { sort_keys: 'created_at', sort_dirs: 'asc' }),
  ]);
  return { execution, tasks: list.tasks };
}

function outcomeOf(execution: ExecutionResource, tasks: TaskResource[]): ExecutionOutcome {
  let output: unknown = execution.output ?? null;
  if (typeof output === 'string') {
    try {
      output = JSON.parse(output);
    } catch {
      // kept as text
    }
  }
  return {
    id: execution.id,
    workflow_name: execution.workflow_name,
    state: execution.state,
    state_info: execution.state_info,
    output,
    failed_tasks: tasks.filter((task) => task.state === 'ERROR').map((task) => ({ id: task.id, name: task.name, state_info: task.state_info })),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows an execution to its end: a live view redrawn on a terminal (standard error), plain
 * lines otherwise; then its output (SUCCESS, exit 0) or its failed tasks and errors (exit 1).
 */
export async function watchExecution(client: SiroccoClient, id: string, output: CliOutput, options: WatchOptions): Promise<ExitCode> {
  // ora also stays quiet in CI and on a dumb terminal: plain lines then
  const candidate = !options.json && output.interactive ? ora({ text: `execution ${id}`, stream: process.stderr }) : undefined;
  // isEnabled is there at run time, not in ora 5's types
  const spinner = candidate && (candidate as unknown as { isEnabled: boolean }).isEnabled ? candidate.start() : undefined;
  const live = spinner !== undefined;
  const stopWatching = () => {
    spinner?.stop();
    output.err(`\nstopped watching; the execution goes on (sirocco watch ${id})\n`);
    process.exit(130);
  };
  process.once('SIGINT', stopWatching);
  const seen = new Map<string, string>();
  const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
  try {
    let first = true;
    for (;;) {
      const { execution, tasks } = await look(client, id);
      const now = new Date();
      if (first && !live && !options.json) output.err(`${execution.workflow_name} ${execution.id} ${execution.state}\n`);
      first = false;
      if (spinner) spinner.text = renderFrame(execution, tasks, now);
      else if (!options.json) for (const line of changedTaskLines(tasks, seen, now)) output.err(`${line}\n`);
      if (FINAL_STATES.includes(execution.state)) {
        spinner?.stop();
        if (spinner) output.err(`${renderFrame(execution, tasks, now)}\n`);
        return report(outcomeOf(execution, tasks), execution, output, options.json);
      }
      if (Date.now() >= deadline) {
        spinner?.stop();
        output.err(`execution ${id} is still ${execution.state} after ${formatDuration(options.timeoutMs ?? 0)}; it goes on (sirocco watch ${id})\n`);
        if (options.json) output.out(renderJson(outcomeOf(execution, tasks)));
        return EXIT.failed;
      }
      await sleep(options.intervalMs);
    }
  } catch (error) {
    spinner?.stop();
    throw error;
  } finally {
    process.removeListener('SIGINT', stopWatching);
  }
}

function report(outcome: ExecutionOutcome, execution: ExecutionResource, output: CliOutput, json: boolean): ExitCode {
  const succeeded = outcome.state === 'SUCCESS';
  if (json) {
    output.out(renderJson(outcome));
    return succeeded ? EXIT.ok : EXIT.failed;
  }
  const started = parseMistralTime(execution.created_at);
  const ended = parseMistralTime(execution.updated_at);
  const took = started && ended ? ` in ${formatDuration(ended.getTime() - started.getTime())}` : '';
  output.err(`${outcome.workflow_name} ${outcome.id} ${outcome.state}${took}\n`);
  if (succeeded) {
    output.out(renderJson(outcome.output));
    return EXIT.ok;
  }
  for (const task of outcome.failed_tasks) output.err(`failed task ${task.name} (${task.id}): ${task.state_info ?? 'no error recorded'}\n`);
  if (outcome.failed_tasks.length === 0 && outcome.state_info) output.err(`${outcome.state_info}\n`);
  return EXIT.failed;
}
