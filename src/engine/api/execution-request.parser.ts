import { ApiError } from '../../common/api-error';
import type { CreateExecutionRequest, UpdateExecutionRequest } from '../execution-commands';
import type { ExecutionParams } from '../workflow-execution.entity';
import { jsonBody, onlyKeys, optionalBoolean, optionalJsonObject, optionalString } from './request-body.parser';

const CREATE_KEYS = [
  'id',
  'workflow_name',
  'workflow_id',
  'workflow_namespace',
  'input',
  'params',
  'description',
  'source_execution_id',
];

/** What POST /v2/executions asks for, before a `source_execution_id` is resolved. */
export interface CreateExecutionBody {
  request: CreateExecutionRequest;
  sourceExecutionId?: string;
  /** which of input, params and description the body gave (the source execution fills the rest) */
  given: { input: boolean; params: boolean; description: boolean };
}

/** POST /v2/executions: input and params come as objects or as JSON text (the CLI sends text). */
export function parseCreateExecution(raw: unknown): CreateExecutionBody {
  const body = jsonBody(raw);
  onlyKeys(body, CREATE_KEYS, (allowed) => `Unknown field(s) in the execution; allowed: ${allowed}`);
  const workflowName = optionalString(body, 'workflow_name');
  const workflowId = optionalString(body, 'workflow_id');
  const sourceExecutionId = optionalString(body, 'source_execution_id');
  const input = optionalJsonObject(body, 'input');
  const params = optionalJsonObject(body, 'params') as ExecutionParams | undefined;
  const description = optionalString(body, 'description');
  if (!workflowName && !workflowId && !sourceExecutionId) {
    throw ApiError.badRequest('workflow_name, workflow_id or source_execution_id is required');
  }
  const paramsNamespace = params?.namespace;
  if (paramsNamespace !== undefined && typeof paramsNamespace !== 'string') {
    throw ApiError.badRequest('params.namespace must be a string');
  }
  return {
    request: {
      id: optionalString(body, 'id') || undefined,
      workflowName: workflowName || undefined,
      workflowId: workflowId || undefined,
      namespace: optionalString(body, 'workflow_namespace') || paramsNamespace || undefined,
      input: input ?? {},
      params: params ?? {},
      description: description ?? '',
    },
    sourceExecutionId: sourceExecutionId || undefined,
    given: { input: input !== undefined, params: params !== undefined, description: description !== undefined },
  };
}

/**
 * PUT /v2/executions/{id}: state, state_info, description. The CLI sends `params: {env}` to change
 * the environment of a paused execution, which the engine does not offer: refused by name.
 */
export function parseUpdateExecution(raw: unknown): UpdateExecutionRequest {
  const body = jsonBody(raw);
  onlyKeys(body, ['id', 'state', 'state_info', 'description', 'params'], (allowed) => `Unknown field(s) in the execution update; allowed: ${allowed}`);
  const params = optionalJsonObject(body, 'params');
  if (params && Object.keys(params).length > 0) {
    throw ApiError.badRequest('params cannot be changed on an existing execution (updating env is not supported)');
  }
  const request: UpdateExecutionRequest = {};
  const state = optionalString(body, 'state');
  const description = optionalString(body, 'description');
  if (state !== undefined) request.state = state;
  if ('state_info' in body) request.stateInfo = optionalString(body, 'state_info') ?? null;
  if (description !== undefined) request.description = description;
  if (request.state === undefined && request.description === undefined && request.stateInfo === undefined) {
    throw ApiError.badRequest('Nothing to update: give state, state_info or description');
  }
  return request;
}

export type TaskUpdate = { kind: 'rerun'; reset: boolean } | { kind: 'skip' };

/** PUT /v2/tasks/{id}: `{state: RUNNING, reset}` re-runs a failed task, `{state: SKIPPED}` skips it. */
export function parseTaskUpdate(raw: unknown): TaskUpdate {
  const body = jsonBody(raw);
  onlyKeys(body, ['id', 'state', 'reset', 'env', 'name', 'workflow_execution_id'], (allowed) => `Unknown field(s) in the task update; allowed: ${allowed}`);
  const env = optionalJsonObject(body, 'env');
  if (env && Object.keys(env).length > 0) throw ApiError.badRequest('env cannot be changed when re-running a task (not supported)');
  const state = optionalString(body, 'state');
  if (state === 'RUNNING') return { kind: 'rerun', reset: optionalBoolean(body, 'reset') ?? true };
  if (state === 'SKIPPED') return { kind: 'skip' };
  throw ApiError.badRequest(`state must be RUNNING (re-run) or SKIPPED (skip) (got ${state === undefined ? 'none' : `'${state}'`})`);
}

/** POST /v2/action_executions: the action's name, its input, a description. */
export function parseRunAction(raw: unknown): { name: string; input: Record<string, unknown>; description: string } {
  const body = jsonBody(raw);
  onlyKeys(
    body,
    ['name', 'input', 'description', 'params', 'workflow_namespace'],
    (allowed) => `Unknown field(s) in the action execution; allowed: ${allowed}`,
  );
  const name = optionalString(body, 'name');
  if (!name) throw ApiError.badRequest('name is required: the action to run');
  const params = optionalJsonObject(body, 'params') ?? {};
  // Mistral runs an action synchronously unless told otherwise; that is the only way here
  if (params.run_sync === false) throw ApiError.badRequest('params.run_sync=false is not supported: actions run synchronously');
  return { name, input: optionalJsonObject(body, 'input') ?? {}, description: optionalString(body, 'description') ?? '' };
}
