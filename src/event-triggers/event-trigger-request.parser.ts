import { ApiError } from '../common/api-error';
import { isUuid } from '../common/uuid';
import { jsonBody, optionalJsonObject, optionalString, type JsonBody } from '../engine/api/request-body.parser';
import type { ExecutionParams } from '../engine/workflow-execution.entity';

export interface CreateEventTriggerRequest {
  name: string;
  workflowId: string;
  exchange: string;
  topic: string;
  event: string;
  workflowInput: Record<string, unknown>;
  workflowParams: ExecutionParams;
  scope: 'private' | 'public';
}

/** What PUT may change (Mistral: everything but exchange, topic and event; its CLI sends the name). */
export interface UpdateEventTriggerRequest {
  name?: string;
  workflowInput?: Record<string, unknown>;
  workflowParams?: ExecutionParams;
  scope?: 'private' | 'public';
}

const MANDATORY = ['exchange', 'topic', 'event', 'workflow_id'] as const;
const WRITABLE = ['name', 'workflow_input', 'workflow_params', 'scope'] as const;
// shown by GET: a client that sends back what it read must not be refused for them
const READ_ONLY = ['id', 'project_id', 'created_at', 'updated_at'] as const;
const FIELDS = [...WRITABLE, ...MANDATORY, ...READ_ONLY] as const;
const UPDATE_NOT_ALLOWED = ['exchange', 'topic', 'event'] as const;

function refuseUnknown(body: JsonBody, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw ApiError.badRequest(`Unknown field(s) in the event trigger: ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
  }
}

/** A text field of at most `max` characters (Mistral's column sizes). */
function boundedString(body: JsonBody, field: string, max: number): string | undefined {
  const value = optionalString(body, field);
  if (value !== undefined && value.length > max) throw ApiError.badRequest(`${field} must be at most ${max} characters (got ${value.length})`);
  return value;
}

/** exchange and topic become AMQP names (`<topic>.<priority>` routing keys): printable, no spaces. */
function amqpName(body: JsonBody, field: string): string | undefined {
  const value = boundedString(body, field, 80);
  if (value !== undefined && value !== '' && !/^[A-Za-z0-9_.:\-]+$/.test(value)) {
    throw ApiError.badRequest(`${field} may hold only letters, digits and . _ - : (got '${value}')`);
  }
  return value;
}

function scopeField(body: JsonBody): 'private' | 'public' | undefined {
  const scope = optionalString(body, 'scope');
  if (scope === undefined) return undefined;
  if (scope !== 'private' && scope !== 'public') {
    throw ApiError.badRequest(`Invalid input for field/attribute scope. Value: '${scope}'. Value should be one of: private, public`);
  }
  return scope;
}

function paramsField(body: JsonBody): ExecutionParams | undefined {
  const params = optionalJsonObject(body, 'workflow_params');
  if (params && 'event_params' in params) {
    throw ApiError.badRequest('workflow_params.event_params is set by the trigger (the notification that fired it); leave it out');
  }
  return params as ExecutionParams | undefined;
}

/** POST /v2/event_triggers. */
export function parseCreateEventTriggerRequest(raw: unknown): CreateEventTriggerRequest {
  const body = jsonBody(raw);
  refuseUnknown(body, FIELDS);
  const exchange = amqpName(body, 'exchange');
  const topic = amqpName(body, 'topic');
  const event = boundedString(body, 'event', 80);
  const workflowId = optionalString(body, 'workflow_id');
  const given: Record<(typeof MANDATORY)[number], string | undefined> = { exchange, topic, event, workflow_id: workflowId };
  const missing = MANDATORY.filter((field) => !given[field]);
  if (missing.length > 0) {
    // Mistral's message (a Python set), then the fields missing
    throw ApiError.badRequest(
      `Params {${MANDATORY.map((field) => `'${field}'`).join(', ')}} must be provided for creating event trigger. (missing: ${missing.join(', ')})`,
    );
  }
  if (!isUuid(workflowId!)) throw ApiError.badRequest(`Invalid input for field/attribute workflow_id. Value: '${workflowId}'. Expected a uuid`);
  return {
    name: boundedString(body, 'name', 200) ?? '',
    workflowId: workflowId!.toLowerCase(),
    exchange: exchange!,
    topic: topic!,
    event: event!,
    workflowInput: optionalJsonObject(body, 'workflow_input') ?? {},
    workflowParams: paramsField(body) ?? ({} as ExecutionParams),
    scope: scopeField(body) ?? 'private',
  };
}

/** PUT /v2/event_triggers/{id}. */
export function parseUpdateEventTriggerRequest(raw: unknown): UpdateEventTriggerRequest {
  const body = jsonBody(raw);
  if (UPDATE_NOT_ALLOWED.some((field) => body[field] !== undefined && body[field] !== null && body[field] !== '')) {
    throw ApiError.badRequest(`Can not update fields [${UPDATE_NOT_ALLOWED.map((field) => `'${field}'`).join(', ')}] of event trigger.`);
  }
  if (body.workflow_id !== undefined && body.workflow_id !== null) {
    throw ApiError.badRequest("Can not update field 'workflow_id' of event trigger: delete it and create a new one");
  }
  refuseUnknown(body, [...WRITABLE, ...READ_ONLY, ...UPDATE_NOT_ALLOWED, 'workflow_id']);
  const result: UpdateEventTriggerRequest = {};
  const name = boundedString(body, 'name', 200);
  if (name !== undefined) result.name = name;
  if (body.workflow_input !== undefined) result.workflowInput = optionalJsonObject(body, 'workflow_input') ?? {};
  if (body.workflow_params !== undefined) result.workflowParams = paramsField(body) ?? ({} as ExecutionParams);
  const scope = scopeField(body);
  if (scope !== undefined) result.scope = scope;
  return result;
}
