import { didYouMean } from './close-match.util';
import { CLAUSE_KEYS } from './task-spec.builder';
import type { LocatedTransition, ReportError } from './transition.parser';
import type { WorkflowDraft } from './workflow-spec.builder';
import type { TaskSpec } from './workflow-spec.types';

/**
 * Checks the task graph of a built workflow and sets its start tasks: transitions must lead to
 * known tasks, some task must start the workflow, every task must be reachable from a start task,
 * and a join task needs enough tasks leading to it.
 */
export function checkWorkflowGraph(draft: WorkflowDraft, report: ReportError): void {
  const names = new Set(draft.tasks.map((task) => task.spec.name));
  const written: LocatedTransition[] = [
    ...draft.tasks.flatMap((task) => CLAUSE_KEYS.flatMap((key) => task.clauses[key]?.transitions ?? [])),
    ...CLAUSE_KEYS.flatMap((key) => draft.defaultClauses[key]?.transitions ?? []),
  ];
  for (const { transition, path } of written) {
    if (transition.kind === 'task' && !names.has(transition.task)) {
      report(path, `unknown task '${transition.task}'${didYouMean(transition.task, names)}`);
    }
  }

  const inbound = new Map<string, Set<string>>([...names].map((name) => [name, new Set<string>()]));
  const outbound = new Map<string, string[]>();
  for (const { spec } of draft.tasks) {
    const targets = nextTasks(spec).filter((target) => names.has(target));
    outbound.set(spec.name, targets);
    for (const target of targets) inbound.get(target)?.add(spec.name);
  }
  const startTasks = draft.tasks.map((task) => task.spec.name).filter((name) => inbound.get(name)?.size === 0);
  draft.spec.startTasks = startTasks;

  // A task whose transitions could not be read may be the one that makes the graph sound.
  const unreadable =
    draft.tasks.some((task) => task.broken || CLAUSE_KEYS.some((key) => task.clauses[key]?.broken)) ||
    CLAUSE_KEYS.some((key) => draft.defaultClauses[key]?.broken);
  if (unreadable || draft.tasks.length === 0) return;

  if (startTasks.length === 0) {
    report(
      [...draft.path, 'tasks'],
      'no start task: every task is the target of a transition, so none can run first',
      { on: 'key' },
    );
    return;
  }

  const reached = new Set<string>(startTasks);
  const queue = [...startTasks];
  // an index, not shift(): shift is linear, which made long chains quadratic
  for (let head = 0; head < queue.length; head++) {
    for (const target of outbound.get(queue[head]) ?? []) {
      if (!reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  for (const task of draft.tasks) {
    if (!reached.has(task.spec.name)) {
      report(task.path, `task '${task.spec.name}' is unreachable: no path from a start task leads to it`, { on: 'key' });
    }
  }

  for (const task of draft.tasks) {
    const join = task.spec.join;
    if (join === undefined || join === 0) continue;
    const sources = inbound.get(task.spec.name)?.size ?? 0;
    if (sources === 0) {
      report([...task.path, 'join'], `task '${task.spec.name}' has 'join' but no transition leads to it`);
    } else if (typeof join === 'number' && join > sources) {
      report([...task.path, 'join'], `'join: ${join}' waits for ${join} tasks but only ${sources} lead to '${task.spec.name}'`);
    }
  }
}

function nextTasks(spec: TaskSpec): string[] {
  const targets = [...spec.onSuccess, ...spec.onError, ...spec.onComplete].flatMap((transition) =>
    transition.kind === 'task' ? [transition.task] : [],
  );
  return [...new Set(targets)];
}
