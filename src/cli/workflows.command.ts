import { Option, type Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import type { CliContext } from './cli-context';
import { decodeJsonFields, renderJson, renderTable } from './cli-output';
import { definitionFiles, pushFile, validateDefinition, type PushReport } from './workflow-files';

/** `sirocco workflows ...`: commands on workflow definitions. */
export function registerWorkflowCommands(program: Command, context: CliContext): void {
  const { output } = context;
  const workflows = program.command('workflows').description('Workflow definitions');
  workflows
    .command('convert')
    .description("Rewrite a Mistral definition's YAQL expressions in JSONata (offline: no server is needed)")
    .argument('<file>', "the definition's YAML file ('-' reads standard input)")
    .option('-o, --output <file>', 'write the converted YAML to this file instead of standard output')
    .option('--changes', 'list every converted expression (line:column: from -> to) on standard error')
    .action(async (file: string, options: { output?: string; changes?: boolean }) => {
      // loaded here only: the workflow language (ajv, jsonata) would slow every other command's start
      const { convertYaqlDefinition } = await import('../workflows/language');
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

  workflows
    .command('list')
    .description('The workflows this project sees: name, namespace, scope, input, last change')
    .option('--all-projects', 'every project (administrators, keystone mode)')
    .action(async (options: { allProjects?: boolean }, command: Command) => {
      const client = await context.client(command);
      const { workflows: found } = await client.get<{ workflows: Record<string, string>[] }>('/v2/workflows', {
        all_projects: options.allProjects ? 'true' : undefined,
      });
      if (context.json(command)) return output.out(renderJson(found.map((workflow) => decodeJsonFields(workflow, ['interface']))));
      output.out(
        renderTable(
          ['name', 'namespace', 'scope', 'input', 'updated (UTC)'],
          found.map((workflow) => [workflow.name, workflow.namespace, workflow.scope, workflow.input, workflow.updated_at ?? workflow.created_at]),
        ),
      );
    });

  workflows
    .command('get')
    .description("A workflow's definition (YAML as stored)")
    .argument('<workflow>', 'name or id')
    .option('--namespace <namespace>', 'its namespace', '')
    .action(async (name: string, options: { namespace: string }, command: Command) => {
      const client = await context.client(command);
      const found = await client.get<Record<string, string>>(`/v2/workflows/${encodeURIComponent(name)}`, { namespace: options.namespace });
      output.out(context.json(command) ? renderJson(decodeJsonFields(found, ['interface'])) : found.definition);
    });

  workflows
    .command('validate')
    .description("Check definitions with Sirocco's parser (POST /v2/workflows/validate); errors as file:line:column; exit 1 if any is invalid")
    .argument('<files...>', "YAML files ('-' reads standard input)")
    .action(async (files: string[], _options: unknown, command: Command) => {
      const client = await context.client(command);
      const results = [];
      for (const file of files) {
        const problems = await validateDefinition(client, readFileSync(file === '-' ? 0 : file, 'utf8'));
        results.push({ file, valid: problems.length === 0, errors: problems });
      }
      if (context.json(command)) output.out(renderJson(results));
      else {
        for (const result of results) {
          if (result.valid) output.err(`${result.file}: valid\n`);
          for (const problem of result.errors) {
            output.out(problem.line ? `${result.file}:${problem.line}:${problem.column}: ${problem.message}\n` : `${result.file}: ${problem.message}\n`);
          }
        }
      }
      if (results.some((result) => !result.valid)) process.exitCode = 1;
    });

  workflows
    .command('push')
    .description('Create or update the workflows of every *.yaml / *.yml of a folder; reports created, updated, unchanged; exit 1 on any error')
    .argument('<dir>', 'a folder (or one file)')
    .option('--namespace <namespace>', 'the namespace to push into', '')
    .addOption(new Option('--scope <scope>', 'the scope of the workflows (default: private for new ones, unchanged for others)').choices(['private', 'public']))
    .option('--dry-run', 'only report what would change')
    .action(async (dir: string, options: { namespace: string; scope?: 'private' | 'public'; dryRun?: boolean }, command: Command) => {
      const client = await context.client(command);
      const reports: PushReport[] = [];
      for (const file of definitionFiles(dir)) {
        reports.push(...(await pushFile(client, file, { namespace: options.namespace, scope: options.scope, dryRun: Boolean(options.dryRun) })));
      }
      if (context.json(command)) output.out(renderJson(reports));
      else {
        output.out(renderTable(['file', 'workflow', 'result', 'error'], reports.map((report) => [report.file, report.workflow, report.result, report.error])));
        const count = (result: PushReport['result']) => reports.filter((report) => report.result === result).length;
        const prefix = options.dryRun ? 'dry run, would be: ' : '';
        output.err(`${prefix}${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged, ${count('error')} error(s)\n`);
      }
      if (reports.some((report) => report.result === 'error')) process.exitCode = 1;
    });
}
