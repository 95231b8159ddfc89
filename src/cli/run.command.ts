import type { Command } from 'commander';
import type { CliContext } from './cli-context';
import { collectKeyValue, positiveInteger, readObjectFile, workflowInput } from './cli-inputs';
import { renderJson } from './cli-output';
import { watchExecution } from './execution-watch';
import type { ExecutionResource } from './execution-view';
import { executionRecord } from './executions.command';

interface RunOptions {
  input?: Record<string, unknown>;
  inputFile?: string;
  params?: string;
  namespace?: string;
  description?: string;
  wait?: boolean;
  interval: number;
  timeout?: number;
}

/** `sirocco run` and `sirocco watch`: start an execution, follow one live. */
export function registerRunCommands(program: Command, context: CliContext): void {
  program
    .command('run')
    .description('Start a workflow; with --wait, follow it live and exit 0 on SUCCESS, 1 on ERROR or CANCELLED')
    .argument('<workflow>', 'workflow name or id')
    .option('-i, --input <key=value>', 'an input value (repeatable; JSON values such as 3, true, ["a"] are read as JSON)', collectKeyValue)
    .option('-f, --input-file <file>', 'the input as a JSON or YAML object (--input values win)')
    .option('--params <file>', 'the execution params (env, namespace...) as a JSON or YAML object')
    .option('--namespace <namespace>', "the workflow's namespace")
    .option('-d, --description <text>', 'a description of the execution')
    .option('-w, --wait', 'follow the execution to its end')
    .option('--interval <ms>', 'between two looks at a followed execution', positiveInteger, 500)
    .option('--timeout <seconds>', 'stop following after this long (exit 1; the execution goes on)', positiveInteger)
    .action(async (workflow: string, options: RunOptions, command: Command) => {
      const client = await context.client(command);
      const json = context.json(command);
      const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(workflow);
      const execution = await client.request<ExecutionResource>('POST', '/v2/executions', {
        json: {
          ...(isId ? { workflow_id: workflow } : { workflow_name: workflow }),
          ...(options.namespace ? { workflow_namespace: options.namespace } : {}),
          input: workflowInput(options.input, options.inputFile),
          ...(options.params ? { params: readObjectFile(options.params) } : {}),
          ...(options.description ? { description: options.description } : {}),
        },
      });
      if (!options.wait) {
        context.output.out(json ? renderJson(executionRecord(execution, true)) : `${execution.id}\n`);
        if (!json) context.output.err(`started ${execution.workflow_name} ${execution.id} (${execution.state}); follow it with: sirocco watch ${execution.id}\n`);
        return;
      }
      process.exitCode = await watchExecution(client, execution.id, context.output, {
        json,
        intervalMs: options.interval,
        timeoutMs: options.timeout !== undefined ? options.timeout * 1000 : undefined,
      });
    });

  program
    .command('watch')
    .description('Follow an execution live to its end (exit 0 on SUCCESS, 1 on ERROR or CANCELLED)')
    .argument('<execution>', 'execution id')
    .option('--interval <ms>', 'between two looks at the execution', positiveInteger, 500)
    .option('--timeout <seconds>', 'stop following after this long (exit 1; the execution goes on)', positiveInteger)
    .action(async (id: string, options: { interval: number; timeout?: number }, command: Command) => {
      process.exitCode = await watchExecution(await context.client(command), id, context.output, {
        json: context.json(command),
        intervalMs: options.interval,
        timeoutMs: options.timeout !== undefined ? options.timeout * 1000 : undefined,
      });
    });
}
