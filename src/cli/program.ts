import { Command } from 'commander';
import { PROCESS_OUTPUT, type CliOutput } from './cli-output';
import { registerWorkflowCommands } from './workflows.command';

export type { CliOutput } from './cli-output';

/** The `sirocco` command line: one file per command group (`sirocco workflows ...`). */
export function createProgram(output: CliOutput = PROCESS_OUTPUT): Command {
  const program = new Command('sirocco')
    .description('Sirocco, scheduled workflows for OpenStack clouds (Mistral v2 compatible)')
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .showHelpAfterError();
  registerWorkflowCommands(program, output);
  return program;
}
