import type { CronTrigger, Execution } from '../api/types';

/** The shipped workflows that snapshot one server, and where their input names it. */
export const SNAPSHOT_WORKFLOWS = ['instance_snapshot', 'vm_backup_one'];
/** The shipped workflows a trigger runs to snapshot servers (a list of servers in the input). */
export const SCHEDULING_WORKFLOWS = ['instance_snapshot', 'backup'];

export interface ServerSnapshots {
  server: string;
  lastSuccess: Execution | null;
  lastRun: Execution;
  /** the last finished run failed */
  failing: boolean;
  /** the earliest next run of a trigger that snapshots this server (API time text, UTC) */
  nextScheduled: string | null;
}

function parse(text: string | undefined | null): Record<string, unknown> {
  try {
    const value = JSON.parse(text ?? '{}') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The server an execution snapshots: instance_snapshot's `instance`, vm_backup_one's `server_name` (or id). */
export function serverOf(execution: Execution): string | null {
  const input = parse(execution.input);
  const name = input.instance ?? input.server_name ?? input.server_id ?? input.server;
  return typeof name === 'string' && name !== '' ? name : null;
}

/** The servers a trigger snapshots: instance_snapshot's `instance`, backup's `include_instances`. */
export function serversOfTrigger(trigger: CronTrigger): string[] {
  const input = parse(trigger.workflow_input);
  if (typeof input.instance === 'string') return [input.instance];
  if (Array.isArray(input.include_instances)) return input.include_instances.filter((item): item is string => typeof item === 'string');
  return [];
}

/** Per server: its last successful snapshot, its last run, whether that failed, and its next scheduled run; newest runs first in `executions`. */
export function snapshotOverview(executions: Execution[], triggers: CronTrigger[]): ServerSnapshots[] {
  const byServer = new Map<string, ServerSnapshots>();
  const sorted = [...executions].sort((a, b) => b.created_at.localeCompare(a.created_at));
  for (const execution of sorted) {
    if (!SNAPSHOT_WORKFLOWS.includes(execution.workflow_name)) continue;
    const server = serverOf(execution);
    if (!server) continue;
    let entry = byServer.get(server);
    if (!entry) {
      entry = { server, lastSuccess: null, lastRun: execution, failing: false, nextScheduled: null };
      byServer.set(server, entry);
    }
    if (!entry.lastSuccess && execution.state === 'SUCCESS') entry.lastSuccess = execution;
  }
  for (const entry of byServer.values()) {
    const lastFinished = sorted.find((execution) => serverOf(execution) === entry.server && ['SUCCESS', 'ERROR', 'CANCELLED'].includes(execution.state));
    entry.failing = lastFinished !== undefined && lastFinished.state !== 'SUCCESS';
  }
  for (const trigger of triggers) {
    if (!SCHEDULING_WORKFLOWS.includes(trigger.workflow_name) || !trigger.enabled || !trigger.next_execution_time) continue;
    for (const server of serversOfTrigger(trigger)) {
      const entry = byServer.get(server);
      if (!entry) continue;
      if (!entry.nextScheduled || trigger.next_execution_time < entry.nextScheduled) entry.nextScheduled = trigger.next_execution_time;
    }
  }
  return [...byServer.values()].sort((a, b) => Number(b.failing) - Number(a.failing) || a.server.localeCompare(b.server));
}
