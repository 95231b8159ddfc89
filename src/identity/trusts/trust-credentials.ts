import type { KeystoneToken } from '../keystone/keystone-client';
import type { RequestContext } from '../request-context';

/** The trust cannot give a token (deleted, expired, the trustor lost the role, Keystone down). */
export class TrustUnavailable extends Error {}

/**
 * The delegated credentials cron triggers and API-started executions run under. In keystone mode
 * a Keystone trust from the caller to Sirocco's service user (KeystoneTrusts); in noauth mode there
 * is none (NoTrustCredentials: clouds.yaml credentials serve). Callers branch on `supportsTrusts`,
 * never on the concrete class.
 */
export interface TrustCredentials {
  /** false in noauth mode: no trust is ever made, kept or swept */
  readonly supportsTrusts: boolean;
  /** When a trigger or execution is created: the trust id, or null when the mode has no trusts. */
  createTrust(context: RequestContext): Promise<string | null>;
  /** Fire time and health checks: resolves when a token can be had, else throws TrustUnavailable. */
  verifyTrust(trustId: string): Promise<void>;
  /** Deletes the trust; a trust already gone is not an error. */
  deleteTrust(trustId: string): Promise<void>;
  /** A token that acts as the trustor in the trust's project; throws TrustUnavailable. */
  tokenFor(trustId: string, fresh?: boolean): Promise<KeystoneToken>;
  /** A token like the caller's (same user and project) that carries the service catalog. */
  exchangeToken(callerToken: string, projectId: string): Promise<KeystoneToken>;
}

export const TRUST_CREDENTIALS = Symbol('TRUST_CREDENTIALS');

/** noauth: no trusts; every trigger runs with the service's own (clouds.yaml) credentials. */
export class NoTrustCredentials implements TrustCredentials {
  readonly supportsTrusts = false;

  async createTrust(): Promise<string | null> {
    return null;
  }

  async verifyTrust(): Promise<void> {}

  async deleteTrust(): Promise<void> {}

  tokenFor(): Promise<KeystoneToken> {
    return Promise.reject(new TrustUnavailable('noauth mode has no Keystone trusts'));
  }

  exchangeToken(): Promise<KeystoneToken> {
    return Promise.reject(new TrustUnavailable('noauth mode has no Keystone tokens'));
  }
}
