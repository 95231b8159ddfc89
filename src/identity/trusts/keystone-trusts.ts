import { Logger } from '@nestjs/common';
import { KeystoneError, ServiceLoginError, type KeystoneToken } from '../keystone/keystone-client';
import type { ServiceSession } from '../keystone/service-session';
import type { RequestContext } from '../request-context';
import { TrustUnavailable, type TrustCredentials } from './trust-credentials';

/** Roles Keystone adds by implication (member implies reader): a trust asks only for the others. */
const IMPLIED_ROLES = new Set(['reader']);

/**
 * Trusts in Keystone, a trigger's or an API-started execution's: trustor = the caller, trustee =
 * Sirocco's service user, the caller's project and roles, impersonation (the workflow acts as the
 * user). Trust-scoped tokens are cached until a minute before they expire, so a long workflow gets
 * a fresh one when needed.
 */
export class KeystoneTrusts implements TrustCredentials {
  readonly supportsTrusts = true;
  private readonly logger = new Logger(KeystoneTrusts.name);
  private trusteeId: Promise<string> | null = null;
  private readonly tokens = new Map<string, KeystoneToken>();

  constructor(private readonly session: ServiceSession) {}

  async createTrust(context: RequestContext): Promise<string> {
    if (!context.authToken || !context.userId) throw new TrustUnavailable('the request carries no Keystone user token');
    const trusteeUserId = await this.trustee();
    const roles = context.roles.filter((role) => !IMPLIED_ROLES.has(role));
    try {
      const trust = await this.session.client.createTrust(context.authToken, {
        trustorUserId: context.userId,
        trusteeUserId,
        projectId: context.projectId,
        roles: roles.length > 0 ? roles : context.roles,
        impersonation: true,
      });
      return trust.id;
    } catch (error) {
      throw new TrustUnavailable(error instanceof Error ? error.message : String(error));
    }
  }

  async verifyTrust(trustId: string): Promise<void> {
    await this.tokenFor(trustId, true);
  }

  /** A token that acts as the trustor in the trust's project (for a triggered execution's actions). */
  async tokenFor(trustId: string, fresh = false): Promise<KeystoneToken> {
    const cached = this.tokens.get(trustId);
    if (!fresh && cached && cached.expiresAt.getTime() - Date.now() > 60_000) return cached;
    try {
      const token = await this.session.client.trustAuth(this.session.credentials, trustId);
      this.tokens.set(trustId, token);
      return token;
    } catch (error) {
      this.tokens.delete(trustId);
      if (error instanceof KeystoneError) {
        const login = error.status === 401 ? await this.serviceLoginFailure() : null;
        if (login) throw new TrustUnavailable(login.message);
        const why =
          error.status === 401 || error.status === 404
            ? 'the trust was deleted or has expired'
            : error.status === 403
              ? 'the trustor no longer holds the delegated roles in the project'
              : 'Keystone could not be used';
        throw new TrustUnavailable(`${why} (${error.message})`);
      }
      throw new TrustUnavailable(String(error));
    }
  }

  /** A token like the caller's (same user and project) that carries the service catalog. */
  exchangeToken(callerToken: string, projectId: string): Promise<KeystoneToken> {
    return this.session.client.tokenAuth(callerToken, projectId);
  }

  async deleteTrust(trustId: string): Promise<void> {
    this.tokens.delete(trustId);
    await this.session.withToken((token) => this.session.client.deleteTrust(token, trustId));
    this.logger.log('deleted a Keystone trust that is no longer needed');
  }

  /** A refused trust-scoped login may be Sirocco's own password's fault rather than the trust's. */
  private async serviceLoginFailure(): Promise<ServiceLoginError | null> {
    this.session.invalidate();
    return this.session.token().then(
      () => null,
      (error: unknown) => (error instanceof ServiceLoginError ? error : null),
    );
  }

  private trustee(): Promise<string> {
    this.trusteeId ??= this.session.token().then((token) => token.user.id);
    this.trusteeId.catch(() => (this.trusteeId = null));
    return this.trusteeId;
  }
}
