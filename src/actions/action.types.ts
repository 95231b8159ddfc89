/** One parameter of an action, as `GET /v2/actions` shows it in `input` (`name` or `name=default`). */
export interface ActionParameter {
  name: string;
  /** absent when the parameter is required */
  default?: unknown;
}

/** What a workflow author can know about an action before running it. */
export interface ActionDescriptor {
  name: string;
  description: string;
  parameters: ActionParameter[];
  /** takes any other keyword too (Python's `**kwargs`, e.g. the attributes `nova.servers_find` matches) */
  acceptsOtherParameters?: boolean;
}

/** What an action knows about the run it belongs to. */
export interface ActionRunContext {
  workflowExecutionId?: string;
  workflowName?: string;
  taskExecutionId?: string;
  actionExecutionId: string;
  /** keystone mode, an action run on its own (POST /v2/action_executions): its caller's token (a secret) and project */
  caller?: { token: string; projectId: string };
  /** aborted when the task times out, the execution is cancelled or the service stops */
  signal: AbortSignal;
}

/** An action the engine can run: its signature plus the code. */
export interface ActionHandler extends ActionDescriptor {
  /**
   * Whether running the action a second time with this input is harmless. After a crash the engine
   * re-runs an action that was in flight only when this says so (or the task sets `safe-rerun`).
   */
  isIdempotent(input: Record<string, unknown>): boolean;
  /**
   * Whether the action finishes at once without I/O (std.noop, std.echo without delay). Such actions
   * run inside the engine transition that starts them, saving a round trip per task.
   */
  isInstant?(input: Record<string, unknown>): boolean;
  /**
   * Whether the action only starts the work (Mistral's asynchronous actions): once `run` returns,
   * the action stays RUNNING until someone reports its end with PUT /v2/action_executions/{id}.
   */
  isAsync?(input: Record<string, unknown>): boolean;
  /** Runs the action; the resolved value is its result. Throw ActionFailure to fail with data. */
  run(input: Record<string, unknown>, context: ActionRunContext): Promise<unknown>;
  /**
   * An asynchronous action's result, as given by PUT /v2/action_executions/{id}, turned into the
   * action's result (an ad-hoc action's `output` over an asynchronous base action).
   */
  transformResult?(result: unknown): Promise<unknown>;
}

/** An action's failure; `data` becomes the task's error result (what `$task().result` shows). */
export class ActionFailure extends Error {
  constructor(
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'ActionFailure';
  }
}

/** The input does not fit the action's signature (missing or unknown parameter, wrong type). */
export class ActionInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionInputError';
  }
}
