import { ApiError } from '../../common/api-error';
import type { ActionResult, CreateExecutionRequest, UpdateExecutionRequest } from '../execution-commands';
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
 * PUT /v2/executions/{id}: state, state_info, description, and `params: {env}` (object or JSON
 * text, as the CLI's `execution-update -e` sends it) to change the environment.
 */
export function parseUpdateExecution(raw: unknown): UpdateExecutionRequest {
  const body = jsonBody(raw);
  onlyKeys(body, ['id', 'state', 'state_info', 'description', 'params'], (allowed) => `Unknown field(s) in the execution update; allowed: ${allowed}`);
  const params = optionalJsonObject(body, 'params') ?? {};
  const unknown = Object.keys(params).filter((key) => key !== 'env');
  if (unknown.length > 0) throw ApiError.badRequest(`Only params.env can be changed on an existing execution (got ${unknown.join(', ')})`);
  const env = envObject(params.env, 'params.env');
  const request: UpdateExecutionRequest = {};
  if (env !== undefined) request.env = env;
  const state = optionalString(body, 'state');
  const description = optionalString(body, 'description');
  if (state !== undefined) request.state = state;
  if ('state_info' in body) request.stateInfo = optionalString(body, 'state_info') ?? null;
  if (description !== undefined) request.description = description;
  if (request.state === undefined && request.description === undefined && request.stateInfo === undefined && request.env === undefined) {
    throw ApiError.badRequest('The property state, description, or env is not provided for update.');
  }
  if (request.env !== undefined && request.state !== undefined && request.state !== 'RUNNING') {
    throw ApiError.badRequest('The property env can only be updated when workflow execution is not running or on resume from pause.');
  }
  return request;
}

export type TaskUpdate = { kind: 'rerun'; reset: boolean; env?: Record<string, unknown> } | { kind: 'skip' };

/** An environment given as an object or as JSON text of one (the CLI sends text); undefined when absent or empty. */
function envObject(value: unknown, field: string): Record<string, unknown> | undefined {
  let env = value;
  if (typeof env === 'string') {
    try {
      env = JSON.parse(env);
    } catch {
      throw ApiError.badRequest(`${field} must be a JSON object`);
    }
  }
  if (env === undefined || env === null) return undefined;
  if (typeof env !== 'object' || Array.isArray(env)) throw ApiError.badRequest(`${field} must be a JSON object`);
  return Object.keys(env).length > 0 ? (env as Record<string, unknown>) : undefined;
}

/** PUT /v2/tasks/{id}: `{state: RUNNING, reset}` re-runs a failed task, `{state: SKIPPED}` skips it. */
export function parseTaskUpdate(raw: unknown): TaskUpdate {
  const body = jsonBody(raw);
  onlyKeys(body, ['id', 'state', 'reset', 'env', 'name', 'workflow_execution_id'], (allowed) => `Unknown field(s) in the task update; allowed: ${allowed}`);
  const env = envObject(body.env, 'env');
  const state = optionalString(body, 'state');
  if (state === 'RUNNING') return { kind: 'rerun', reset: optionalBoolean(body, 'reset') ?? true, ...(env ? { env } : {}) };
  if (env) throw ApiError.badRequest('env can only be given when re-running a task (state RUNNING)');
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
  // Mistral hands such an action to the executors listening on that target and, with none, never runs it
  if (params.target !== undefined && params.target !== null) {
    throw ApiError.badRequest(`params.target is not supported: Sirocco runs every action itself and has no executors to target (got '${String(params.target)}')`);
  }
  return { name, input: optionalJsonObject(body, 'input') ?? {}, description: optionalString(body, 'description') ?? '' };
}

/** PUT /v2/action_executions/{id}: `state` SUCCESS or ERROR, `output` the result or error data (JSON, or JSON text as the CLI sends it). */
export function parseActionResult(raw: unknown): ActionResult {
  const body = jsonBody(raw);
  onlyKeys(body, ['id', 'state', 'output'], (allowed) => `Unknown field(s) in the action execution update; allowed: ${allowed}`);
  const state = optionalString(body, 'state');
  if (state !== 'SUCCESS' && state !== 'ERROR') {
    throw ApiError.badRequest(`state must be SUCCESS or ERROR: the result of a running action (got ${state === undefined ? 'none' : `'${state}'`})`);
  }
  let output = body.output ?? null;
  if (typeof output === 'string') {
    try {
      output = JSON.parse(output);
    } catch {
      // plain text stays text
    }
  }
  return { state, output };
}
