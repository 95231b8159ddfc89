import { DEFAULT_SIROCCO_URL, normaliseSiroccoUrl, type CliConfig } from './cli-config';
import { CliError, EXIT } from './cli-errors';
import { catalogSiroccoUrl, keystoneLogin, networkReason } from './keystone-login';

/** The API refused a request: its status and Mistral's `faultstring`. */
export class ApiRequestError extends CliError {
  constructor(
    readonly status: number,
    readonly faultstring: string,
  ) {
    // credentials refused or the service away: scripts tell these from a refused request
    super(`${faultstring} (HTTP ${status})`, status === 401 || status === 403 || status === 502 || status === 503 || status === 504 ? EXIT.unreachable : EXIT.failed);
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** a JSON body */
  json?: unknown;
  /** a text body (YAML definitions) */
  text?: string;
  /** a binary body (snapshot archives) */
  bytes?: Buffer;
}

async function faultOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { faultstring?: unknown; message?: unknown };
    if (typeof body.faultstring === 'string') return body.faultstring;
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 500) || response.statusText || 'no reason given';
}

/** A small client of Sirocco's /v2 API that signs in with Keystone first when credentials are set. */
export class SiroccoClient {
  private constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  static async connect(config: CliConfig, urlOption?: string): Promise<SiroccoClient> {
    const session = config.credentials ? await keystoneLogin(config.credentials, config.timeoutMs) : undefined;
    const url =
      (urlOption ? normaliseSiroccoUrl(urlOption) : undefined) ??
      config.siroccoUrl ??
      (session ? mapped(catalogSiroccoUrl(session, config.interface, config.regionName)) : undefined) ??
      DEFAULT_SIROCCO_URL;
    return new SiroccoClient(url, session?.token, config.timeoutMs);
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw CliError.unreachable(`${this.baseUrl}${path} did not answer JSON: is ${this.baseUrl} Sirocco's API (SIROCCO_URL, --url)?`);
    }
  }

  /** A binary answer (a snapshot archive). */
  async download(path: string): Promise<Buffer> {
    const response = await this.send('GET', path, {});
    return Buffer.from(await response.arrayBuffer());
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.token) headers['X-Auth-Token'] = this.token;
    let body: string | Buffer | undefined;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.text !== undefined) {
      headers['Content-Type'] = 'text/plain';
      body = options.text;
    } else if (options.bytes !== undefined) {
      headers['Content-Type'] = 'application/gzip';
      body = options.bytes;
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw CliError.unreachable(`cannot reach Sirocco at ${this.baseUrl}: ${networkReason(error)} (set SIROCCO_URL or --url)`);
    }
    if (!response.ok) throw new ApiRequestError(response.status, await faultOf(response));
    return response;
  }
}

function mapped(url: string | undefined): string | undefined {
  return url ? normaliseSiroccoUrl(url) : undefined;
}
