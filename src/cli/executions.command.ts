import type { Command } from 'commander';
import type { CliContext } from './cli-context';
import { positiveInteger, sinceTime } from './cli-inputs';
import { decodeJsonFields, formatDuration, parseMistralTime, renderJson, renderTable, shorten } from './cli-output';
import { taskProgress, type ExecutionResource, type TaskResource } from './execution-view';

const EXECUTION_JSON_FIELDS = ['input', 'output', 'params'];
const TASK_JSON_FIELDS = ['result', 'published', 'runtime_context'];

/** An execution as `--json` prints it: the API's resource with its JSON-text fields decoded. */
export function executionRecord(execution: ExecutionResource, withOutput: boolean): Record<string, unknown> {
  const record = decodeJsonFields(execution, EXECUTION_JSON_FIELDS);
  if (!withOutput) delete record.output;
  return record;
}

function duration(from: string | null, to: string | null): string {
  const start = parseMistralTime(from);
  const end = parseMistralTime(to);
  return start && end ? formatDuration(end.getTime() - start.getTime()) : '';
}

interface ExecutionsOptions {
  state?: string;
  since?: string;
  workflow?: string;
  limit: number;
  allProjects?: boolean;
}

/** `sirocco executions` and `sirocco tasks`. */
export function registerExecutionCommands(program: Command, context: CliContext): void {
  program
    .command('executions')
    .description('List executions, newest first')
    .option('-s, --state <state>', 'only these states (RUNNING, SUCCESS, ERROR, CANCELLED, PAUSED; several with commas)')
    .option('--since <when>', 'only those started since: 30m, 12h, 1d, 1w, or a date (2026-12-01, 2026-12-01T08:00:00Z)', (text) => sinceTime(text))
    .option('-w, --workflow <name>', 'only executions of this workflow')
    .option('-l, --limit <n>', 'at most this many', positiveInteger, 50)
    .option('--all-projects', 'every project (administrators, keystone mode)')
    .action(async (options: ExecutionsOptions, command: Command) => {
      const client = await context.client(command);
      const states = options.state?.toUpperCase().split(',').map((state) => state.trim()).filter(Boolean) ?? [];
      const { executions } = await client.get<{ executions: ExecutionResource[] }>('/v2/executions', {
        limit: options.limit,
        sort_keys: 'created_at,id',
        sort_dirs: 'desc,desc',
        state: states.length === 0 ? undefined : states.length === 1 ? states[0] : `in:${states.join(',')}`,
        created_at: options.since ? `gte:${options.since}` : undefined,
        workflow_name: options.workflow,
        all_projects: options.allProjects ? 'true' : undefined,
      });
      if (context.json(command)) {
        context.output.out(renderJson(executions.map((execution) => executionRecord(execution, false))));
        return;
      }
      context.output.out(
        renderTable(
          ['id', 'workflow', 'state', 'created (UTC)', 'took', 'state info'],
          executions.map((execution) => [
            execution.id,
            execution.workflow_name,
            execution.state,
            execution.created_at,
            ['SUCCESS', 'ERROR', 'CANCELLED'].includes(execution.state) ? duration(execution.created_at, execution.updated_at) : '',
            shorten(execution.state_info, 50),
          ]),
        ),
      );
    });

  program
    .command('tasks')
    .description("An execution's tasks: state, retries, with-items progress, timings, errors")
    .argument('<execution>', 'execution id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const client = await context.client(command);
      // the execution first: the list of a missing one's tasks would just be empty
      await client.get(`/v2/executions/${encodeURIComponent(id)}`);
      const { tasks } = await client.get<{ tasks: TaskResource[] }>(`/v2/executions/${encodeURIComponent(id)}/tasks`, {
        sort_keys: 'created_at',
        sort_dirs: 'asc',
      });
      if (context.json(command)) {
        context.output.out(renderJson(tasks.map((task) => decodeJsonFields(task, TASK_JSON_FIELDS))));
        return;
      }
      const now = new Date();
      context.output.out(
        renderTable(
          ['name', 'state', 'retries', 'items', 'started (UTC)', 'took', 'state info'],
          tasks.map((task) => {
            const progress = taskProgress(task, now);
            return [
              task.name,
              task.state,
              progress.retries,
              progress.items ? `${progress.items.done}/${progress.items.total}` : '',
              task.started_at,
              formatDuration(progress.elapsedMs),
              shorten(task.state_info, 60),
            ];
          }),
        ),
      );
    });
}
