/*
 * The normalised form of a workflow, as the engine runs it. Plain JSON data (stored in a jsonb
 * column): every string that holds an expression is kept as written (e.g. '<% $.x > 1 %>'), and
 * nothing else needs parsing again.
 */

/** Engine commands a transition may name instead of a task (Mistral's ENGINE_COMMANDS). */
export type EngineCommand = 'fail' | 'succeed' | 'pause' | 'noop';

export const ENGINE_COMMANDS: readonly EngineCommand[] = ['fail', 'succeed', 'pause', 'noop'];

/** A number or boolean given literally, or a `<% %>` expression string evaluated at run time. */
export type NumberOrExpression = number | string;
export type BooleanOrExpression = boolean | string;

export type Transition =
  | {
      kind: 'task';
      task: string;
      /** `<% ... %>` as written; the transition is taken only when it is truthy */
      guard?: string;
    }
  | {
      kind: 'command';
      command: EngineCommand;
      /** the `msg` parameter: literal text or an expression string */
      message?: string;
      guard?: string;
    };

export interface RetrySpec {
  count: NumberOrExpression;
  /** seconds between attempts */
  delay: NumberOrExpression;
  breakOn?: string;
  continueOn?: string;
}

/** One `var in <source>` of with-items; several entries iterate the lists in lockstep. */
export interface WithItemsSpec {
  variable: string;
  /** a `<% %>` expression string, or a literal list */
  source: string | unknown[];
}

/** Task settings that task-defaults can also give. */
export interface TaskPolicies {
  retry?: RetrySpec;
  /** seconds */
  waitBefore?: NumberOrExpression;
  /** seconds */
  waitAfter?: NumberOrExpression;
  /** seconds */
  timeout?: NumberOrExpression;
  pauseBefore?: BooleanOrExpression;
  /** with-items: how many items run at once */
  concurrency?: NumberOrExpression;
  safeRerun?: BooleanOrExpression;
}

export interface TaskDefaultsSpec extends TaskPolicies {
  onSuccess: Transition[];
  onError: Transition[];
  onComplete: Transition[];
  /** reverse workflows: tasks every task requires (a task never requires itself) */
  requires?: string[];
}

export interface TaskSpec extends TaskPolicies {
  name: string;
  description?: string;
  kind: 'action' | 'workflow';
  /** set when kind is 'action'; 'std.noop' when the task names neither action nor workflow */
  action?: string;
  /** set when kind is 'workflow' */
  workflow?: string;
  /** `input:` merged with the inline parameters of action/workflow (inline ones win, as in Mistral) */
  input: Record<string, unknown>;
  publish: Record<string, unknown>;
  publishOnError: Record<string, unknown>;
  /** task-defaults already applied: see applyTaskDefaults */
  onSuccess: Transition[];
  onError: Transition[];
  onComplete: Transition[];
  join?: 'all' | 'one' | number;
  withItems?: WithItemsSpec[];
  /** defaults to true */
  keepResult: BooleanOrExpression;
  /**
   * Reverse workflows only: the tasks that must have succeeded before this one starts (its own and
   * task-defaults', in that order, never itself). Direct workflows' tasks have none.
   */
  requires?: string[];
}

export interface WorkflowInputSpec {
  name: string;
  required: boolean;
  /** present when the input is optional */
  default?: unknown;
}

/** direct: tasks lead to others by transitions; reverse: a target task runs after the tasks it requires. */
export type WorkflowType = 'direct' | 'reverse';

export interface WorkflowSpec {
  name: string;
  type: WorkflowType;
  description?: string;
  tags: string[];
  input: WorkflowInputSpec[];
  output?: unknown;
  outputOnError?: unknown;
  vars: Record<string, unknown>;
  /** as written; already applied into each task */
  taskDefaults: TaskDefaultsSpec;
  /** in document order */
  tasks: Record<string, TaskSpec>;
  /** direct: tasks no transition leads to; reverse: tasks that require nothing. In document order. */
  startTasks: string[];
}
