/**
 * A thin, typed Keystone v3 client over fetch: password and trust-scoped authentication, token
 * validation, trusts, user lookup (no maintained Node OpenStack library exists). `KeystoneClient`
 * makes single stateless calls; `ServiceSession` (service-session.ts) is Sirocco's service user on
 * top of it.
 *
 * Errors are KeystoneError: the HTTP status and Keystone's own message, never a password, token
 * or trust id. Behaviour checked against Keystone 22 (Zed, Debian bookworm), see
 * test/peers/keystone-client.peer-spec.ts.
 */
import { KeystoneError } from './keystone-error';
import type {
  KeystoneCatalogEntry,
  KeystoneProjectRef,
  KeystoneToken,
  KeystoneTokenTrust,
  KeystoneUserRef,
  PasswordCredentials,
  Trust,
  TrustRequest,
} from './keystone.types';

export { KeystoneError, ServiceLoginError, redact } from './keystone-error';
export type { KeystoneErrorDetails } from './keystone-error';
export type * from './keystone.types';

type Fetch = typeof fetch;

interface RawRef {
  id: string;
  name: string;
  domain?: { id: string; name?: string };
}

interface RawToken {
  expires_at: string;
  issued_at?: string;
  methods?: string[];
  user: RawRef;
  project?: RawRef;
  roles?: Array<{ id?: string; name: string }>;
  catalog?: KeystoneCatalogEntry[];
  'OS-TRUST:trust'?: { id: string; trustor_user: { id: string }; trustee_user: { id: string }; impersonation: boolean };
}

interface RawTrust {
  id: string;
  trustor_user_id: string;
  trustee_user_id: string;
  project_id: string;
  roles?: Array<{ name: string }>;
  impersonation: boolean;
  expires_at: string | null;
  remaining_uses?: number | null;
}

interface Answer {
  status: number;
  statusText: string;
  headers: Headers;
  body: unknown;
}

interface CallOptions {
  token?: string;
  subjectToken?: string;
  body?: unknown;
  /** strings to keep out of error messages */
  secrets?: Array<string | undefined>;
}

function unexpected(operation: string): KeystoneError {
  return new KeystoneError(502, `Keystone ${operation}: unexpected answer`, { operation });
}

function ref(raw: RawRef): KeystoneUserRef & KeystoneProjectRef {
  const domain = raw.domain ? { id: raw.domain.id, ...(raw.domain.name ? { name: raw.domain.name } : {}) } : { id: 'default' };
  return { id: raw.id, name: raw.name, domain, domainId: domain.id };
}

function parseToken(token: string, raw: RawToken | undefined, operation: string): KeystoneToken {
  if (!raw || typeof raw.expires_at !== 'string' || !raw.user?.id) throw unexpected(operation);
  const trust = raw['OS-TRUST:trust'];
  const tokenTrust: KeystoneTokenTrust | null = trust
    ? { id: trust.id, trustorUserId: trust.trustor_user.id, trusteeUserId: trust.trustee_user.id, impersonation: trust.impersonation }
    : null;
  return {
    token,
    expiresAt: new Date(raw.expires_at),
    issuedAt: raw.issued_at ? new Date(raw.issued_at) : null,
    methods: raw.methods ?? [],
    user: ref(raw.user),
    project: raw.project ? ref(raw.project) : null,
    roles: (raw.roles ?? []).map((role) => role.name),
    catalog: raw.catalog ?? [],
    trust: tokenTrust,
  };
}

function parseTrust(raw: RawTrust | undefined, operation: string): Trust {
  if (!raw?.id) throw unexpected(operation);
  return {
    id: raw.id,
    trustorUserId: raw.trustor_user_id,
    trusteeUserId: raw.trustee_user_id,
    projectId: raw.project_id,
    roles: (raw.roles ?? []).map((role) => role.name),
    impersonation: raw.impersonation,
    expiresAt: raw.expires_at ? new Date(raw.expires_at) : null,
    remainingUses: raw.remaining_uses ?? null,
  };
}

/** Keystone's time format: microseconds and Z (it refuses a time without fractional seconds). */
function keystoneTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A domain is named by id, or by name where the credentials give a name (clouds.yaml's *_domain_name). */
function userDomainOf(credentials: PasswordCredentials): { id: string } | { name: string } {
  return credentials.userDomainName && !credentials.userDomain ? { name: credentials.userDomainName } : { id: credentials.userDomain ?? 'default' };
}

function projectDomainOf(credentials: PasswordCredentials): { id: string } | { name: string } {
  if (credentials.projectDomain) return { id: credentials.projectDomain };
  if (credentials.projectDomainName) return { name: credentials.projectDomainName };
  return userDomainOf(credentials);
}

function passwordIdentity(credentials: PasswordCredentials) {
  return {
    methods: ['password'],
    password: {
      user: { name: credentials.username, domain: userDomainOf(credentials), password: credentials.password },
    },
  };
}

/** Stateless calls to one Keystone (`authUrl` with or without the trailing /v3). */
export class KeystoneClient {
  readonly authUrl: string;
  private readonly fetchImpl: Fetch;

  constructor(
    authUrl: string,
    fetchImpl?: Fetch,
    private readonly timeoutMs = 15000,
  ) {
    this.authUrl = authUrl.replace(/\/+$/, '').replace(/\/v3$/, '') + '/v3';
    // looked up at call time, so a replaced global fetch is honoured
    this.fetchImpl = fetchImpl ?? ((input, init) => fetch(input, init));
  }

  /** Password login: project-scoped with `project` (name) or `projectId`, else unscoped. */
  async passwordAuth(credentials: PasswordCredentials): Promise<KeystoneToken> {
    const scope = credentials.projectId
      ? { project: { id: credentials.projectId } }
      : credentials.project
        ? { project: { name: credentials.project, domain: projectDomainOf(credentials) } }
        : 'unscoped'; // explicit: without a scope Keystone would pick the user's default project
    return this.issueToken('password authentication', { auth: { identity: passwordIdentity(credentials), scope } }, [credentials.password]);
  }

  /**
   * A new token from an existing one (the token method), scoped to `projectId` when given, else
   * to the same project; it carries the catalog, which a validated token may not.
   */
  async tokenAuth(token: string, projectId?: string): Promise<KeystoneToken> {
    const body = { auth: { identity: { methods: ['token'], token: { id: token } }, ...(projectId ? { scope: { project: { id: projectId } } } : {}) } };
    return this.issueToken('token authentication', body, [token]);
  }

  /** A token scoped to a trust, for its trustee, by the trustee's password. */
  async trustAuth(credentials: PasswordCredentials, trustId: string): Promise<KeystoneToken> {
    const body = { auth: { identity: passwordIdentity(credentials), scope: { 'OS-TRUST:trust': { id: trustId } } } };
    return this.issueToken('trust-scoped authentication', body, [credentials.password, trustId]);
  }

  /**
   * Validates `subjectToken` with a service token (GET /v3/auth/tokens). null when Keystone does
   * not know it as valid (404: garbage, expired, revoked, its trust gone). A 401 means Keystone
   * refused the *service* token and is thrown (ServiceSession then logs in again).
   */
  async validateToken(serviceToken: string, subjectToken: string, options: { catalog?: boolean } = {}): Promise<KeystoneToken | null> {
    const operation = 'token validation';
    const path = options.catalog === false ? '/auth/tokens?nocatalog' : '/auth/tokens';
    const answer = await this.call(operation, 'GET', path, { token: serviceToken, subjectToken, secrets: [serviceToken, subjectToken] });
    if (answer.status === 404) return null;
    this.ensureOk(operation, answer, [serviceToken, subjectToken]);
    return parseToken(subjectToken, (answer.body as { token?: RawToken } | null)?.token, operation);
  }

  /** Creates a trust with the trustor's own token (Keystone lets only the trustor do that). */
  async createTrust(trustorToken: string, request: TrustRequest): Promise<Trust> {
    const operation = 'trust creation';
    const roleNames = request.roleNames ?? request.roles ?? [];
    if (roleNames.length === 0) throw new KeystoneError(400, 'Keystone trust creation: no role to delegate', { operation });
    const body = {
      trust: {
        trustor_user_id: request.trustorUserId,
        trustee_user_id: request.trusteeUserId,
        project_id: request.projectId,
        roles: roleNames.map((name) => ({ name })),
        impersonation: request.impersonation,
        allow_redelegation: false,
        expires_at: request.expiresAt ? keystoneTime(request.expiresAt) : null,
      },
    };
    const answer = await this.call(operation, 'POST', '/OS-TRUST/trusts', { token: trustorToken, body, secrets: [trustorToken] });
    this.ensureOk(operation, answer, [trustorToken]);
    return parseTrust((answer.body as { trust?: RawTrust } | null)?.trust, operation);
  }

  /** The trust, or null when it is gone (deleted, expired, uses exhausted). Trustor, trustee or admin. */
  async getTrust(token: string, trustId: string): Promise<Trust | null> {
    const operation = 'reading a trust';
    const answer = await this.call(operation, 'GET', `/OS-TRUST/trusts/${encodeURIComponent(trustId)}`, { token, secrets: [token, trustId] });
    if (answer.status === 404) return null;
    this.ensureOk(operation, answer, [token, trustId]);
    return parseTrust((answer.body as { trust?: RawTrust } | null)?.trust, operation);
  }

  /** Trusts by trustor or trustee (the caller must be that user, or admin). */
  async listTrusts(token: string, filter: { trustorUserId?: string; trusteeUserId?: string } = {}): Promise<Trust[]> {
    const operation = 'listing trusts';
    const query = new URLSearchParams();
    if (filter.trustorUserId) query.set('trustor_user_id', filter.trustorUserId);
    if (filter.trusteeUserId) query.set('trustee_user_id', filter.trusteeUserId);
    const path = `/OS-TRUST/trusts${query.toString() ? `?${query.toString()}` : ''}`;
    const answer = await this.call(operation, 'GET', path, { token, secrets: [token] });
    this.ensureOk(operation, answer, [token]);
    const trusts = (answer.body as { trusts?: RawTrust[] } | null)?.trusts;
    if (!Array.isArray(trusts)) throw unexpected(operation);
    return trusts.map((trust) => parseTrust(trust, operation));
  }

  /**
   * Deletes a trust: true when deleted, false when it was already gone. Keystone (Zed policy)
   * lets the trustor or an admin delete it, not a plain trustee (403).
   */
  async deleteTrust(token: string, trustId: string): Promise<boolean> {
    const operation = 'trust deletion';
    const answer = await this.call(operation, 'DELETE', `/OS-TRUST/trusts/${encodeURIComponent(trustId)}`, { token, secrets: [token, trustId] });
    if (answer.status === 404) return false;
    this.ensureOk(operation, answer, [token, trustId]);
    return true;
  }

  /** A user's id by name and domain id; null when there is none. Needs an admin token. */
  async userIdByName(token: string, name: string, domainId = 'default'): Promise<string | null> {
    const operation = 'user lookup';
    const query = new URLSearchParams({ name, domain_id: domainId });
    const answer = await this.call(operation, 'GET', `/users?${query.toString()}`, { token, secrets: [token] });
    this.ensureOk(operation, answer, [token]);
    const users = (answer.body as { users?: Array<{ id: string }> } | null)?.users;
    if (!Array.isArray(users)) throw unexpected(operation);
    return users[0]?.id ?? null;
  }

  private async issueToken(operation: string, body: unknown, secrets: Array<string | undefined>): Promise<KeystoneToken> {
    const answer = await this.call(operation, 'POST', '/auth/tokens', { body, secrets });
    this.ensureOk(operation, answer, secrets);
    const token = answer.headers.get('x-subject-token');
    if (!token) throw unexpected(operation);
    return parseToken(token, (answer.body as { token?: RawToken } | null)?.token, operation);
  }

  private ensureOk(operation: string, answer: Answer, secrets: Array<string | undefined>): void {
    if (answer.status >= 200 && answer.status < 300) return;
    throw KeystoneError.fromResponse(operation, answer.status, answer.statusText, answer.body, secrets);
  }

  private async call(operation: string, method: string, path: string, options: CallOptions): Promise<Answer> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.token) headers['X-Auth-Token'] = options.token;
    if (options.subjectToken) headers['X-Subject-Token'] = options.subjectToken;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(`${this.authUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const failure = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      const reason =
        failure.name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : (failure.cause?.code ?? failure.cause?.message ?? failure.message ?? 'error');
      throw new KeystoneError(503, `Keystone ${operation}: ${this.authUrl} could not be reached (${reason})`, { operation, unreachable: true });
    }
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { status: response.status, statusText: response.statusText, headers: response.headers, body };
  }
}
