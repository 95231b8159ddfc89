import type { RequestContext } from '../request-context';
import { KeystoneError, type ServiceSession } from './keystone-client';

interface CachedContext {
  context: RequestContext;
  expiresAt: number;
}

/**
 * Turns a caller's X-Auth-Token into a request context through Keystone (`GET /v3/auth/tokens`
 * with the service token), caching each answer until the token expires, so a busy client costs
 * Keystone one call per token, not one per request.
 */
export class TokenValidator {
  private readonly cache = new Map<string, CachedContext>();

  constructor(
    private readonly session: ServiceSession,
    private readonly maxCached = 10000,
  ) {}

  /** The caller's context; null when the token is not valid. */
  async contextOf(token: string): Promise<RequestContext | null> {
    const cached = this.cache.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.context;
    if (cached) this.cache.delete(token);
    const validated = await this.session.withToken((serviceToken) => this.session.client.validateToken(serviceToken, token));
    if (!validated || !validated.project) return null;
    const context: RequestContext = {
      projectId: validated.project.id,
      userId: validated.user.id,
      roles: validated.roles,
      isAdmin: validated.roles.includes('admin'),
      authToken: token,
    };
    if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(token, { context, expiresAt: validated.expiresAt.getTime() });
    return context;
  }
}

export { KeystoneError };
