/**
 * Sirocco's service user in Keystone: keeps its own token, validates callers' tokens (cached) and
 * uses trusts, through the stateless KeystoneClient. Errors are KeystoneError (ServiceLoginError
 * when Keystone refuses the service user's own credentials).
 */
import { createHash } from 'node:crypto';
import type { KeystoneClient } from './keystone-client';
import { KeystoneError, ServiceLoginError } from './keystone-error';
import type { KeystoneToken, PasswordCredentials, Trust, TrustRequest, ValidatedToken } from './keystone.types';

export interface ServiceSessionOptions {
  /** renew the service token this long before it expires (default 60 s, at most half its lifetime) */
  refreshMarginMs?: number;
  /** how many validated tokens are cached (default 1000); the least recently used go first */
  validationCacheSize?: number;
  /** cache a validation at most this long (default: until the token expires) */
  validationCacheMaxAgeMs?: number;
  /** the clock (tests) */
  now?: () => number;
}

interface CachedValidation {
  value: ValidatedToken;
  until: number;
}

/** Cache keys: a digest, so the cache holds no usable token. */
function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function validated(token: KeystoneToken): ValidatedToken {
  return {
    user: token.user,
    project: token.project,
    roles: token.roles,
    expiresAt: token.expiresAt,
    isAdmin: token.roles.includes('admin'),
    trust: token.trust,
  };
}

/**
 * Sirocco's service user (the trustee of cron triggers' trusts): logs in with its password and
 * keeps that project-scoped token until shortly before it expires; a call that gets 401 with it
 * logs in again and is retried once.
 */
export class ServiceSession {
  private current: KeystoneToken | null = null;
  private renewAt = 0;
  private pending: Promise<KeystoneToken> | null = null;
  private readonly validations = new Map<string, CachedValidation>();
  private readonly validating = new Map<string, Promise<ValidatedToken | null>>();
  private readonly refreshMarginMs: number;
  private readonly validationCacheSize: number;
  private readonly validationCacheMaxAgeMs: number;
  private readonly now: () => number;

  constructor(
    readonly client: KeystoneClient,
    readonly credentials: PasswordCredentials,
    options: ServiceSessionOptions = {},
  ) {
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.validationCacheSize = Math.max(1, options.validationCacheSize ?? 1000);
    this.validationCacheMaxAgeMs = options.validationCacheMaxAgeMs ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
  }

  /** The service token, from cache or from a new login (concurrent callers share one login). */
  async token(): Promise<KeystoneToken> {
    if (this.current && this.now() < this.renewAt) return this.current;
    this.pending ??= this.client
      .passwordAuth(this.credentials)
      .then((token) => {
        const now = this.now();
        const lifetime = token.expiresAt.getTime() - now;
        this.current = token;
        this.renewAt = token.expiresAt.getTime() - Math.min(this.refreshMarginMs, Math.max(0, lifetime / 2));
        return token;
      })
      .catch((error: unknown) => {
        // Keystone refused our own credentials (401, or 400/404 for a wrong project or domain)
        if (error instanceof KeystoneError && !error.unreachable && error.status >= 400 && error.status < 500) throw new ServiceLoginError(error);
        throw error;
      })
      .finally(() => (this.pending = null));
    return this.pending;
  }

  /** Forgets the service token: the next call logs in again. */
  invalidate(): void {
    this.current = null;
    this.renewAt = 0;
  }

  /** Runs `work` with the service token; on a 401 logs in again and runs it once more. */
  async withToken<T>(work: (serviceToken: string) => Promise<T>): Promise<T> {
    const used = await this.token();
    try {
      return await work(used.token);
    } catch (error) {
      if (!(error instanceof KeystoneError) || error.status !== 401) throw error;
      if (this.current === used) this.invalidate(); // unless someone already renewed it
      return work((await this.token()).token);
    }
  }

  /** The service user's id (from its own token: no extra call). */
  async serviceUserId(): Promise<string> {
    return (await this.token()).user.id;
  }

  /**
   * Someone's token as Keystone sees it, or null when it is not valid. Answers are cached until
   * the token expires (see validationCacheMaxAgeMs), keyed by a digest of the token.
   */
  async validateToken(subjectToken: string): Promise<ValidatedToken | null> {
    const key = digest(subjectToken);
    const cached = this.validations.get(key);
    if (cached) {
      this.validations.delete(key);
      if (cached.until > this.now()) {
        this.validations.set(key, cached); // most recently used last
        return cached.value;
      }
    }
    const inFlight = this.validating.get(key);
    if (inFlight) return inFlight;
    const work = this.withToken((serviceToken) => this.client.validateToken(serviceToken, subjectToken, { catalog: false }))
      .then((token) => {
        if (!token) return null;
        const value = validated(token);
        this.remember(key, value);
        return value;
      })
      .finally(() => this.validating.delete(key));
    this.validating.set(key, work);
    return work;
  }

  /** Drops a token's cached validation (e.g. after revoking it). */
  forgetToken(subjectToken: string): void {
    this.validations.delete(digest(subjectToken));
  }

  /** How many validations are cached. */
  get cachedValidations(): number {
    return this.validations.size;
  }

  /** A trust from the caller (trustor) to a trustee, with the caller's own token. */
  createTrust(callerToken: string, request: TrustRequest): Promise<Trust> {
    return this.client.createTrust(callerToken, request);
  }

  /** The trust (read as its trustee), or null when it is gone. */
  getTrust(trustId: string): Promise<Trust | null> {
    return this.withToken((serviceToken) => this.client.getTrust(serviceToken, trustId));
  }

  /**
   * Deletes a trust: true when deleted, false when already gone. With the service token unless
   * `token` (e.g. the trustor's) is given; the service token works because the service user holds
   * the admin role: a trustee without it gets 403.
   */
  deleteTrust(trustId: string, token?: string): Promise<boolean> {
    if (token) return this.client.deleteTrust(token, trustId);
    return this.withToken((serviceToken) => this.client.deleteTrust(serviceToken, trustId));
  }

  /**
   * A fresh token scoped to the trust, by the service user's password (a new login each call, so it
   * never depends on the cached service token). With impersonation its user is the trustor.
   * 401 when the trust was deleted or expired, 403 when the trustor lost a delegated role.
   */
  trustScopedToken(trustId: string): Promise<KeystoneToken> {
    return this.client.trustAuth(this.credentials, trustId);
  }

  /** A user's id by name (default: the service user's domain); needs the service user's admin role. */
  lookupUserIdByName(name: string, domainId = this.credentials.userDomain ?? 'default'): Promise<string | null> {
    return this.withToken((serviceToken) => this.client.userIdByName(serviceToken, name, domainId));
  }

  private remember(key: string, value: ValidatedToken): void {
    const until = Math.min(value.expiresAt.getTime(), this.now() + this.validationCacheMaxAgeMs);
    if (!(until > this.now())) return;
    this.validations.delete(key);
    while (this.validations.size >= this.validationCacheSize) {
      const oldest = this.validations.keys().next().value;
      if (oldest === undefined) break;
      this.validations.delete(oldest);
    }
    this.validations.set(key, { value, until });
  }
}
