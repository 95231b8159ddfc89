import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createCliContext } from './cli-context';
import { PROCESS_OUTPUT, type CliOutput } from './cli-output';
import { registerCompletionCommands } from './completion.command';
import { registerExecutionCommands } from './executions.command';
import { registerMaintenanceCommands } from './maintenance.command';
import { registerRunCommands } from './run.command';
import { registerSnapshotCommands } from './snapshots.command';
import { registerTriggerCommands } from './triggers.command';
import { registerWorkflowCommands } from './workflows.command';

export type { CliOutput } from './cli-output';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * The `sirocco` command line: one file per command group. Commander's own errors (usage) are
 * thrown rather than exiting, so that main.ts gives them exit code 2.
 */
export function createProgram(output: CliOutput = PROCESS_OUTPUT, env: Record<string, string | undefined> = process.env): Command {
  const program = new Command('sirocco')
    .description(
      'Sirocco, scheduled workflows for OpenStack clouds (Mistral v2 compatible).\n' +
        'Service: SIROCCO_URL (default http://127.0.0.1:8989); Keystone: OS_CLOUD (clouds.yaml) or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, ' +
        'OS_PROJECT_NAME, OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME, or OS_TOKEN.\n' +
        'Exit codes: 0 ok, 1 failed (execution, validation, refused request), 2 usage, 3 service unreachable or credentials refused.',
    )
    .version(packageVersion(), '-V, --version')
    .option('--url <url>', 'Sirocco API root (overrides SIROCCO_URL)')
    .option('--json', 'print JSON for scripts instead of tables')
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .exitOverride()
    .showHelpAfterError();
  const context = createCliContext(output, env);
  registerRunCommands(program, context);
  registerExecutionCommands(program, context);
  registerTriggerCommands(program, context);
  registerWorkflowCommands(program, context);
  registerSnapshotCommands(program, context);
  registerMaintenanceCommands(program, context);
  registerCompletionCommands(program, context);
  return program;
}
