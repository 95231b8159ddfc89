/**
 * Shared plumbing of the fake OpenStack cloud: request/response types, API errors, a tiny
 * router, microversion parsing and the value formats the real services use (timestamps, ids,
 * Python-style reprs in validation messages).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type ServiceName = 'identity' | 'compute' | 'image' | 'volume';

/** Who is calling, from a valid token. */
export interface AuthContext {
  tokenId: string;
  /** the effective user (the trustor for an impersonating trust token) */
  userId: string;
  userName: string;
  /** undefined for an unscoped token */
  projectId?: string;
  projectName?: string;
  roles: string[];
  isAdmin: boolean;
  trustId?: string;
}

export interface FakeRequest {
  method: string;
  service: ServiceName;
  /** path and query exactly as received, e.g. /compute/v2.1/servers?name=x */
  rawUrl: string;
  /** the path inside the service prefix, without query: /v2.1/servers/abc (compute), /v2/images (image) */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** set by the service once the token is known (for the request log) */
  ctx?: AuthContext;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** An error answer; each service renders it in its own body format. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function header(req: FakeRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): FakeResponse {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function empty(status: number, headers: Record<string, string> = {}): FakeResponse {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: '' };
}

/** The JSON body, or the given error when it is not JSON. */
export function parseJson(req: FakeRequest, malformed: () => ApiError): unknown {
  const text = req.body.toString('utf8');
  if (!text.trim()) throw malformed();
  try {
    return JSON.parse(text);
  } catch {
    throw malformed();
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// routing

type Params = Record<string, string>;
export type Handler = (req: FakeRequest, params: Params) => FakeResponse | Promise<FakeResponse>;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

/** Routes by method and path pattern (`/servers/:id/action`); 405 when only the method is wrong. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, segments: split(pattern), handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: Params } | 'method' | undefined {
    const parts = split(path);
    let methodMismatch = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { handler: route.handler, params };
      methodMismatch = true;
    }
    return methodMismatch ? 'method' : undefined;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((part) => part.length > 0);
}

function matchSegments(pattern: string[], parts: string[]): Params | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Params = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = parts[i]!;
    if (expected.startsWith(':')) {
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        params[expected.slice(1)] = actual;
      }
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

// ---------------------------------------------------------------------------------------------
// microversions

export interface Microversion {
  major: number;
  minor: number;
  text: string;
}

/**
 * The microversion asked for in `OpenStack-API-Version: <service> X.Y` (or a legacy header),
 * `latest` meaning the maximum. Throws 400 for a malformed one and 406 outside [min, max].
 */
export function requestedMicroversion(
  req: FakeRequest,
  serviceName: string,
  min: string,
  max: string,
  legacyHeader?: string,
): Microversion {
  let requested: string | undefined;
  const value = header(req, 'openstack-api-version');
  if (value) {
    for (const entry of value.split(',')) {
      const [name, version] = entry.trim().split(/\s+/);
      if (name?.toLowerCase() === serviceName && version) requested = version;
    }
  }
  if (requested === undefined && legacyHeader) requested = header(req, legacyHeader)?.trim() || undefined;
  if (requested === undefined) requested = min;
  if (requested.toLowerCase() === 'latest') requested = max;
  const match = /^(\d+)\.(\d+)$/.exec(requested);
  if (!match) {
    throw new ApiError(400, `API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`);
  }
  const version = { major: Number(match[1]), minor: Number(match[2]), text: `${Number(match[1])}.${Number(match[2])}` };
  if (compare(version, parse(min)) < 0 || compare(version, parse(max)) > 0) {
    throw new ApiError(406, `Version ${requested} is not supported by the API. Minimum is ${min} and maximum is ${max}.`);
  }
  return version;
}

function parse(text: string): Microversion {
  const [major, minor] = text.split('.').map(Number);
  return { major: major ?? 0, minor: minor ?? 0, text };
}

function compare(a: Microversion, b: Microversion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

/** version >= "X.Y" */
export function atLeast(version: Microversion, text: string): boolean {
  return compare(version, parse(text)) >= 0;
}

// ---------------------------------------------------------------------------------------------
// identifiers and formats

export const uuid = (): string => randomUUID();
export const hexId = (): string => randomUUID().replace(/-/g, '');
export const requestId = (): string => `req-${randomUUID()}`;

export function opaqueToken(): string {
  return `gAAAAAB${randomBytes(96).toString('base64url')}`;
}

export function auditId(): string {
  return randomBytes(16).toString('base64url');
}

export function password(length = 12): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(length);
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('');
}

export function md5(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

export function sha512(data: Buffer | string): string {
  return createHash('sha512').update(data).digest('hex');
}

export function sha224(data: string): string {
  return createHash('sha224').update(data).digest('hex');
}

/** 2026-11-22T14:23:39Z (Nova, Glance) */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** 2026-11-22T14:23:39.000000 (Nova launched_at, no zone) */
export function isoZeroMicros(date: Date): string {
  return `${date.toISOString().slice(0, 19)}.000000`;
}

/** 2026-11-22T14:24:07.462000 (Cinder, no zone) */
export function isoMicros(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000`;
}

/** 2026-11-22T15:22:37.000000Z (Keystone) */
export function keystoneTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}.000000Z`;
}

/** A Python repr, as the services print request values in validation messages. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (value.includes("'") && !value.includes('"')) return `"${value.replace(/\\/g, '\\\\')}"`;
    return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (isObject(value)) return `{${Object.entries(value).map(([key, item]) => `${pyRepr(key)}: ${pyRepr(item)}`).join(', ')}}`;
  return String(value);
}

/** json.dumps with Python's default separators (", " and ": "), for JSON held in string properties. */
export function pyJsonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  if (isObject(value)) return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${pyJsonDumps(item)}`).join(', ')}}`;
  return JSON.stringify(value ?? null);
}

export function htmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

export const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  300: 'Multiple Choices',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Nova and Cinder name the single key of an error body after the fault. */
export function faultName(status: number): string {
  switch (status) {
    case 400:
      return 'badRequest';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'itemNotFound';
    case 405:
      return 'badMethod';
    case 409:
      return 'conflictingRequest';
    case 413:
    case 429:
      return 'overLimit';
    case 415:
      return 'badMediaType';
    case 501:
      return 'notImplemented';
    case 503:
      return 'serviceUnavailable';
    default:
      return 'computeFault';
  }
}

/** The message keystonemiddleware answers with when a token is missing or invalid. */
export const AUTH_REQUIRED = 'The request you have made requires authentication.';

/** keystonemiddleware's 401 body (Nova, Cinder). */
export function keystoneMiddleware401(authUrl: string): FakeResponse {
  return json(401, { error: { code: 401, title: 'Unauthorized', message: AUTH_REQUIRED } }, { 'WWW-Authenticate': `Keystone uri="${authUrl}"` });
}

/** Parses a boolean the way oslo's bool_from_string(strict) does; undefined when unreadable. */
export function boolFrom(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  const lowered = value.trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(lowered)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(lowered)) return false;
  return undefined;
}

/** Sort helper: -1/0/1 for two values where null/undefined sort first. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : 1;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Parses `sort=key:dir,key2` or sort_key/sort_dir pairs into [key, dir] tuples. */
export function sortSpec(query: URLSearchParams, defaultDir: 'asc' | 'desc' = 'desc'): Array<[string, 'asc' | 'desc']> | { error: string } {
  const result: Array<[string, 'asc' | 'desc']> = [];
  const sort = query.get('sort');
  const keys = query.getAll('sort_key').flatMap((key) => key.split(','));
  const dirs = query.getAll('sort_dir').flatMap((dir) => dir.split(','));
  if (sort !== null && (keys.length > 0 || dirs.length > 0)) return { error: 'combined' };
  if (sort !== null) {
    for (const part of sort.split(',')) {
      const [key, dir] = part.split(':').map((item) => item.trim());
      if (!key) continue;
      const direction = (dir || defaultDir).toLowerCase();
      if (direction !== 'asc' && direction !== 'desc') return { error: `dir:${dir}` };
      result.push([key, direction]);
    }
    return result;
  }
  keys.forEach((key, index) => {
    const direction = (dirs[index] ?? dirs[0] ?? defaultDir).toLowerCase();
    result.push([key.trim(), direction === 'asc' ? 'asc' : direction === 'desc' ? 'desc' : (direction as 'asc')]);
  });
  for (const dir of dirs) {
    if (dir.toLowerCase() !== 'asc' && dir.toLowerCase() !== 'desc') return { error: `dir:${dir}` };
  }
  return result;
}
