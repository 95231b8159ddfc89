import { Option, type Command } from 'commander';
import type { CliContext } from './cli-context';
import { collectKeyValue, positiveInteger, readObjectFile, workflowInput } from './cli-inputs';
import { decodeJsonFields, renderJson, renderRecord, renderTable, shorten, type Cell } from './cli-output';
import { patternInWords } from '../triggers/schedule/pattern-words';
import { watchExecution } from './execution-watch';

interface TriggerResource extends Record<string, unknown> {
  name: string;
  workflow_name: string;
  pattern: string | null;
  timezone: string;
  next_execution_time: string | null;
  next_execution_time_local: string | null;
  enabled: boolean;
  finished: boolean;
  trust_status: string | null;
  remaining_executions: number | null;
}

interface Slot {
  utc: string;
  local: string;
  timezone: string;
  fires_at: string;
}

interface Firing {
  id: string;
  scheduled_for: string | null;
  fired_at: string | null;
  execution_id: string | null;
  outcome: string;
  error: string | null;
}

/** A trigger as `--json` prints it: the API's resource, input and params decoded, and its pattern in words. */
function triggerRecord(trigger: TriggerResource): Record<string, unknown> {
  return { ...decodeJsonFields(trigger, ['workflow_input', 'workflow_params']), pattern_in_words: patternInWords(trigger.pattern, trigger.timezone) };
}

function path(name: string, tail = ''): string {
  return `/v2/cron_triggers/${encodeURIComponent(name)}${tail}`;
}

interface SettingsOptions {
  pattern?: string;
  timezone?: string;
  input?: Record<string, unknown>;
  inputFile?: string;
  params?: string;
  enabled?: boolean;
  misfirePolicy?: string;
  catchUpWindow?: number;
  overlapPolicy?: string;
  jitter?: number;
}

/** The options create and update share; on update only those given change. */
function withSettingsOptions(command: Command): Command {
  return command
    .option('-p, --pattern <cron>', "cron pattern: 5 fields, or 6 with the seconds last (croniter's order), or @daily...")
    .option('-z, --timezone <zone>', 'IANA time zone the pattern is read in (e.g. Europe/Zurich)')
    .option('-i, --input <key=value>', 'a workflow input value (repeatable; JSON values read as JSON)', collectKeyValue)
    .option('-f, --input-file <file>', 'the workflow input as a JSON or YAML object')
    .option('--params <file>', 'workflow params (env...) as a JSON or YAML object')
    .addOption(new Option('--misfire-policy <policy>', 'a slot missed while Sirocco was down').choices(['run_once', 'skip', 'catch_up']))
    .option('--catch-up-window <seconds>', 'catch_up: how far back missed slots are run', positiveInteger)
    .addOption(new Option('--overlap-policy <policy>', 'a slot while the previous run still goes').choices(['allow', 'skip']))
    .option('--jitter <seconds>', 'spread the start over this many seconds', (text) => Number(text));
}

function settingsBody(options: SettingsOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (options.pattern !== undefined) body.pattern = options.pattern;
  if (options.timezone !== undefined) body.timezone = options.timezone;
  if (options.input !== undefined || options.inputFile !== undefined) body.workflow_input = workflowInput(options.input, options.inputFile);
  if (options.params !== undefined) body.workflow_params = readObjectFile(options.params);
  if (options.enabled !== undefined) body.enabled = options.enabled;
  if (options.misfirePolicy !== undefined) body.misfire_policy = options.misfirePolicy;
  if (options.catchUpWindow !== undefined) body.catch_up_window = options.catchUpWindow;
  if (options.overlapPolicy !== undefined) body.overlap_policy = options.overlapPolicy;
  if (options.jitter !== undefined) body.jitter = options.jitter;
  return body;
}

/** `sirocco triggers` and `sirocco trigger ...`. */
export function registerTriggerCommands(program: Command, context: CliContext): void {
  const { output } = context;

  /** One trigger with its next runs (people), or the trigger (JSON). */
  async function showTrigger(command: Command, trigger: TriggerResource, nextCount = 3): Promise<void> {
    if (context.json(command)) return output.out(renderJson(triggerRecord(trigger)));
    const fields: Record<string, Cell> = {
      name: trigger.name,
      workflow: trigger.workflow_name,
      pattern: trigger.pattern,
      'in words': patternInWords(trigger.pattern, trigger.timezone),
      timezone: trigger.timezone,
      enabled: trigger.enabled,
      'remaining runs': trigger.remaining_executions ?? 'no limit',
      'trust status': trigger.trust_status,
    };
    if (trigger.enabled && !trigger.finished) {
      const client = await context.client(command);
      const { next } = await client.get<{ next: Slot[] }>(path(trigger.name, '/next'), { count: nextCount });
      next.forEach((slot, index) => (fields[`next run ${index + 1}`] = `${slot.local} ${slot.timezone}`));
    }
    output.out(renderRecord(fields));
  }

  program
    .command('triggers')
    .description('List cron triggers: pattern in words, next run in their zone, state')
    .option('--all-projects', 'every project (administrators, keystone mode)')
    .action(async (options: { allProjects?: boolean }, command: Command) => {
      const client = await context.client(command);
      const { cron_triggers: triggers } = await client.get<{ cron_triggers: TriggerResource[] }>('/v2/cron_triggers', {
        all_projects: options.allProjects ? 'true' : undefined,
      });
      if (context.json(command)) return output.out(renderJson(triggers.map(triggerRecord)));
      output.out(
        renderTable(
          ['name', 'workflow', 'pattern', 'in words', 'next run (its zone)', 'enabled', 'trust'],
          triggers.map((trigger) => [
            trigger.name,
            trigger.workflow_name,
            trigger.pattern,
            shorten(patternInWords(trigger.pattern, trigger.timezone), 50),
            trigger.finished ? 'finished' : trigger.next_execution_time_local ? `${trigger.next_execution_time_local} ${trigger.timezone}` : '',
            trigger.enabled,
            trigger.trust_status,
          ]),
        ),
      );
    });

  const trigger = program.command('trigger').description('One cron trigger: create, update, pause, resume, fire, next, history, delete');

  trigger
    .command('get')
    .description('A trigger, its pattern in words and its next runs')
    .argument('<name>', 'trigger name or id')
    .action(async (name: string, _options: unknown, command: Command) => {
      const client = await context.client(command);
      await showTrigger(command, await client.get<TriggerResource>(path(name)));
    });

  withSettingsOptions(
    trigger
      .command('create')
      .description('Create a cron trigger, then show its next runs')
      .argument('<name>', 'trigger name')
      .argument('<workflow>', 'workflow name'),
  )
    .option('--first-time <time>', 'first run, "YYYY-MM-DD HH:MM" UTC (alone: runs once)')
    .option('--count <n>', 'number of runs, then the trigger ends', positiveInteger)
    .option('--namespace <namespace>', "the workflow's namespace")
    .option('--disabled', 'create it paused')
    .action(async (name: string, workflow: string, options: SettingsOptions & { firstTime?: string; count?: number; namespace?: string; disabled?: boolean }, command: Command) => {
      const client = await context.client(command);
      const created = await client.request<TriggerResource>('POST', '/v2/cron_triggers', {
        json: {
          name,
          workflow_name: workflow,
          ...(options.namespace ? { workflow_namespace: options.namespace } : {}),
          workflow_input: workflowInput(options.input, options.inputFile),
          ...settingsBody({ ...options, enabled: options.disabled ? false : undefined }),
          ...(options.firstTime ? { first_execution_time: options.firstTime } : {}),
          ...(options.count ? { remaining_executions: options.count } : {}),
        },
      });
      await showTrigger(command, created);
    });

  withSettingsOptions(trigger.command('update').description('Change a trigger in place (only the options given)').argument('<name>', 'trigger name or id')).action(
    async (name: string, options: SettingsOptions, command: Command) => {
      const body = settingsBody(options);
      if (Object.keys(body).length === 0) command.error('nothing to change: give at least one option (see --help)', { exitCode: 2 });
      const client = await context.client(command);
      await showTrigger(command, await client.request<TriggerResource>('PUT', path(name), { json: body }));
    },
  );

  for (const [verb, enabled] of [['pause', false], ['resume', true]] as const) {
    trigger
      .command(verb)
      .description(enabled ? 'Let a paused trigger fire again' : 'Stop a trigger firing until it is resumed')
      .argument('<name>', 'trigger name or id')
      .action(async (name: string, _options: unknown, command: Command) => {
        const client = await context.client(command);
        await showTrigger(command, await client.request<TriggerResource>('PUT', path(name), { json: { enabled } }));
      });
  }

  trigger
    .command('fire')
    .description('Run the workflow now as the trigger would (kept in its history; the schedule is unchanged)')
    .argument('<name>', 'trigger name or id')
    .option('-w, --wait', 'follow the execution it started to its end (exit 0 / 1)')
    .option('--interval <ms>', 'between two looks at a followed execution', positiveInteger, 500)
    .action(async (name: string, options: { wait?: boolean; interval: number }, command: Command) => {
      const client = await context.client(command);
      const firing = await client.request<Firing>('POST', path(name, '/fire'));
      const json = context.json(command);
      if (firing.outcome !== 'started' || !firing.execution_id) {
        output.out(json ? renderJson(firing) : '');
        if (!json) output.err(`the firing ${firing.outcome}: ${firing.error ?? 'no execution started'}\n`);
        process.exitCode = 1;
        return;
      }
      if (options.wait) {
        process.exitCode = await watchExecution(client, firing.execution_id, output, { json, intervalMs: options.interval });
        return;
      }
      output.out(json ? renderJson(firing) : `${firing.execution_id}\n`);
    });

  trigger
    .command('next')
    .description("The next fire times, in the trigger's time zone and in UTC")
    .argument('<name>', 'trigger name or id')
    .option('-n, --count <n>', 'how many', positiveInteger, 5)
    .action(async (name: string, options: { count: number }, command: Command) => {
      const client = await context.client(command);
      const [found, upcoming] = await Promise.all([
        client.get<TriggerResource>(path(name)),
        client.get<{ name: string; timezone: string; next: Slot[] }>(path(name, '/next'), { count: options.count }),
      ]);
      if (context.json(command)) {
        return output.out(renderJson({ ...upcoming, pattern: found.pattern, pattern_in_words: patternInWords(found.pattern, found.timezone) }));
      }
      output.err(`${found.name}: ${found.pattern ?? ''} = ${patternInWords(found.pattern, found.timezone)}\n`);
      output.out(renderTable([`local (${upcoming.timezone})`, 'UTC', 'fires at (UTC, jitter added)'], upcoming.next.map((slot) => [slot.local, slot.utc, slot.fires_at])));
    });

  trigger
    .command('history')
    .description('Firings, newest first: scheduled for, fired at, outcome, execution')
    .argument('<name>', 'trigger name or id')
    .option('-l, --limit <n>', 'at most this many', positiveInteger, 20)
    .action(async (name: string, options: { limit: number }, command: Command) => {
      const client = await context.client(command);
      const { firings } = await client.get<{ firings: Firing[] }>(path(name, '/firings'), { limit: options.limit });
      if (context.json(command)) return output.out(renderJson(firings));
      output.out(
        renderTable(
          ['scheduled for (UTC)', 'fired at (UTC)', 'outcome', 'execution', 'error'],
          firings.map((firing) => [firing.scheduled_for, firing.fired_at, firing.outcome, firing.execution_id, shorten(firing.error, 60)]),
        ),
      );
    });

  trigger
    .command('check')
    .description("Check the trigger's Keystone trust now")
    .argument('<name>', 'trigger name or id')
    .action(async (name: string, _options: unknown, command: Command) => {
      const client = await context.client(command);
      await showTrigger(command, await client.request<TriggerResource>('POST', path(name, '/check')));
    });

  trigger
    .command('delete')
    .description('Delete a trigger')
    .argument('<name...>', 'trigger names or ids')
    .action(async (names: string[], _options: unknown, command: Command) => {
      const client = await context.client(command);
      for (const name of names) {
        await client.request('DELETE', path(name));
        if (!context.json(command)) output.err(`deleted trigger ${name}\n`);
      }
      if (context.json(command)) output.out(renderJson({ deleted: names }));
    });
}
