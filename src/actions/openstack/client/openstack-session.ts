/**
 * An authenticated session with one OpenStack cloud, for the per-service clients (Nova, Cinder,
 * Glance). Written over fetch because no maintained Node OpenStack client exists (pkgcloud's last
 * code is from 2019 and lacks trust-scoped tokens and Glance v2).
 *
 * - The token comes from a TokenProvider (password login, token or trust-scoped token), which
 *   caches it until shortly before it expires; a 401 asks it once for a fresh one and retries.
 * - Endpoints come from the token's catalog, by service type, interface and region.
 * - Microversions: the preferred one is sent; when a service refuses it (406), its version
 *   document says what it supports and the highest usable version is remembered per endpoint.
 * - 429 and 503 are retried a bounded number of times, after `Retry-After` when given.
 * - Errors are OpenStackError with the HTTP status and the service's own message, never the token.
 */
import type { KeystoneToken } from '../../../identity/keystone/keystone.types';
import { OpenStackError, serviceMessageOf, type ServiceLabel } from './openstack-error';
import { chooseEndpoint, EndpointNotFound, type EndpointInterface } from './service-catalog';

/** Where a session gets its token. */
export interface TokenProvider {
  /** A valid token, cached while it lasts; `fresh`: a new one (the last was refused with 401). */
  token(fresh?: boolean): Promise<KeystoneToken>;
}

/** A microversioned API: the header's service name and the versions the client can work with. */
export interface MicroversionSpec {
  /** the service name in `OpenStack-API-Version: <name> <version>` */
  headerName: string;
  preferred: string;
  /** below this the client's requests and the results' shapes would differ: refuse */
  minimum: string;
  /** an older header some deployments still read, e.g. X-OpenStack-Nova-API-Version */
  legacyHeader?: string;
}

/** One OpenStack service as the clients address it. */
export interface ServiceSpec {
  label: ServiceLabel;
  /** catalog types, in order of preference */
  catalogTypes: readonly string[];
  /** appended to the catalog URL unless it already ends with it (Glance's catalog URL is unversioned) */
  versionPath?: string;
  microversion?: MicroversionSpec;
}

export interface SessionOptions {
  interface?: EndpointInterface;
  region?: string;
  /** time limit of one HTTP attempt (default 60 s) */
  timeoutMs?: number;
  /** retries after 429 or 503 (the service did not act), and after an unreachable service for idempotent requests; default 3 */
  maxRetries?: number;
  /** a Retry-After longer than this is cut to it (default 30 s) */
  maxRetryDelayMs?: number;
  /** delay before the first retry when the service gives no Retry-After; doubles each time (default 1 s) */
  baseRetryDelayMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** told of every HTTP attempt (the metrics): the service, method, status (null: no answer) and seconds taken */
  onCall?: (call: { service: string; method: string; status: number | null; seconds: number }) => void;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | null | undefined | Array<string | number>>;
  body?: unknown;
  /** Content-Type of the body (default application/json) */
  contentType?: string;
  signal?: AbortSignal;
  /**
   * A newer microversion this one request needs (e.g. Nova 2.93 to rebuild a volume-backed
   * server): sent as it is, without negotiation; a cloud that lacks it refuses with its message.
   */
  microversion?: string;
}

export interface OpenStackResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  /** the microversion the request was made with, when the service has them */
  microversion?: string;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Microversions the services settled on, per endpoint URL: shared by all sessions of the process. */
const negotiatedVersions = new Map<string, string>();

function versionNumber(version: string): [number, number] {
  const [major, minor] = version.split('.').map(Number);
  return [major ?? 0, minor ?? 0];
}

function compareVersions(left: string, right: string): number {
  const [a, b] = versionNumber(left);
  const [c, d] = versionNumber(right);
  return a !== c ? a - c : b - d;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export class OpenStackSession {
  private readonly interface: EndpointInterface;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryDelayMs: number;
  private readonly baseRetryDelayMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(
    private readonly tokens: TokenProvider,
    private readonly options: SessionOptions = {},
  ) {
    this.interface = options.interface ?? 'public';
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.baseRetryDelayMs = options.baseRetryDelayMs ?? 1000;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** The project the session's token is scoped to. */
  async projectId(): Promise<string | undefined> {
    return (await this.tokens.token()).project?.id;
  }

  /**
   * One API call: `path` is relative to the service's endpoint (`/servers/detail`). Resolves with
   * the parsed JSON body (null when empty) for 2xx answers.
   */
  async request<T = unknown>(service: ServiceSpec, method: string, path: string, options: RequestOptions = {}): Promise<OpenStackResponse<T>> {
    let token = await this.tokens.token();
    let reauthenticated = false;
    let attempt = 0;
    for (;;) {
      const base = this.endpointFor(service, token);
      const url = `${base}${path}${queryString(options.query)}`;
      const operation = `${method} ${path}`;
      const microversion = service.microversion ? (options.microversion ?? negotiatedVersions.get(base) ?? service.microversion.preferred) : undefined;
      const answer = await this.send(service, method, url, operation, token.token, microversion, options);
      if (answer.kind === 'unreachable') {
        if (IDEMPOTENT.has(method) && attempt < this.maxRetries) {
          await this.sleep(this.backoff(attempt++), options.signal);
          continue;
        }
        throw answer.error;
      }
      const { response, text } = answer;
      if (response.status === 401 && !reauthenticated) {
        reauthenticated = true;
        token = await this.tokens.token(true);
        continue;
      }
      if ((response.status === 429 || response.status === 503) && attempt < this.maxRetries) {
        const wait = retryAfterMs(response.headers.get('retry-after')) ?? this.backoff(attempt);
        attempt++;
        await this.sleep(Math.min(wait, this.maxRetryDelayMs), options.signal);
        continue;
      }
      if (response.status === 406 && microversion && service.microversion && !options.microversion && !negotiatedVersions.has(base)) {
        const usable = await this.negotiate(service, base, token.token, options.signal);
        if (usable !== microversion) continue;
      }
      const body = this.parse(text);
      // redirects are not followed (they would carry the token elsewhere): an answer like any error
      if (response.status >= 300) throw this.failure(service, operation, response, body, text, token.token);
      return { status: response.status, headers: response.headers, body: body as T, microversion };
    }
  }

  /**
   * Every item of a paged list, following Nova's and Cinder's `<key>_links` next links. Only a
   * link's query (marker, limit) is used, on the catalog's endpoint: behind a proxy the link's
   * host may be an internal one. More than `maxPages` pages is an error, never a silent cut.
   */
  async listAll<T = Record<string, unknown>>(service: ServiceSpec, path: string, key: string, options: RequestOptions = {}, maxPages = 200): Promise<T[]> {
    const items: T[] = [];
    let query = options.query;
    for (let page = 0; page < maxPages; page++) {
      const { body } = await this.request<Record<string, unknown>>(service, 'GET', path, { ...options, query });
      const chunk = body?.[key];
      if (!Array.isArray(chunk)) throw new OpenStackError(502, `${service.label}: GET ${path}: the answer has no '${key}' list`, { service: service.label, operation: `GET ${path}`, body });
      items.push(...(chunk as T[]));
      const links = body?.[`${key}_links`] as Array<{ rel?: string; href?: string }> | undefined;
      const next = links?.find((link) => link.rel === 'next')?.href;
      if (!next) return items;
      query = Object.fromEntries(new URL(next, 'http://next.invalid').searchParams);
    }
    throw new OpenStackError(502, `${service.label}: GET ${path}: more than ${maxPages} pages; narrow the list with filters`, { service: service.label, operation: `GET ${path}` });
  }

  private endpointFor(service: ServiceSpec, token: KeystoneToken): string {
    let url: string;
    try {
      url = chooseEndpoint(token.catalog, {
        types: service.catalogTypes,
        interface: this.interface,
        region: this.options.region,
        projectId: token.project?.id,
      });
    } catch (error) {
      if (error instanceof EndpointNotFound) {
        throw new OpenStackError(503, `${service.label}: ${error.message}`, { service: service.label, operation: 'finding the endpoint', unreachable: true });
      }
      throw error;
    }
    if (service.versionPath && !url.endsWith(service.versionPath)) url += service.versionPath;
    return url;
  }

  /**
   * After a 406: reads the service's version document and settles on the highest version it
   * supports up to the preferred one; refuses when that is below the client's minimum.
   */
  private async negotiate(service: ServiceSpec, base: string, token: string, signal?: AbortSignal): Promise<string> {
    const spec = service.microversion!;
    const candidates = [`${base}/`, `${base.replace(/\/v\d+(\.\d+)?(\/.*)?$/, '')}/`];
    let maximum: string | undefined;
    let minimum: string | undefined;
    for (const url of candidates) {
      const answer = await this.send(service, 'GET', url, `GET ${url}`, token, undefined, { signal });
      if (answer.kind !== 'answer') continue;
      const document = this.parse(answer.text) as { version?: VersionDocument; versions?: VersionDocument[] } | null;
      const major = spec.preferred.split('.')[0];
      const version =
        document?.version ?? document?.versions?.find((entry) => entry.status === 'CURRENT' && entry.version?.startsWith(`${major}.`)) ?? document?.versions?.find((entry) => entry.version?.startsWith(`${major}.`));
      if (version?.version) {
        maximum = version.version;
        minimum = version.min_version || undefined;
        break;
      }
    }
    if (!maximum) {
      throw new OpenStackError(406, `${service.label} refused microversion ${spec.preferred} and its version document could not be read`, { service: service.label, operation: 'microversion negotiation' });
    }
    const usable = compareVersions(maximum, spec.preferred) < 0 ? maximum : spec.preferred;
    if (compareVersions(usable, spec.minimum) < 0 || (minimum && compareVersions(usable, minimum) < 0)) {
      throw new OpenStackError(
        406,
        `${service.label} supports API microversions ${minimum ?? '?'} to ${maximum}; Sirocco needs ${spec.minimum} or later`,
        { service: service.label, operation: 'microversion negotiation' },
      );
    }
    negotiatedVersions.set(base, usable);
    return usable;
  }

  private async send(
    service: ServiceSpec,
    method: string,
    url: string,
    operation: string,
    token: string,
    microversion: string | undefined,
    options: RequestOptions,
  ): Promise<{ kind: 'answer'; response: Response; text: string } | { kind: 'unreachable'; error: OpenStackError }> {
    const headers: Record<string, string> = { 'X-Auth-Token': token, Accept: 'application/json', 'User-Agent': 'sirocco' };
    if (microversion && service.microversion) {
      headers['OpenStack-API-Version'] = `${service.microversion.headerName} ${microversion}`;
      if (service.microversion.legacyHeader) headers[service.microversion.legacyHeader] = microversion;
    }
    let body: string | Uint8Array | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      body = typeof options.body === 'string' || options.body instanceof Uint8Array ? options.body : JSON.stringify(options.body);
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const started = performance.now();
    const tell = (status: number | null) => this.options.onCall?.({ service: service.label.toLowerCase(), method, status, seconds: (performance.now() - started) / 1000 });
    try {
      const response = await this.fetchImpl(url, { method, headers, body, signal, redirect: 'manual' });
      const text = await response.text();
      tell(response.status);
      return { kind: 'answer', response, text };
    } catch (error) {
      tell(null);
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      const failure = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      const reason = timeout.aborted ? `no answer within ${this.timeoutMs} ms` : (failure.cause?.code ?? failure.cause?.message ?? failure.message ?? 'error');
      return {
        kind: 'unreachable',
        error: new OpenStackError(503, `${service.label}: ${operation}: ${new URL(url).origin} could not be reached (${reason})`, {
          service: service.label,
          operation,
          unreachable: true,
        }),
      };
    }
  }

  private parse(text: string): unknown {
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  private failure(service: ServiceSpec, operation: string, response: Response, body: unknown, text: string, token: string): OpenStackError {
    const hide = (value: string) => (token.length >= 8 ? value.split(token).join('***') : value);
    const serviceMessage = serviceMessageOf(body, text);
    const status = response.status;
    const message = hide(`${service.label}: HTTP ${status} on ${operation}${serviceMessage ? `: ${serviceMessage}` : ''}`);
    return new OpenStackError(status, message, {
      service: service.label,
      operation,
      serviceMessage: serviceMessage === undefined ? undefined : hide(serviceMessage),
      requestId: response.headers.get('x-openstack-request-id') ?? response.headers.get('x-compute-request-id') ?? undefined,
      body: typeof body === 'object' ? body : serviceMessage,
    });
  }

  private backoff(attempt: number): number {
    return Math.min(this.baseRetryDelayMs * 2 ** attempt, this.maxRetryDelayMs);
  }
}

interface VersionDocument {
  id?: string;
  status?: string;
  version?: string;
  min_version?: string;
}
