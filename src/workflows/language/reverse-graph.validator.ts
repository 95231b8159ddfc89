import { didYouMean } from './close-match.util';
import { formatPath } from './definition-path.util';
import type { ReportError } from './transition.parser';
import type { WorkflowDraft } from './workflow-spec.builder';
import type { LocatedRequirement } from './workflow-type.rules';

/**
 * Checks the `requires` graph of a reverse workflow and sets its start tasks (those that require
 * nothing): every required task must exist (Mistral checks this too), and no task may depend on
 * itself through a cycle, which would leave it waiting forever (Mistral finds that out at run time).
 */
export function checkReverseGraph(draft: WorkflowDraft, report: ReportError): void {
  const names = new Set(draft.tasks.map((task) => task.spec.name));
  const reported = new Set<string>();
  // a requirement of task-defaults is every task's: one error where it was written
  const reportOnce = (requirement: LocatedRequirement, message: string) => {
    const key = formatPath(requirement.path);
    if (reported.has(key)) return;
    reported.add(key);
    report(requirement.path, message);
  };
  const edges = new Map<string, LocatedRequirement[]>();
  for (const task of draft.tasks) {
    const known: LocatedRequirement[] = [];
    for (const requirement of task.requires) {
      if (names.has(requirement.task)) known.push(requirement);
      else reportOnce(requirement, `task '${task.spec.name}' requires '${requirement.task}', which does not exist${didYouMean(requirement.task, names)}`);
    }
    edges.set(task.spec.name, known);
  }
  draft.spec.startTasks = draft.tasks.filter((task) => task.requires.length === 0).map((task) => task.spec.name);
  for (const { from, requirement, cycle } of findCycles(draft.tasks.map((task) => task.spec.name), edges)) {
    const message =
      cycle.length === 1
        ? `task '${from}' requires itself: it could never start`
        : `'requires' makes a cycle: ${[...cycle, cycle[0]].join(' -> ')} (each requires the next); none of these tasks could ever start`;
    reportOnce(requirement, message);
  }
}

interface FoundCycle {
  /** the task whose requirement closes the cycle */
  from: string;
  requirement: LocatedRequirement;
  /** the tasks on the cycle, each requiring the next (the last requires the first) */
  cycle: string[];
}

/** Every requirement that closes a cycle (a back edge of a depth-first walk), without recursion. */
function findCycles(order: string[], edges: ReadonlyMap<string, LocatedRequirement[]>): FoundCycle[] {
  const found: FoundCycle[] = [];
  const done = new Set<string>();
  const onPath = new Map<string, number>();
  for (const root of order) {
    if (done.has(root)) continue;
    const stack: Array<{ name: string; next: number }> = [{ name: root, next: 0 }];
    onPath.set(root, 0);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      const requirements = edges.get(frame.name) ?? [];
      if (frame.next >= requirements.length) {
        stack.pop();
        onPath.delete(frame.name);
        done.add(frame.name);
        continue;
      }
      const requirement = requirements[frame.next++];
      const target = requirement.task;
      const at = onPath.get(target);
      if (at !== undefined) {
        found.push({ from: frame.name, requirement, cycle: stack.slice(at).map((item) => item.name) });
      } else if (!done.has(target)) {
        onPath.set(target, stack.length);
        stack.push({ name: target, next: 0 });
      }
    }
  }
  return found;
}
