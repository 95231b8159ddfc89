import type { RequestContext } from '../identity/request-context';
import type { ActionExecutionEntity } from './action-execution.entity';
import type { ExecutionParams, WorkflowExecutionEntity } from './workflow-execution.entity';
import type { TaskExecutionEntity } from './task-execution.entity';

export interface CreateExecutionRequest {
  /** client-chosen id: creating twice with the same id and workflow returns the first execution (idempotent); another workflow: 409 */
  id?: string;
  workflowName?: string;
  workflowId?: string;
  namespace?: string;
  input: Record<string, unknown>;
  params: ExecutionParams;
  description: string;
}

/** A run a cron trigger starts (see ExecutionStarter.startBatch). */
export interface TriggeredStart {
  /** the execution's id (the firing records it); a fresh one when absent */
  executionId?: string;
  triggerId: string;
  workflowId: string;
  workflowName: string;
  projectId: string;
  userId: string | null;
  input: Record<string, unknown>;
  params: ExecutionParams;
  description: string;
  /** variables the run's data context holds besides its input (an event trigger's `__event`) */
  context?: Record<string, unknown>;
  /** the run cannot start for this reason (e.g. the trust is broken): create it in ERROR */
  failure?: string;
}

/** What PUT /v2/action_executions/{id} reports: the action's result, or its error data. */
export interface ActionResult {
  state: 'SUCCESS' | 'ERROR';
  output: unknown;
}

export interface UpdateExecutionRequest {
  /** PAUSED, RUNNING (resume), CANCELLED, ERROR or SUCCESS */
  state?: string;
  stateInfo?: string | null;
  description?: string;
  /** merged into the execution's environment (`params.env`), as Mistral's execution-update -e */
  env?: Record<string, unknown>;
}

/**
 * What the HTTP layer asks of the engine. Every method validates its input (ApiError 400/404/409)
 * and changes nothing when it refuses.
 */
export interface ExecutionCommands {
  createExecution(request: CreateExecutionRequest, context: RequestContext): Promise<WorkflowExecutionEntity>;
  updateExecution(id: string, request: UpdateExecutionRequest, context: RequestContext): Promise<WorkflowExecutionEntity>;
  /** a running execution only with `force` */
  deleteExecution(id: string, force: boolean, context: RequestContext): Promise<void>;
  /** PUT /v2/tasks/{id} state RUNNING: run an ERROR task again (`reset`: its with-items from scratch) */
  rerunTask(id: string, reset: boolean, context: RequestContext, env?: Record<string, unknown>): Promise<TaskExecutionEntity>;
  /** PUT /v2/tasks/{id} state SKIPPED: treat an ERROR task as done and go on along on-success */
  skipTask(id: string, context: RequestContext): Promise<TaskExecutionEntity>;
  /** PUT /v2/action_executions/{id}: the result of a RUNNING (asynchronous) action */
  completeAction(id: string, result: ActionResult, context: RequestContext): Promise<ActionExecutionEntity>;
  /** DELETE /v2/action_executions/{id}: an ended one, when the configuration allows it */
  deleteAction(id: string, context: RequestContext): Promise<void>;
  /** POST /v2/action_executions: runs one action outside any workflow and waits for it */
  runAction(name: string, input: Record<string, unknown>, description: string, context: RequestContext): Promise<ActionExecutionEntity>;
}

export const EXECUTION_COMMANDS = Symbol('EXECUTION_COMMANDS');
