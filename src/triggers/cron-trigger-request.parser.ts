import { ApiError } from '../common/api-error';
import { jsonBody, optionalBoolean, optionalJsonObject, optionalString, type JsonBody } from '../engine/api/request-body.parser';
import type { ExecutionParams } from '../engine/workflow-execution.entity';
import type { MisfirePolicy, OverlapPolicy } from './cron-trigger.entity';

/** The schedule and policies a trigger may be created or updated with. */
export interface TriggerSettings {
  pattern?: string | null;
  timezone?: string;
  workflowInput?: Record<string, unknown>;
  workflowParams?: ExecutionParams;
  enabled?: boolean;
  misfirePolicy?: MisfirePolicy;
  catchUpWindow?: number;
  overlapPolicy?: OverlapPolicy;
  jitter?: number;
}

export interface CreateTriggerRequest extends TriggerSettings {
  name: string;
  workflowName?: string;
  workflowId?: string;
  namespace: string;
  firstExecutionTime?: string;
  remainingExecutions?: number;
  scope: 'private' | 'public';
}

const SETTINGS_FIELDS = [
  'pattern', 'timezone', 'workflow_input', 'workflow_params', 'enabled',
  'misfire_policy', 'catch_up_window', 'overlap_policy', 'jitter',
] as const;
const CREATE_FIELDS = [
  'name', 'workflow_name', 'workflow_id', 'workflow_namespace', 'first_execution_time', 'remaining_executions', 'scope',
  ...SETTINGS_FIELDS,
  // shown by GET; a client that sends back what it read must not be refused for it
  'id', 'project_id', 'next_execution_time', 'created_at', 'updated_at',
] as const;

function refuseUnknown(body: JsonBody, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw ApiError.badRequest(`Unknown field(s) in the cron trigger: ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
  }
}

/** Mistral's wording for a bad integer attribute. */
/** remaining_executions given as a numeric string ("42"): Mistral converts it, so Sirocco does too. */
function remainingExecutionsField(body: JsonBody): number | undefined {
  const value = body.remaining_executions;
  const numeric = typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value;
  return integerField({ ...body, remaining_executions: numeric }, 'remaining_executions', 1);
}

function integerField(body: JsonBody, field: string, min: number, max = 2 ** 31 - 1): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw ApiError.badRequest(
      `Invalid input for field/attribute ${field}. Value: '${String(value)}'. Value should be an integer ` +
        (max < 2 ** 31 - 1 ? `from ${min} to ${max}` : `greater or equal to ${min}`),
    );
  }
  return value;
}

function choice<T extends string>(body: JsonBody, field: string, choices: readonly T[]): T | undefined {
  const value = optionalString(body, field);
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) throw ApiError.badRequest(`${field} must be one of ${choices.join(', ')} (got '${value}')`);
  return value as T;
}

function settings(body: JsonBody): TriggerSettings {
  const result: TriggerSettings = {};
  if ('pattern' in body) {
    const pattern = optionalString(body, 'pattern');
    result.pattern = pattern === undefined || pattern.trim() === '' ? null : pattern.trim();
  }
  const timezone = optionalString(body, 'timezone');
  if (timezone !== undefined) result.timezone = timezone;
  const input = optionalJsonObject(body, 'workflow_input');
  if (input !== undefined || 'workflow_input' in body) result.workflowInput = input ?? {};
  const params = optionalJsonObject(body, 'workflow_params');
  if (params !== undefined || 'workflow_params' in body) result.workflowParams = (params ?? {}) as ExecutionParams;
  const enabled = optionalBoolean(body, 'enabled');
  if (enabled !== undefined) result.enabled = enabled;
  const misfire = choice(body, 'misfire_policy', ['run_once', 'skip', 'catch_up'] as const);
  if (misfire) result.misfirePolicy = misfire;
  const window = integerField(body, 'catch_up_window', 1, 31 * 24 * 3600);
  if (window !== undefined) result.catchUpWindow = window;
  const overlap = choice(body, 'overlap_policy', ['allow', 'skip'] as const);
  if (overlap) result.overlapPolicy = overlap;
  const jitter = integerField(body, 'jitter', 0, 24 * 3600);
  if (jitter !== undefined) result.jitter = jitter;
  return result;
}

/** POST /v2/cron_triggers. Schedule checks (pattern, zone, first time) happen in the service. */
export function parseCreateTriggerRequest(raw: unknown): CreateTriggerRequest {
  const body = jsonBody(raw);
  refuseUnknown(body, CREATE_FIELDS);
  const name = optionalString(body, 'name');
  if (!name || name.trim() === '') throw ApiError.badRequest('name is required');
  if (name.length > 255) throw ApiError.badRequest('name must be at most 255 characters');
  const workflowName = optionalString(body, 'workflow_name');
  const workflowId = optionalString(body, 'workflow_id');
  if (!workflowName && !workflowId) throw ApiError.badRequest('workflow_name or workflow_id is required');
  const remainingExecutions = remainingExecutionsField(body);
  const scope = choice(body, 'scope', ['private', 'public'] as const) ?? 'private';
  const firstExecutionTime = optionalString(body, 'first_execution_time');
  return {
    name,
    workflowName,
    workflowId,
    namespace: optionalString(body, 'workflow_namespace') ?? '',
    firstExecutionTime: firstExecutionTime === '' ? undefined : firstExecutionTime,
    remainingExecutions,
    scope,
    ...settings(body),
  };
}

/** PUT / PATCH /v2/cron_triggers/{name}: what may change in place (the trust is kept). */
export function parseUpdateTriggerRequest(raw: unknown): TriggerSettings & { remainingExecutions?: number } {
  const body = jsonBody(raw);
  refuseUnknown(body, [...SETTINGS_FIELDS, 'remaining_executions']);
  const remainingExecutions = remainingExecutionsField(body);
  return { ...settings(body), ...(remainingExecutions !== undefined ? { remainingExecutions } : {}) };
}
