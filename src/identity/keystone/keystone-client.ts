/**
 * A thin Keystone v3 client over fetch: password, token and trust-scoped authentication, token
 * validation, and trusts. Written by hand because no maintained Node OpenStack library exists
 * (see DEPENDENCIES.md). Errors carry Keystone's status and message, never a token, password or
 * trust id.
 */

export interface KeystoneServiceEndpoint {
  interface: string;
  region_id?: string | null;
  region?: string | null;
  url: string;
}

export interface KeystoneCatalogEntry {
  type: string;
  name?: string;
  endpoints: KeystoneServiceEndpoint[];
}

/** What a token says about its bearer. */
export interface KeystoneToken {
  /** the token itself: a secret */
  token: string;
  expiresAt: Date;
  user: { id: string; name: string; domainId?: string };
  project: { id: string; name: string; domainId?: string } | null;
  roles: string[];
  catalog: KeystoneCatalogEntry[];
  /** set for a trust-scoped token */
  trust: { id: string; trustorUserId: string; trusteeUserId: string; impersonation: boolean } | null;
}

export interface PasswordCredentials {
  authUrl: string;
  username: string;
  password: string;
  userDomain: string;
  /** project scope; unscoped when absent */
  project?: string;
  projectDomain?: string;
}

export interface Trust {
  id: string;
  trustorUserId: string;
  trusteeUserId: string;
  projectId: string;
  roles: string[];
  impersonation: boolean;
  expiresAt: Date | null;
}

/** Keystone answered with an error; `status` is its HTTP status. */
export class KeystoneError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KeystoneError';
  }
}

type Fetch = typeof fetch;

interface RawToken {
  expires_at: string;
  user: { id: string; name: string; domain?: { id: string } };
  project?: { id: string; name: string; domain?: { id: string } };
  roles?: Array<{ name: string }>;
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
}

/** Keystone ids are hex; a message that quotes one (a trust id) must not reach a log or a user. */
function scrub(message: string): string {
  return message.replace(/[0-9a-f]{32}/gi, '<id>');
}

function parseToken(token: string, raw: RawToken): KeystoneToken {
  const trust = raw['OS-TRUST:trust'];
  return {
    token,
    expiresAt: new Date(raw.expires_at),
    user: { id: raw.user.id, name: raw.user.name, domainId: raw.user.domain?.id },
    project: raw.project ? { id: raw.project.id, name: raw.project.name, domainId: raw.project.domain?.id } : null,
    roles: (raw.roles ?? []).map((role) => role.name),
    catalog: raw.catalog ?? [],
    trust: trust
      ? { id: trust.id, trustorUserId: trust.trustor_user.id, trusteeUserId: trust.trustee_user.id, impersonation: trust.impersonation }
      : null,
  };
}

function parseTrust(raw: RawTrust): Trust {
  return {
    id: raw.id,
    trustorUserId: raw.trustor_user_id,
    trusteeUserId: raw.trustee_user_id,
    projectId: raw.project_id,
    roles: (raw.roles ?? []).map((role) => role.name),
    impersonation: raw.impersonation,
    expiresAt: raw.expires_at ? new Date(raw.expires_at) : null,
  };
}

/** Stateless calls to one Keystone. */
export class KeystoneClient {
  readonly authUrl: string;

  constructor(
    authUrl: string,
    private readonly fetchImpl: Fetch = fetch,
    private readonly timeoutMs = 15000,
  ) {
    this.authUrl = authUrl.replace(/\/+$/, '').replace(/\/v3$/, '') + '/v3';
  }

  /** Password authentication, project-scoped when `project` is given. */
  async passwordAuth(credentials: PasswordCredentials): Promise<KeystoneToken> {
    const identity = {
      methods: ['password'],
      password: { user: { name: credentials.username, domain: { id: credentials.userDomain }, password: credentials.password } },
    };
    const scope = credentials.project
      ? { project: { name: credentials.project, domain: { id: credentials.projectDomain ?? credentials.userDomain } } }
      : undefined;
    return this.issueToken({ auth: { identity, ...(scope ? { scope } : {}) } }, 'password authentication');
  }

  /** A token scoped to a trust, for its trustee (Sirocco's service user). */
  async trustAuth(credentials: PasswordCredentials, trustId: string): Promise<KeystoneToken> {
    const identity = {
      methods: ['password'],
      password: { user: { name: credentials.username, domain: { id: credentials.userDomain }, password: credentials.password } },
    };
    return this.issueToken({ auth: { identity, scope: { 'OS-TRUST:trust': { id: trustId } } } }, 'trust-scoped authentication');
  }

  /** Validates someone's token with a service token; null when it is not (or no longer) valid. */
  async validateToken(serviceToken: string, subjectToken: string): Promise<KeystoneToken | null> {
    const response = await this.call('GET', '/auth/tokens', serviceToken, undefined, { 'X-Subject-Token': subjectToken });
    if (response.status === 404 || response.status === 401) {
      if (response.status === 401) await this.failIfServiceTokenRejected(serviceToken);
      return null;
    }
    const body = (await this.checked(response, 'token validation')) as { token: RawToken };
    return parseToken(subjectToken, body.token);
  }

  async createTrust(
    trustorToken: string,
    trust: { trustorUserId: string; trusteeUserId: string; projectId: string; roles: string[]; impersonation: boolean; expiresAt?: Date | null },
  ): Promise<Trust> {
    const body = {
      trust: {
        trustor_user_id: trust.trustorUserId,
        trustee_user_id: trust.trusteeUserId,
        project_id: trust.projectId,
        roles: trust.roles.map((name) => ({ name })),
        impersonation: trust.impersonation,
        allow_redelegation: false,
        expires_at: trust.expiresAt ? trust.expiresAt.toISOString() : null,
      },
    };
    const response = await this.call('POST', '/OS-TRUST/trusts', trustorToken, body);
    return parseTrust(((await this.checked(response, 'trust creation')) as { trust: RawTrust }).trust);
  }

  /** The trust, or null when it no longer exists. */
  async getTrust(token: string, trustId: string): Promise<Trust | null> {
    const response = await this.call('GET', `/OS-TRUST/trusts/${encodeURIComponent(trustId)}`, token);
    if (response.status === 404) return null;
    return parseTrust(((await this.checked(response, 'reading the trust')) as { trust: RawTrust }).trust);
  }

  /** Deletes a trust; one already gone is fine. */
  async deleteTrust(token: string, trustId: string): Promise<void> {
    const response = await this.call('DELETE', `/OS-TRUST/trusts/${encodeURIComponent(trustId)}`, token);
    if (response.status === 404) return;
    await this.checked(response, 'deleting the trust');
  }

  /** The id of a user, by name and domain (the trustee of triggers is the service user). */
  async userIdByName(token: string, name: string, domainId: string): Promise<string | null> {
    const query = new URLSearchParams({ name, domain_id: domainId });
    const response = await this.call('GET', `/users?${query.toString()}`, token);
    const body = (await this.checked(response, 'looking up a user')) as { users: Array<{ id: string }> };
    return body.users[0]?.id ?? null;
  }

  private async issueToken(body: unknown, what: string): Promise<KeystoneToken> {
    const response = await this.call('POST', '/auth/tokens', undefined, body);
    const parsed = (await this.checked(response, what)) as { token: RawToken };
    const token = response.headers.get('x-subject-token');
    if (!token) throw new KeystoneError(502, `Keystone ${what}: the answer carries no X-Subject-Token`);
    return parseToken(token, parsed.token);
  }

  private async failIfServiceTokenRejected(serviceToken: string): Promise<void> {
    // 401 on validation means either token is bad; only the service token's own failure is an error
    const self = await this.call('GET', '/auth/tokens', serviceToken, undefined, { 'X-Subject-Token': serviceToken });
    if (self.status === 401 || self.status === 404) throw new KeystoneError(401, "Keystone refused Sirocco's service token");
  }

  private async call(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    try {
      return await this.fetchImpl(`${this.authUrl}${path}`, {
        method,
        headers: {
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...(token ? { 'X-Auth-Token': token } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason = (error as { cause?: { code?: string }; name?: string }).cause?.code ?? (error as Error).name ?? 'error';
      throw new KeystoneError(503, `Keystone at ${this.authUrl} did not answer (${reason})`);
    }
  }

  private async checked(response: Response, what: string): Promise<unknown> {
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (response.ok) return body;
    const message = (body as { error?: { message?: string } } | null)?.error?.message ?? response.statusText;
    throw new KeystoneError(response.status, `Keystone ${what} failed: HTTP ${response.status}: ${scrub(message)}`);
  }
}

/**
 * Sirocco's own session as the service user: a project-scoped token, cached until a minute before
 * it expires, renewed once when Keystone says 401.
 */
export class ServiceSession {
  private current: KeystoneToken | null = null;
  private pending: Promise<KeystoneToken> | null = null;

  constructor(
    readonly client: KeystoneClient,
    readonly credentials: PasswordCredentials,
  ) {}

  async token(): Promise<KeystoneToken> {
    if (this.current && this.current.expiresAt.getTime() - Date.now() > 60_000) return this.current;
    this.pending ??= this.client.passwordAuth(this.credentials).finally(() => (this.pending = null));
    this.current = await this.pending;
    return this.current;
  }

  /** Runs `work` with the service token; on a 401 gets a new token and tries once more. */
  async withToken<T>(work: (token: string) => Promise<T>): Promise<T> {
    try {
      return await work((await this.token()).token);
    } catch (error) {
      if (!(error instanceof KeystoneError) || error.status !== 401) throw error;
      this.current = null;
      return work((await this.token()).token);
    }
  }
}
