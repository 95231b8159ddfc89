import { CanActivate, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { KeystoneError, ServiceLoginError } from './keystone/keystone-error';
import { TokenValidator } from './keystone/token-validator';
import type { RequestWithContext } from './request-context';

/**
 * Paths anyone may read: version discovery, the API documentation, the health probes, /metrics (its
 * own optional bearer token), and the login (POST /v2/auth/tokens).
 */
function isPublic(path: string): boolean {
  return (
    path === '/healthz' ||
    path === '/readyz' ||
    path === '/metrics' ||
    path === '/' ||
    path === '/v2' ||
    path === '/v2/' ||
    path.startsWith('/docs') ||
    path === '/v2/auth/tokens'
  );
}

/**
 * keystone mode: every API request carries a valid X-Auth-Token; its project, user and roles
 * become the request context. noauth mode: everyone is the default project's admin.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
    @Optional() private readonly validator?: TokenValidator,
  ) {}

  async canActivate(host: ExecutionContext): Promise<boolean> {
    if (this.config.auth.mode !== 'keystone' || !this.validator) return true;
    const request = host.switchToHttp().getRequest<RequestWithContext>();
    if (isPublic(request.path)) return true;
    const token = request.header('x-auth-token');
    if (!token) throw new ApiError(401, 'Authentication required: send a Keystone token in X-Auth-Token');
    const context = await this.validator.contextOf(token).catch((error: unknown) => {
      // Keystone down or Sirocco's service user refused: not the caller's fault
      if (error instanceof ServiceLoginError || (error instanceof KeystoneError && error.unreachable)) throw new ApiError(503, error.message);
      if (error instanceof KeystoneError) throw new ApiError(503, `Sirocco cannot validate tokens with Keystone (check its service user's roles): ${error.message}`);
      throw error;
    });
    if (!context) throw new ApiError(401, 'The X-Auth-Token is not valid (expired, revoked or not a project-scoped token)');
    request.siroccoContext = context;
    return true;
  }
}
