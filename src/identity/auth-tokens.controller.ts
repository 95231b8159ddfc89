import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { KeystoneClient, KeystoneError, type KeystoneToken } from './keystone/keystone-client';

/** The login body: a password login (project by name) or an existing token (rescoped to project_id when given). */
interface LoginRequest {
  username?: string;
  password?: string;
  project?: string;
  domain?: string;
  token?: string;
  project_id?: string;
}

function text(body: Record<string, unknown>, name: keyof LoginRequest): string | undefined {
  const value = body[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw ApiError.badRequest(`${name} must be a string`);
  return value;
}

function parseLogin(body: unknown): LoginRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ApiError.badRequest('the body must be a JSON object');
  const fields = body as Record<string, unknown>;
  const login: LoginRequest = {};
  for (const name of ['username', 'password', 'project', 'domain', 'token', 'project_id'] as const) login[name] = text(fields, name);
  if (!login.token) {
    if (!login.username) throw ApiError.badRequest('username is required (or give a token)');
    if (!login.password) throw ApiError.badRequest('password is required (or give a token)');
    if (!login.project) throw ApiError.badRequest('project is required: Sirocco needs a project-scoped token');
  }
  return login;
}

/**
 * keystone mode: a browser (the web UI) logs in through Sirocco, which asks its Keystone and
 * hands the project-scoped token back. Neither password nor token is logged or kept.
 */
@ApiTags('auth')
@Controller('v2/auth')
export class AuthTokensController {
  constructor(@Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig) {}

  @Post('tokens')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'keystone mode: get a project-scoped Keystone token through Sirocco, from username, password, project and domain (default "default"), ' +
      'or from a token (project_id to rescope); answers token, expires_at, user and project',
  })
  async create(@Body() body: unknown) {
    const keystone = this.config.auth.mode === 'keystone' ? this.config.auth.keystone : undefined;
    if (!keystone) throw ApiError.badRequest('Sirocco runs without authentication (SIROCCO_AUTH=noauth): no login is needed');
    const login = parseLogin(body);
    const client = new KeystoneClient(keystone.url);
    let token: KeystoneToken;
    try {
      token = login.token
        ? await client.tokenAuth(login.token, login.project_id)
        : await client.passwordAuth({
            username: login.username!,
            password: login.password!,
            userDomain: login.domain ?? 'default',
            project: login.project,
            projectDomain: login.domain ?? 'default',
          });
    } catch (error) {
      if (error instanceof KeystoneError) {
        if (error.unreachable || error.status >= 500) throw ApiError.serviceUnavailable(error.message);
        throw new ApiError(401, error.keystoneMessage ? `Keystone refused the login: ${error.keystoneMessage}` : error.message);
      }
      throw error;
    }
    if (!token.project) throw new ApiError(401, 'The token is not scoped to a project: give a project');
    return {
      token: token.token,
      expires_at: token.expiresAt.toISOString(),
      user: { id: token.user.id, name: token.user.name },
      project: { id: token.project.id, name: token.project.name },
      roles: token.roles,
    };
  }
}
