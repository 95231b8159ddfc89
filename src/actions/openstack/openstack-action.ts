import { ActionFailure, ActionInputError, type ActionHandler, type ActionParameter } from '../action.types';
import type { OpenStackClients } from './client/openstack-clients';
import { OpenStackError } from './client/openstack-error';
import type { ExecutionCredentials } from './execution-credentials';

/** An OpenStack action: Mistral's name and parameters, and what it does with the clients. */
export interface OpenStackActionSpec {
  name: string;
  description: string;
  parameters: ActionParameter[];
  /** takes any other keyword (Python's `**kwargs`) */
  acceptsOtherParameters?: boolean;
  /** running it twice is harmless (reads); see ActionHandler.isIdempotent */
  idempotent: boolean;
  run(clients: OpenStackClients, input: Record<string, unknown>, signal: AbortSignal): Promise<unknown>;
}

/**
 * What a failed OpenStack action leaves as its task's result (`$task().result`), e.g.
 * `{"message": "Nova: HTTP 404 on GET /servers/x: Instance x could not be found.", "status": 404,
 * "service": "Nova", "service_message": "Instance x could not be found.", "request_id": "req-..."}`.
 */
export interface OpenStackFailureResult {
  message: string;
  status: number | null;
  service: string | null;
  service_message: string | null;
  request_id: string | null;
}

export function failureOf(error: unknown): ActionFailure {
  if (error instanceof ActionFailure || error instanceof ActionInputError) {
    if (error instanceof ActionFailure && error.data !== undefined) return error;
    return new ActionFailure(error.message, { message: error.message, status: null, service: null, service_message: null, request_id: null } satisfies OpenStackFailureResult);
  }
  if (error instanceof OpenStackError) {
    const data: OpenStackFailureResult = {
      message: error.message,
      status: error.status,
      service: error.service,
      service_message: error.serviceMessage ?? null,
      request_id: error.requestId ?? null,
    };
    return new ActionFailure(error.message, data);
  }
  throw error; // an abort (timeout, cancel, shutdown) or a bug: the engine handles those itself
}

/** Mistral's OpenStack actions all take `action_region`: the catalog region to act in. */
const ACTION_REGION: ActionParameter = { name: 'action_region', default: '' };

/** ActionHandlers for specs, acting with the credentials of the execution that runs them. */
export function openstackActions(credentials: ExecutionCredentials, specs: OpenStackActionSpec[]): ActionHandler[] {
  return specs.map((spec) => ({
    name: spec.name,
    description: spec.description,
    parameters: [...spec.parameters, ACTION_REGION],
    acceptsOtherParameters: spec.acceptsOtherParameters,
    isIdempotent: () => spec.idempotent,
    async run(input, context) {
      const { action_region: region, ...rest } = input;
      try {
        const clients = await credentials.clientsFor(context.workflowExecutionId, region ? String(region) : undefined, context.caller);
        const result = await spec.run(clients, rest, context.signal);
        return result === undefined ? null : result;
      } catch (error) {
        throw failureOf(error);
      }
    },
  }));
}

// --- reading the input ---------------------------------------------------------------------------

/** What a wrong value is, for a message: its kind, never its content (it may be a password). */
function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

/** An id parameter: a string, or an object with an `id` (a server or volume the workflow holds). */
export function idOf(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') return (value as { id: string }).id;
  throw new ActionInputError(`${name} must be an id (a non-empty string) or an object with an id (got ${describe(value)})`);
}

export function optionalText(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new ActionInputError(`${name} must be a string (got ${describe(value)})`);
}

export function requiredText(input: Record<string, unknown>, name: string): string {
  const value = optionalText(input, name);
  if (value === undefined) throw new ActionInputError(`${name} is required`);
  return value;
}

export function optionalObject(input: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = input[name];
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new ActionInputError(`${name} must be a mapping (got ${describe(value)})`);
}

/** Metadata / properties: a mapping whose values are sent as strings (what Nova and Cinder store). */
export function optionalStringMap(input: Record<string, unknown>, name: string): Record<string, string> | undefined {
  const map = optionalObject(input, name);
  if (!map) return undefined;
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
}

export function optionalInteger(input: Record<string, unknown>, name: string): number | undefined {
  const value = input[name];
  if (value === null || value === undefined || value === '') return undefined;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) throw new ActionInputError(`${name} must be a whole number (got ${describe(value)})`);
  return number;
}

export function flag(input: Record<string, unknown>, name: string): boolean {
  const value = input[name];
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined) return false;
  if (value === 'true' || value === 'True') return true;
  if (value === 'false' || value === 'False') return false;
  throw new ActionInputError(`${name} must be true or false (got ${describe(value)})`);
}

/**
 * python-*client's `find(**kwargs)`: the one object whose attributes equal every keyword;
 * none → 404 "No Server matching {...}", several → 409 "Multiple Server matches found".
 */
export function findOne<T extends Record<string, unknown>>(service: OpenStackError['service'], kind: string, candidates: T[], criteria: Record<string, unknown>): T {
  const matches = candidates.filter((candidate) => Object.entries(criteria).every(([key, wanted]) => sameValue(candidate[key], wanted)));
  const shown = `{${Object.entries(criteria)
    .map(([key, value]) => `'${key}': ${JSON.stringify(value)}`)
    .join(', ')}}`;
  if (matches.length === 0) {
    throw new OpenStackError(404, `No ${kind} matching ${shown}. (HTTP 404)`, { service, operation: `finding a ${kind}`, serviceMessage: `No ${kind} matching ${shown}.` });
  }
  if (matches.length > 1) {
    throw new OpenStackError(409, `Multiple ${kind} matches found for ${shown}, use an ID to be more specific.`, { service, operation: `finding a ${kind}` });
  }
  return matches[0]!;
}

function sameValue(actual: unknown, wanted: unknown): boolean {
  if (actual === wanted) return true;
  if (actual === undefined || actual === null || wanted === null || wanted === undefined) return false;
  if (typeof actual === 'object' || typeof wanted === 'object') return JSON.stringify(actual) === JSON.stringify(wanted);
  return String(actual) === String(wanted);
}

/** Keywords with a value (Mistral passes every declared parameter; null means "not given"). */
export function given(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined));
}

/** The keywords a `*_find` action matches on: at least one (e.g. `name=vm1`), as one object is wanted. */
export function findCriteria(input: Record<string, unknown>, action: string, example: string): Record<string, unknown> {
  const criteria = given(input);
  if (Object.keys(criteria).length === 0) throw new ActionInputError(`${action} needs at least one attribute to match, e.g. ${example}`);
  return criteria;
}

/**
 * Copies the text parameters that were given into a request body: `name` under its own name,
 * `[parameter, field]` under the API's field name.
 */
export function copyTexts(input: Record<string, unknown>, body: Record<string, unknown>, parameters: Array<string | [parameter: string, field: string]>): void {
  for (const entry of parameters) {
    const [parameter, field] = typeof entry === 'string' ? [entry, entry] : entry;
    const value = optionalText(input, parameter);
    if (value !== undefined) body[field] = value;
  }
}

/** A listing cut to the `limit` parameter (the services page with it; the actions read every page). */
export function limited<T>(items: T[], input: Record<string, unknown>): T[] {
  const limit = optionalInteger(input, 'limit');
  return limit === undefined ? items : items.slice(0, limit);
}
