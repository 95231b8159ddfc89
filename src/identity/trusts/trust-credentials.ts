import type { RequestContext } from '../identity/request-context';

/** The trust cannot give a token (deleted, expired, the trustor lost the role, Keystone down). */
export class TrustUnavailable extends Error {}

/**
 * The delegated credentials a trigger runs under. In keystone mode a Keystone trust from the
 * caller to Sirocco's service user; in noauth mode there is none (clouds.yaml credentials serve).
 */
export interface TriggerCredentials {
  /** When a trigger is created: the trust id, or null when the mode has no trusts. */
  createTrust(context: RequestContext): Promise<string | null>;
  /** Fire time and health checks: resolves when a token can be had, else throws TrustUnavailable. */
  verifyTrust(trustId: string): Promise<void>;
  /** Deletes the trust; a trust already gone is not an error. */
  deleteTrust(trustId: string): Promise<void>;
}

export const TRIGGER_CREDENTIALS = Symbol('TRIGGER_CREDENTIALS');

/** noauth: no trusts; every trigger runs with the service's own (clouds.yaml) credentials. */
export class NoTrustCredentials implements TriggerCredentials {
  async createTrust(): Promise<string | null> {
    return null;
  }

  async verifyTrust(): Promise<void> {}

  async deleteTrust(): Promise<void> {}
}
