import type { WorkflowSpec } from '../../workflows/language';
import type { ExecutionState } from '../execution-states';

/**
 * The rules of Mistral's reverse workflows, as pure functions: the execution names a target task
 * (`params.task_name`); the target and the tasks it requires, transitively, run, each once all it
 * requires has succeeded. `ExecutionRun` applies them.
 */

/** The params key naming the target task (Mistral's). */
export const TARGET_TASK_PARAM = 'task_name';

/** The target task of a reverse workflow's execution is missing or unknown. */
export class InvalidTargetTask extends Error {}

/**
 * The target task named in the execution's params. Mistral's message starts the same ("Invalid
 * task name [...]"); it says here which field is wrong and what it may be.
 */
export function targetTask(workflow: WorkflowSpec, params: Record<string, unknown>): string {
  const name = params[TARGET_TASK_PARAM];
  if (typeof name === 'string' && Object.hasOwn(workflow.tasks, name)) return name;
  const given = name === undefined ? 'None' : JSON.stringify(name);
  const problem =
    name === undefined
      ? `a reverse workflow runs a target task: give its name in params.${TARGET_TASK_PARAM}`
      : `params.${TARGET_TASK_PARAM} must name a task of the workflow`;
  const tasks = Object.keys(workflow.tasks).sort().join(', ');
  throw new InvalidTargetTask(`Invalid task name [workflow=${workflow.name}, task_name=${given}]: ${problem} (one of: ${tasks})`);
}

/** Checks `params` of a new execution: only reverse workflows need (and check) a target task. */
export function checkTargetTask(workflow: WorkflowSpec, params: Record<string, unknown>): void {
  if (workflow.type === 'reverse') targetTask(workflow, params);
}

/**
 * A sub-workflow task's input, for the workflow it starts: a reverse workflow's `task_name` (unless
 * it declares an input of that name) goes to the child's params, as Mistral moves input the
 * workflow does not declare into params.
 */
export function splitTargetFromInput(
  workflow: WorkflowSpec,
  input: Record<string, unknown>,
): { input: Record<string, unknown>; params: Record<string, unknown> } {
  const declared = workflow.input.some((entry) => entry.name === TARGET_TASK_PARAM);
  if (workflow.type !== 'reverse' || declared || !(TARGET_TASK_PARAM in input)) return { input, params: {} };
  const { [TARGET_TASK_PARAM]: target, ...rest } = input;
  return { input: rest, params: { [TARGET_TASK_PARAM]: target } };
}

/**
 * The tasks the target needs, the target included: requirements before the tasks that require
 * them (a depth-first walk in the order `requires` lists them), each once.
 */
export function neededTasks(workflow: WorkflowSpec, target: string): string[] {
  const order: string[] = [];
  const visited = new Set<string>([target]);
  // an explicit stack: a long chain of requirements must not exhaust the call stack
  const stack: Array<{ name: string; next: number }> = [{ name: target, next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const requires = workflow.tasks[frame.name]?.requires ?? [];
    if (frame.next >= requires.length) {
      stack.pop();
      order.push(frame.name);
      continue;
    }
    const next = requires[frame.next++];
    if (visited.has(next) || !workflow.tasks[next]) continue;
    visited.add(next);
    stack.push({ name: next, next: 0 });
  }
  return order;
}

/** A requirement counts as met once the task succeeded, or was skipped (it goes on as if it had). */
const MET: readonly ExecutionState[] = ['SUCCESS', 'SKIPPED'];

/**
 * The tasks to start now: needed by the target, never started (a task of a reverse workflow runs
 * once; a re-run reuses its row), with every requirement met. None while a task is in ERROR: a
 * failure stops the graph, and a re-run of the failed task resumes it. `states` holds the state of
 * each task that was started, by name.
 */
export function readyTasks(workflow: WorkflowSpec, target: string, states: ReadonlyMap<string, ExecutionState>): string[] {
  if ([...states.values()].includes('ERROR')) return [];
  return neededTasks(workflow, target).filter(
    (name) => !states.has(name) && (workflow.tasks[name].requires ?? []).every((required) => MET.includes(states.get(required) ?? 'IDLE')),
  );
}
