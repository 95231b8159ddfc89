import { ApiError } from '../../common/api-error';

/**
 * Reading Mistral's JSON request bodies by hand: several fields (`input`, `params`, `variables`)
 * arrive either as objects or as JSON text holding an object, which a class-validator DTO cannot
 * describe. Every refusal names the field.
 */
export type JsonBody = Record<string, unknown>;

/** The body as an object; anything else (text, a list, nothing parsable) is Mistral's 400. */
export function jsonBody(body: unknown): JsonBody {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw ApiError.badRequest('Request is not in valid JSON format');
  return body as JsonBody;
}

export function optionalString(body: JsonBody, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw ApiError.badRequest(`${field} must be a string (got ${describe(value)})`);
  return value;
}

export function optionalBoolean(body: JsonBody, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw ApiError.badRequest(`${field} must be true or false (got ${describe(value)})`);
  return value;
}

/**
 * A field holding a JSON object, given as an object or as JSON text (the CLI sends text);
 * absent, null or empty text is `undefined`.
 */
export function optionalJsonObject(body: JsonBody, field: string): Record<string, unknown> | undefined {
  let value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    if (value.trim() === '') return undefined;
    try {
      value = JSON.parse(value);
    } catch {
      throw ApiError.badRequest(`${field} must be a JSON object; its text is not valid JSON`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw ApiError.badRequest(`${field} must be a JSON object (got ${describe(value)})`);
  }
  return value as Record<string, unknown>;
}

/** Refuses keys a request may not carry, naming the allowed ones as Mistral does (a Python list). */
export function onlyKeys(body: JsonBody, allowed: readonly string[], message: (allowedList: string) => string): void {
  if (Object.keys(body).some((key) => !allowed.includes(key))) {
    throw ApiError.badRequest(message(`[${allowed.map((key) => `'${key}'`).join(', ')}]`));
  }
}

/** A query flag as Mistral's clients write it: true/True/1, false/False/0 or empty. */
export function queryFlag(query: Record<string, unknown>, name: string, fallback = false): boolean {
  const raw = query[name];
  if (raw === undefined) return fallback;
  const value = String(Array.isArray(raw) ? raw[raw.length - 1] : raw).toLowerCase();
  if (value === '') return fallback;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw ApiError.badRequest(`${name} must be true or false (got '${String(raw)}')`);
}

export function queryInteger(query: Record<string, unknown>, name: string, fallback: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(Array.isArray(raw) ? raw[raw.length - 1] : raw);
  if (!Number.isInteger(value)) throw ApiError.badRequest(`${name} must be an integer (got '${String(raw)}')`);
  return value;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
