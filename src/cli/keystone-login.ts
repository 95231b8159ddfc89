import type { KeystoneCredentials } from './cli-config';
import { CliError } from './cli-errors';

/** A Keystone token and, when Keystone issued it here, its service catalog. */
export interface KeystoneSession {
  token: string;
  catalog: CatalogEntry[];
}

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
}

/** `http://keystone:5000` and `http://keystone:5000/v3/` both mean the v3 API root. */
function v3Root(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

function domain(name?: string, id?: string): Record<string, string> {
  if (id) return { id };
  return { name: name ?? 'Default' };
}

function authBody(credentials: Exclude<KeystoneCredentials, { kind: 'token' }>): unknown {
  if (credentials.kind === 'application_credential') {
    const credential = credentials.id
      ? { id: credentials.id, secret: credentials.secret }
      : { name: credentials.name, secret: credentials.secret, user: { name: credentials.username, domain: domain(credentials.userDomainName) } };
    return { auth: { identity: { methods: ['application_credential'], application_credential: credential } } };
  }
  const user = credentials.userId
    ? { id: credentials.userId, password: credentials.password }
    : { name: credentials.username, password: credentials.password, domain: domain(credentials.userDomainName, credentials.userDomainId) };
  const project = credentials.projectId
    ? { id: credentials.projectId }
    : credentials.projectName
      ? { name: credentials.projectName, domain: domain(credentials.projectDomainName, credentials.projectDomainId) }
      : undefined;
  return {
    auth: { identity: { methods: ['password'], password: { user } }, ...(project ? { scope: { project } } : {}) },
  };
}

/** Keystone's error text, never the request (which holds the password). */
async function keystoneReason(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    if (body.error?.message) return body.error.message;
  } catch {
    // not JSON: the status says enough
  }
  return `HTTP ${response.status}`;
}

/** Gets a token as the openstack CLI does (POST /v3/auth/tokens); OS_TOKEN is used as it is. */
export async function keystoneLogin(credentials: KeystoneCredentials, timeoutMs: number): Promise<KeystoneSession> {
  if (credentials.kind === 'token') return { token: credentials.token, catalog: [] };
  const url = `${v3Root(credentials.authUrl)}/auth/tokens`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(authBody(credentials)),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw CliError.unreachable(`cannot reach Keystone at ${url}: ${networkReason(error)}`);
  }
  if (!response.ok) {
    throw CliError.unreachable(`Keystone refused the credentials (${response.status}): ${await keystoneReason(response)}`);
  }
  const token = response.headers.get('x-subject-token');
  if (!token) throw CliError.unreachable(`Keystone answered ${url} without a token (no X-Subject-Token header)`);
  const body = (await response.json().catch(() => ({}))) as { token?: { catalog?: CatalogEntry[] } };
  return { token, catalog: body.token?.catalog ?? [] };
}

/** Sirocco's endpoint in the catalog (Mistral's service type `workflowv2`), if Keystone lists it. */
export function catalogSiroccoUrl(session: KeystoneSession, endpointInterface: string, region?: string): string | undefined {
  const service = session.catalog.find((entry) => entry.type === 'workflowv2' || entry.type === 'workflow');
  const endpoint = service?.endpoints.find(
    (candidate) => candidate.interface === endpointInterface && (!region || candidate.region === region || candidate.region_id === region),
  );
  return endpoint?.url;
}

/** The cause of a failed fetch, in a few words (undici hides it in `cause`). */
export function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
