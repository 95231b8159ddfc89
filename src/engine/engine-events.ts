import type { DelayedJobKind } from './delayed-job.entity';

/** How an action run ended, as the engine records it. */
export type ActionOutcome = { ok: true; result: unknown } | { ok: false; error: unknown; message: string };

/**
 * Something that happened to one workflow execution. Events of one execution are applied one
 * batch at a time, in a transaction holding the execution's row lock.
 */
export type EngineEvent =
  /** a delayed job came due (or was created due now); the job row is deleted when applied */
  | { kind: 'job'; jobId: string; jobKind: DelayedJobKind; payload: Record<string, unknown> }
  /** an action run by this instance finished */
  | { kind: 'action_finished'; actionExecutionId: string; outcome: ActionOutcome }
  /** an asynchronous action started its work: it waits, without a lease, for PUT /v2/action_executions/{id} */
  | { kind: 'action_waiting'; actionExecutionId: string }
  /** the instance that ran the action died (its lease expired); this instance took the lease */
  | { kind: 'action_orphaned'; actionExecutionId: string }
  /** PUT /v2/executions state changes */
  | { kind: 'pause' }
  /** resume a paused execution; `env` is merged into its environment first */
  | { kind: 'resume'; env?: Record<string, unknown> }
  /** PUT /v2/executions params.env: merged into the environment of an IDLE, PAUSED or ERROR execution */
  | { kind: 'update_env'; env: Record<string, unknown> }
  | { kind: 'cancel'; stateInfo: string | null }
  | { kind: 'force_state'; state: 'SUCCESS' | 'ERROR'; stateInfo: string | null }
  /** PUT /v2/tasks */
  | { kind: 'rerun_task'; taskExecutionId: string; reset: boolean; env?: Record<string, unknown> }
  | { kind: 'skip_task'; taskExecutionId: string };
