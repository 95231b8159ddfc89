import type { TaskSpec, Transition, WorkflowSpec } from '../../workflows/language';
import type { ActionOutcome } from '../engine-events';
import type { ExecutionState } from '../execution-states';
import type { TaskRuntimeContext } from '../task-execution.entity';

/**
 * The rules of Mistral's direct workflows that need nothing but the definition and the state at
 * hand: which transitions a finished task takes, when a join fires, whether an attempt is retried,
 * how with-items advances. Pure functions, so each rule can be read and tested on its own;
 * `ExecutionRun` applies them.
 */

/** How many arrivals a join waits for: all its inbound tasks, one, or a number. */
export function joinThreshold(workflow: WorkflowSpec, name: string): number {
  const join = workflow.tasks[name].join;
  if (join === 'one') return 1;
  if (join === 'all') return inboundCount(workflow, name);
  return join ?? 1;
}

/** Per definition: how many tasks lead to each task, counted once (a join's arrivals look it up). */
const inboundCounts = new WeakMap<WorkflowSpec, Map<string, number>>();

/** The tasks whose transitions (any kind) lead to `name`; at least 1. */
function inboundCount(workflow: WorkflowSpec, name: string): number {
  let counts = inboundCounts.get(workflow);
  if (!counts) {
    counts = new Map();
    for (const task of Object.values(workflow.tasks)) {
      const targets = new Set<string>();
      for (const transition of [...task.onSuccess, ...task.onError, ...task.onComplete]) {
        if (transition.kind === 'task') targets.add(transition.task);
      }
      for (const target of targets) counts.set(target, (counts.get(target) ?? 0) + 1);
    }
    inboundCounts.set(workflow, counts);
  }
  return Math.max(counts.get(name) ?? 0, 1);
}

/** A transition a finished task may take; `handlesError` marks an on-error clause (taking it handles the failure). */
export interface CandidateTransition {
  transition: Transition;
  handlesError: boolean;
}

/** In order: on-success (or on-error when the task failed), then on-complete. Guards are checked by the caller. */
export function candidateTransitions(task: TaskSpec, state: ExecutionState): CandidateTransition[] {
  const failed = state === 'ERROR';
  return [
    ...(failed ? task.onError : task.onSuccess).map((transition) => ({ transition, handlesError: failed })),
    ...task.onComplete.map((transition) => ({ transition, handlesError: false })),
  ];
}

/** A skipped task goes on as if it had succeeded: its on-success and on-complete task transitions. */
export function transitionsAfterSkip(task: TaskSpec): string[] {
  const targets: string[] = [];
  for (const transition of [...task.onSuccess, ...task.onComplete]) if (transition.kind === 'task') targets.push(transition.task);
  return targets;
}

/** What the retry policy's expressions said about one ended attempt. */
export interface RetryVerdict {
  failed: boolean;
  /** retry.count as rendered */
  count: number;
  /** attempts retried so far */
  retriesDone: number;
  /** continue-on rendered (undefined when the policy has none) */
  continueOn?: boolean;
  /** break-on rendered (undefined when the policy has none, or it was not needed) */
  breakOn?: boolean;
}

/** Whether the attempt wants another: failed (or continue-on holds) and break-on does not; within count. */
export function wantsRetry(verdict: Pick<RetryVerdict, 'failed' | 'continueOn'>): boolean {
  return verdict.failed || verdict.continueOn === true;
}

export function shouldRetry(verdict: RetryVerdict): boolean {
  return wantsRetry(verdict) && verdict.breakOn !== true && verdict.retriesDone < verdict.count;
}

export type WithItemsState = NonNullable<TaskRuntimeContext['with_items']>;

/** The bookkeeping of a with-items task about to launch its first items. */
export function startWithItems(lists: unknown[][], concurrency: number | undefined): WithItemsState {
  const count = lists.reduce((least, list) => Math.min(least, list.length), Number.POSITIVE_INFINITY);
  return {
    count,
    next: 0,
    running: 0,
    concurrency: Math.max(1, (concurrency === undefined ? count : concurrency) || count),
    results: new Array<unknown>(count).fill(null),
    failed: false,
    failed_items: [],
    // rendered once: later items see the same lists even if the data context changes meanwhile
    lists,
  };
}

function hasItemsLeft(items: WithItemsState): boolean {
  return (items.pending?.length ?? 0) > 0 || items.next < items.count;
}

/** The next item to launch, taken (counted as running), or undefined when concurrency or the list is used up. */
export function takeNextItem(items: WithItemsState): number | undefined {
  if (items.failed || !hasItemsLeft(items) || items.running >= items.concurrency) return undefined;
  items.running += 1;
  if (items.pending?.length) return items.pending.shift();
  const index = items.next;
  items.next += 1;
  return index;
}

/**
 * A re-run without reset: the items that failed (and those never launched) run again, the
 * results of those that succeeded stay. False when the state predates per-item records: then
 * every item runs again.
 */
export function prepareItemsRerun(items: WithItemsState): boolean {
  if (!items.failed_items) return false;
  items.pending = [...items.failed_items];
  items.failed_items = [];
  items.failed = false;
  items.running = 0;
  return true;
}

/** The variables of item `index`: one per with-items entry. */
export function itemVariables(items: WithItemsState, variableNames: string[], index: number): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  variableNames.forEach((name, i) => (variables[name] = items.lists[i][index]));
  return variables;
}

/**
 * Records one item's end. `launch`: start more (up to the concurrency); `wait`: other items still
 * run; otherwise the attempt's outcome (all results in order, or the failure once no item is left
 * running).
 */
export function recordItemOutcome(
  items: WithItemsState,
  index: number,
  outcome: ActionOutcome,
): { next: 'wait' } | { next: 'launch' } | { next: 'finish'; outcome: ActionOutcome } {
  items.running -= 1;
  items.results[index] = outcome.ok ? outcome.result : outcome.error;
  if (!outcome.ok) {
    items.failed = true;
    (items.failed_items ??= []).push(index);
  }
  // as in Mistral, an item ending frees its slot for the next one at once
  if (!items.failed && hasItemsLeft(items)) return { next: 'launch' };
  if (items.running > 0) return { next: 'wait' };
  return { next: 'finish', outcome: items.failed ? { ok: false, error: items.results, message: '' } : { ok: true, result: items.results } };
}

/** Mistral's message for a failed workflow, listing each failed task and its failed action runs. */
export function failureSummary(
  tasks: Array<{ id: string; name: string; stateInfo: string | null }>,
  actionsOf: (taskId: string) => Array<{ id: string; state: ExecutionState; itemIndex: number | null; stateInfo: string | null }>,
): string {
  const names = tasks.map((task) => task.name).join(', ');
  let text = `Failure caused by error in tasks: ${names}\n\n`;
  for (const task of tasks) {
    text += `  ${task.name} [task_ex_id=${task.id}] -> ${task.stateInfo ?? ''}\n`;
    for (const action of actionsOf(task.id)) {
      if (action.state !== 'ERROR') continue;
      text += `    [action_ex_id=${action.id}, idx=${action.itemIndex ?? 0}]: ${action.stateInfo ?? ''}\n`;
    }
  }
  return text;
}
