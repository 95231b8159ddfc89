import { Argument, type Command } from 'commander';
import type { CliContext } from './cli-context';
import { renderJson, renderRecord } from './cli-output';

interface MaintenanceResource extends Record<string, unknown> {
  status: string;
  activation_requested_at: string | null;
  activated_at: string | null;
  requested_by: string | null;
  /** ids of the top-level executions still running */
  remaining_executions: string[];
}

/** `sirocco maintenance [on|off|status]`: no new work while on (see /v2/maintenance). */
export function registerMaintenanceCommands(program: Command, context: CliContext): void {
  program
    .command('maintenance')
    .description('Maintenance mode: on (activating: waits for running executions; --now: activated at once), off, status')
    .addArgument(new Argument('[action]', 'what to do').choices(['on', 'off', 'status']).default('status'))
    .option('--now', "with 'on': activated at once, without waiting for running executions")
    .action(async (action: 'on' | 'off' | 'status', options: { now?: boolean }, command: Command) => {
      const client = await context.client(command);
      const state =
        action === 'status'
          ? await client.get<MaintenanceResource>('/v2/maintenance')
          : await client.request<MaintenanceResource>('PUT', '/v2/maintenance', {
              json: { status: action === 'off' ? 'deactivated' : options.now ? 'activated' : 'activating' },
            });
      if (context.json(command)) return context.output.out(renderJson(state));
      const { remaining_executions: running, ...fields } = state;
      context.output.out(renderRecord({ ...(fields as Record<string, string | null>), 'still running': running.length === 0 ? 'none' : running.join(' ') }));
    });
}
