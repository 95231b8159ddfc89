import type { DefinitionLimits } from './definition-limits';
import type { ReportError } from './transition.parser';
import type { TaskSpec, WorkflowSpec } from './workflow-spec.types';

/** Action parameters that are durations in seconds. */
const DURATION_PARAMETERS: Record<string, string[]> = { 'std.sleep': ['seconds'], 'std.echo': ['delay'] };

/**
 * Literal durations and with-items lists over the limits are refused at upload; the same limits
 * hold at run time for values computed by expressions.
 */
export function checkWorkflowLimits(workflow: WorkflowSpec, limits: DefinitionLimits, report: ReportError): void {
  for (const task of Object.values(workflow.tasks)) {
    const path = [workflow.name, 'tasks', task.name];
    const durations: [string, unknown, (string | number)[]][] = [
      ['wait-before', task.waitBefore, [...path, 'wait-before']],
      ['wait-after', task.waitAfter, [...path, 'wait-after']],
      ['timeout', task.timeout, [...path, 'timeout']],
      ['retry delay', task.retry?.delay, [...path, 'retry']],
    ];
    for (const parameter of durationParameters(task)) durations.push([parameter, task.input[parameter], [...path, 'input', parameter]]);
    for (const [what, value, where] of durations) {
      const seconds = literalNumber(value);
      if (seconds !== undefined && !(seconds <= limits.maxDurationSeconds)) {
        report(where, `${what}: ${String(value)} seconds is more than the limit of ${limits.maxDurationSeconds} seconds (SIROCCO_MAX_DURATION_SECONDS)`);
      }
    }
    for (const [index, item] of (task.withItems ?? []).entries()) {
      if (Array.isArray(item.source) && item.source.length > limits.maxWithItems) {
        report(
          [...path, 'with-items'],
          `with-items[${index}]: ${item.source.length} items: more than the limit of ${limits.maxWithItems} (SIROCCO_MAX_WITH_ITEMS)`,
        );
      }
    }
  }
}

function durationParameters(task: TaskSpec): string[] {
  return task.kind === 'action' && task.action ? (DURATION_PARAMETERS[task.action] ?? []) : [];
}

function literalNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && !value.includes('<%') && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}
