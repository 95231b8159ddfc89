import { Command } from 'commander';
import { registerWorkflowCommands } from './workflows.command';

/** Where a command writes; the real process by default, a buffer in tests. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

export const PROCESS_OUTPUT: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** The `sirocco` command line: one file per command group (`sirocco workflows ...`). */
export function createProgram(output: CliOutput = PROCESS_OUTPUT): Command {
  const program = new Command('sirocco')
    .description('Sirocco, scheduled workflows for OpenStack clouds (Mistral v2 compatible)')
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .showHelpAfterError();
  registerWorkflowCommands(program, output);
  return program;
}
