import type { RequestContext } from '../request-context';
import type { ServiceSession } from './service-session';

/**
 * Turns a caller's X-Auth-Token into a request context through Keystone (`GET /v3/auth/tokens`
 * with the service token). The session caches each answer, keyed by a digest of the token, until
 * the token expires or at most 5 minutes (as keystonemiddleware does), so a revoked token stops
 * working soon and a busy client costs Keystone one call per token and period.
 */
export class TokenValidator {
  constructor(private readonly session: ServiceSession) {}

  /** The caller's context; null when the token is not valid or not scoped to a project. */
  async contextOf(token: string): Promise<RequestContext | null> {
    const validated = await this.session.validateToken(token);
    if (!validated || !validated.project) return null;
    return {
      projectId: validated.project.id,
      userId: validated.user.id,
      roles: validated.roles,
      isAdmin: validated.isAdmin,
      authToken: token,
    };
  }
}
