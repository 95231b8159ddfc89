import type { PathSegment } from './definition-path.util';
import {
  buildTask,
  CLAUSE_KEYS,
  isRecord,
  readClauses,
  readPolicies,
  type ClauseKey,
  type ParsedClauses,
  type TaskDraft,
} from './task-spec.builder';
import type { LocatedTransition, ReportError } from './transition.parser';
import type { TaskDefaultsSpec, TaskPolicies, Transition, WorkflowInputSpec, WorkflowSpec } from './workflow-spec.types';
import { checkKeysOfType, mergeRequires, readRequires, workflowTypeOf } from './workflow-type.rules';

/** A workflow's spec with what the graph checks need to know about where things were written. */
export interface WorkflowDraft {
  spec: WorkflowSpec;
  path: PathSegment[];
  tasks: TaskDraft[];
  /** task-defaults' own transitions (checked once, not once per task) */
  defaultClauses: ParsedClauses;
}

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

const SPEC_FIELD: Record<ClauseKey, 'onSuccess' | 'onError' | 'onComplete'> = {
  'on-success': 'onSuccess',
  'on-error': 'onError',
  'on-complete': 'onComplete',
};

const POLICY_FIELDS: ReadonlyArray<keyof TaskPolicies> = [
  'retry',
  'waitBefore',
  'waitAfter',
  'timeout',
  'pauseBefore',
  'concurrency',
  'safeRerun',
];

/** Returns undefined for a workflow that cannot be built (not a mapping). */
export function buildWorkflow(name: string, raw: unknown, report: ReportError): WorkflowDraft | undefined {
  const path = [name];
  if (UUID_LIKE.test(name)) report(path, 'a workflow name cannot look like a UUID', { on: 'key' });
  if (!isRecord(raw)) return undefined;
  const type = workflowTypeOf(raw);

  const rawDefaults = isRecord(raw['task-defaults']) ? raw['task-defaults'] : {};
  const defaultsPath = [name, 'task-defaults'];
  checkKeysOfType(type, rawDefaults, defaultsPath, report);
  const defaultClauses = type === 'direct' ? readClauses(rawDefaults, defaultsPath, report) : {};
  const defaultRequires = type === 'reverse' ? readRequires(rawDefaults, defaultsPath) : [];
  const taskDefaults: TaskDefaultsSpec = {
    ...readPolicies(rawDefaults, defaultsPath, report),
    onSuccess: transitionsOf(defaultClauses['on-success']?.transitions),
    onError: transitionsOf(defaultClauses['on-error']?.transitions),
    onComplete: transitionsOf(defaultClauses['on-complete']?.transitions),
  };
  if (defaultRequires.length > 0) taskDefaults.requires = defaultRequires.map((requirement) => requirement.task);

  const rawTasks = isRecord(raw.tasks) ? raw.tasks : {};
  const tasks = Object.entries(rawTasks).map(([taskName, rawTask]) => {
    const taskPath = [name, 'tasks', taskName];
    if (isRecord(rawTask)) checkKeysOfType(type, rawTask, taskPath, report);
    return buildTask(taskName, rawTask, taskPath, report, type);
  });
  for (const task of tasks) {
    applyTaskDefaults(task, taskDefaults);
    if (type !== 'reverse') continue;
    task.requires = mergeRequires(task.spec.name, task.requires, defaultRequires);
    task.spec.requires = task.requires.map((requirement) => requirement.task);
  }

  const spec: WorkflowSpec = {
    name,
    type,
    tags: Array.isArray(raw.tags) ? raw.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    input: readInput(raw.input, [name, 'input'], report),
    vars: isRecord(raw.vars) ? { ...raw.vars } : {},
    taskDefaults,
    tasks: Object.fromEntries(tasks.map((task) => [task.spec.name, task.spec])),
    startTasks: [],
  };
  if (typeof raw.description === 'string') spec.description = raw.description;
  if (raw.output !== undefined) spec.output = raw.output;
  if (raw['output-on-error'] !== undefined) spec.outputOnError = raw['output-on-error'];
  return { spec, path, tasks, defaultClauses };
}

/**
 * Mistral's rule: a task's own setting wins; a default applies only where the task has none. For
 * transitions this holds per clause: a task with its own on-error does not get the default
 * on-error, and a default transition to the task itself is dropped.
 */
function applyTaskDefaults(task: TaskDraft, defaults: TaskDefaultsSpec): void {
  for (const field of POLICY_FIELDS) inherit(task.spec, defaults, field);
  for (const key of CLAUSE_KEYS) {
    const field = SPEC_FIELD[key];
    const own = task.clauses[key];
    task.spec[field] = own
      ? transitionsOf(own.transitions)
      : defaults[field]
          .filter((transition) => transition.kind !== 'task' || transition.task !== task.spec.name)
          .map((transition) => ({ ...transition }));
  }
}

function inherit<K extends keyof TaskPolicies>(task: TaskPolicies, defaults: TaskPolicies, field: K): void {
  if (task[field] === undefined && defaults[field] !== undefined) task[field] = structuredClone(defaults[field]);
}

function transitionsOf(located: LocatedTransition[] | undefined): Transition[] {
  return (located ?? []).map((item) => item.transition);
}

/** `- name` is required; `- name: default` is optional. */
function readInput(raw: unknown, path: PathSegment[], report: ReportError): WorkflowInputSpec[] {
  if (!Array.isArray(raw)) return [];
  const inputs: WorkflowInputSpec[] = [];
  const names = new Set<string>();
  raw.forEach((item: unknown, index) => {
    let input: WorkflowInputSpec | undefined;
    if (typeof item === 'string' && item) input = { name: item, required: true };
    else if (isRecord(item) && Object.keys(item).length === 1) {
      const [[name, value]] = Object.entries(item);
      input = { name, required: false, default: value };
    }
    if (!input) return;
    if (names.has(input.name)) {
      report([...path, index], `input '${input.name}' is declared twice`);
      return;
    }
    names.add(input.name);
    inputs.push(input);
  });
  return inputs;
}
