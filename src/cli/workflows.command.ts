import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { convertYaqlDefinition } from '../workflows/language';
import type { CliOutput } from './cli-output';

/** `sirocco workflows ...`: commands on workflow definitions. */
export function registerWorkflowCommands(program: Command, output: CliOutput): void {
  const workflows = program.command('workflows').description('Workflow definitions');
  workflows
    .command('convert')
    .description("Rewrite a Mistral definition's YAQL expressions in JSONata (offline: no server is needed)")
    .argument('<file>', "the definition's YAML file ('-' reads standard input)")
    .option('-o, --output <file>', 'write the converted YAML to this file instead of standard output')
    .option('--changes', 'list every converted expression (line:column: from -> to) on standard error')
    .action((file: string, options: { output?: string; changes?: boolean }) => {
      const text = readFileSync(file === '-' ? 0 : file, 'utf8');
      const conversion = convertYaqlDefinition(text);
      if (conversion.problems.length > 0) {
        for (const problem of conversion.problems) {
          output.err(`${file}:${problem.line}:${problem.column}: ${problem.path}: cannot convert ${problem.expression}: ${problem.message}\n`);
        }
        output.err(`${conversion.problems.length} expression(s) cannot be converted; nothing was written\n`);
        process.exitCode = 1;
        return;
      }
      if (options.changes) {
        for (const change of conversion.changes) {
          const notes = change.notes.length > 0 ? ` (${change.notes.join('; ')})` : '';
          output.err(`${file}:${change.line}:${change.column}: ${change.from} -> ${change.to}${notes}\n`);
        }
      }
      if (conversion.language === 'jsonata') output.err(`${file}: no YAQL expression found; the definition is unchanged\n`);
      else output.err(`${file}: ${conversion.changes.length} expression(s) converted from YAQL to JSONata\n`);
      if (options.output) writeFileSync(options.output, conversion.text);
      else output.out(conversion.text);
    });
}
