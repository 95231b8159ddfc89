/** What `$task(name)` returns for a task execution (Mistral's task context). */
export interface TaskView {
  id: string;
  name: string;
  state: string;
  state_info: string | null;
  result: unknown;
  published: Record<string, unknown>;
}

/** What `$execution()` returns. */
export interface ExecutionView {
  id: string;
  name: string;
  input: Record<string, unknown>;
  params: Record<string, unknown>;
  created_at: string;
}

/** Finds task executions of the running workflow; may answer synchronously or from the database. */
export interface TaskLookup {
  /** The task whose fields are being rendered: what `$task()` without a name returns. */
  current?: string;
  lookup(name: string): TaskView | undefined | Promise<TaskView | undefined>;
}

/** Everything one evaluation can see. */
export interface ExpressionScope {
  /** `$` (and `$$`): input, published variables and vars, merged by the caller. */
  data: Record<string, unknown>;
  task?: TaskLookup;
  execution?: ExecutionView;
  /** `$env()`; when absent, the execution's `params.env`, else `{}`. */
  env?: Record<string, unknown>;
}

/** Where an expression sits, for error messages: `field` is a path such as `input.servers[0].name`. */
export interface EvaluationSite {
  task?: string;
  field: string;
}
