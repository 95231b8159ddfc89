import { MAX_TIMER_MS } from '../../common/long-timer';
import { readFileSync } from 'node:fs';
import { Agent, Headers, ProxyAgent, fetch, type Dispatcher } from 'undici';
import { maskUrlCredentials, SecretMasker } from '../../common/secret-mask';
import { ActionFailure, ActionInputError, type ActionHandler } from '../action.types';

/** RFC 9110 §9.2.2: sending these twice has the effect of sending them once. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

type Parameters = Record<string, unknown>;

function objectParameter(input: Parameters, name: string): Record<string, unknown> | undefined {
  const value = input[name];
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ActionInputError(`${name} must be an object`);
  return value as Record<string, unknown>;
}

function basicAuth(auth: unknown): string | undefined {
  if (auth === null || auth === undefined || auth === '') return undefined;
  // Mistral accepts "user:password" or a [user, password] pair
  const pair = Array.isArray(auth) ? auth.map(String) : typeof auth === 'string' ? auth.split(/:(.*)/s, 2) : undefined;
  if (!pair || pair.length !== 2) throw new ActionInputError('auth must be "user:password" or [user, password]');
  return `Basic ${Buffer.from(`${pair[0]}:${pair[1]}`).toString('base64')}`;
}

/**
 * Credentials in the URL (`http://user:pass@host/`) become Basic auth when `auth` is not given, as
 * python-requests does; fetch refuses such URLs and would echo them in its error.
 */
function urlCredentials(url: URL): [string, string] | undefined {
  if (!url.username && !url.password) return undefined;
  const credentials: [string, string] = [decodeURIComponent(url.username), decodeURIComponent(url.password)];
  url.username = '';
  url.password = '';
  return credentials;
}

function requestUrl(input: Parameters): URL {
  let url: URL;
  try {
    url = new URL(String(input.url));
  } catch {
    throw new ActionInputError(`url is not a valid URL: ${maskUrlCredentials(JSON.stringify(input.url) ?? 'null')}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ActionInputError(`url must be http or https (got ${url.protocol})`);
  for (const [key, value] of Object.entries(objectParameter(input, 'params') ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
  }
  return url;
}

/** TLS and proxy choices need their own dispatcher; the default one serves everything else. */
function dispatcherFor(input: Parameters, url: URL): Dispatcher | undefined {
  const proxy = objectParameter(input, 'proxies')?.[url.protocol.slice(0, -1)];
  const verify = input.verify;
  const tls =
    verify === false || verify === 'false'
      ? { rejectUnauthorized: false }
      : typeof verify === 'string' && verify !== 'true'
        ? { ca: readFileSync(verify) } // a CA bundle path, as in requests
        : undefined;
  if (proxy) return new ProxyAgent({ uri: String(proxy), requestTls: tls, proxyTls: tls });
  return tls ? new Agent({ connect: tls }) : undefined;
}

function requestBody(input: Parameters, headers: Headers): string | undefined {
  if (input.body !== null && input.body !== undefined && input.json !== null && input.json !== undefined) {
    throw new ActionInputError("Only one of the parameters 'json' and 'body' can be specified.");
  }
  const jsonBody = input.json ?? (typeof input.body === 'object' && input.body !== null ? input.body : undefined);
  if (jsonBody !== undefined) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return JSON.stringify(jsonBody);
  }
  return input.body === null || input.body === undefined ? undefined : String(input.body);
}

/** std.http: Mistral's HTTP action over undici; result {status, headers, content}, content parsed when JSON. */
const unmaskedHttpAction: ActionHandler = {
  name: 'std.http',
  description: 'Sends an HTTP request; the result is {status, headers, content}. A status of 400 or more fails the task with that result.',
  parameters: [
    { name: 'url' },
    { name: 'method', default: 'GET' },
    { name: 'params', default: null },
    { name: 'body', default: null },
    { name: 'json', default: null },
    { name: 'headers', default: null },
    { name: 'cookies', default: null },
    { name: 'auth', default: null },
    { name: 'timeout', default: null },
    { name: 'allow_redirects', default: null },
    { name: 'proxies', default: null },
    { name: 'verify', default: null },
  ],
  isIdempotent: (input) => IDEMPOTENT_METHODS.has(String(input.method ?? 'GET').toUpperCase()),
  async run(input, context) {
    const url = requestUrl(input);
    const fromUrl = urlCredentials(url);
    const method = String(input.method ?? 'GET').toUpperCase();
    const headers = new Headers();
    for (const [key, value] of Object.entries(objectParameter(input, 'headers') ?? {})) {
      if (value !== null && value !== undefined) headers.set(key, String(value));
    }
    const authorization = basicAuth(input.auth === null || input.auth === undefined || input.auth === '' ? fromUrl : input.auth);
    if (authorization) headers.set('authorization', authorization);
    const cookies = objectParameter(input, 'cookies');
    if (cookies) headers.set('cookie', Object.entries(cookies).map(([key, value]) => `${key}=${String(value)}`).join('; '));
    const body = requestBody(input, headers);
    const signals = [context.signal];
    if (input.timeout !== null && input.timeout !== undefined) {
      const timeout = Number(input.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0) throw new ActionInputError('timeout must be a number of seconds above 0');
      signals.push(AbortSignal.timeout(Math.min(timeout * 1000, MAX_TIMER_MS)));
    }
    const dispatcher = dispatcherFor(input, url);
    let response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        body,
        redirect: input.allow_redirects === false ? 'manual' : 'follow',
        signal: AbortSignal.any(signals),
        dispatcher,
      });
      text = await response.text();
    } catch (error) {
      // the task's own timeout or a cancellation: let the engine say why
      if (context.signal.aborted) throw context.signal.reason;
      const details = error as { name?: string; message?: string; cause?: { message?: string } };
      const reason =
        details.name === 'TimeoutError'
          ? `timed out after ${String(input.timeout)} s`
          : `${details.message ?? String(error)}${details.cause?.message ? `: ${details.cause.message}` : ''}`;
      throw new ActionFailure(`Request to ${url.origin}${url.pathname} failed: ${reason}`);
    } finally {
      void dispatcher?.close();
    }
    let content: unknown = text;
    try {
      content = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: the text as it came
    }
    const result = { status: response.status, headers: Object.fromEntries(response.headers.entries()), content };
    if (response.status >= 400) {
      throw new ActionFailure(`Request to ${url.origin}${url.pathname} failed with HTTP ${response.status}`, result);
    }
    return result;
  },
};

export const httpAction: ActionHandler = {
  ...unmaskedHttpAction,
  async run(input, context) {
    // the action's own error messages never show its auth, URL or proxy passwords
    const masker = SecretMasker.of(input);
    try {
      return await unmaskedHttpAction.run(input, context);
    } catch (error) {
      if (error instanceof ActionFailure) throw new ActionFailure(masker.text(error.message), error.data);
      if (error instanceof ActionInputError) throw new ActionInputError(masker.text(error.message));
      throw error;
    }
  },
};
