import { ApiError } from '../common/api-error';

/** The fields of an environment a request may set. */
export interface EnvironmentFields {
  name: string;
  description?: string;
  variables?: Record<string, unknown>;
  scope?: 'private' | 'public';
}

const ALLOWED_KEYS = ['name', 'description', 'variables', 'scope'];

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Reads POST/PUT /v2/environments: `variables` arrives as an object or as JSON text holding one
 * (the mistral CLI sends text). Every refusal names the field.
 */
export function parseEnvironmentFields(raw: unknown): EnvironmentFields {
  if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw ApiError.badRequest('Request is not in valid JSON format');
  }
  const body = raw as Record<string, unknown>;
  const unknown = Object.keys(body).filter((key) => !ALLOWED_KEYS.includes(key));
  if (unknown.length > 0) {
    throw ApiError.badRequest(
      `Please, check your environment definition. Only: [${ALLOWED_KEYS.map((key) => `'${key}'`).join(', ')}] are allowed.`,
    );
  }
  const name = body.name;
  if (typeof name !== 'string' || name.trim() === '') {
    throw ApiError.badRequest(`name must be a non-empty string (got ${describe(name)})`);
  }
  const fields: EnvironmentFields = { name };
  if (body.description !== undefined && body.description !== null) {
    if (typeof body.description !== 'string') throw ApiError.badRequest(`description must be a string (got ${describe(body.description)})`);
    fields.description = body.description;
  }
  if (body.scope !== undefined && body.scope !== null) {
    if (body.scope !== 'private' && body.scope !== 'public') {
      throw ApiError.badRequest(`scope must be 'private' or 'public' (got ${describe(body.scope)})`);
    }
    fields.scope = body.scope;
  }
  if (body.variables !== undefined && body.variables !== null) fields.variables = variablesObject(body.variables);
  return fields;
}

function variablesObject(raw: unknown): Record<string, unknown> {
  let value = raw;
  if (typeof value === 'string') {
    if (value.trim() === '') return {};
    try {
      value = JSON.parse(value);
    } catch {
      throw ApiError.badRequest('variables must be a JSON object; its text is not valid JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw ApiError.badRequest(`variables must be a JSON object (got ${describe(value)})`);
  }
  return value as Record<string, unknown>;
}
