/**
 * Keystone v3 (Zed) as the fake serves it under /identity: password, token and trust-scoped
 * authentication, token validation, OS-TRUST trusts, projects and users (read only).
 * Error bodies are Keystone's: {"error": {"code", "message", "title"}}.
 */
import { type Cloud, type TokenRec, type TrustRec, type UserRec } from './cloud';
import {
  ApiError,
  AUTH_REQUIRED,
  REASONS,
  Router,
  header,
  hexId,
  isObject,
  json,
  keystoneTime,
  parseJson,
  requestId,
  type AuthContext,
  type FakeRequest,
  type FakeResponse,
} from './core';

const VALIDATION_SUFFIX = ' The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';
const FORBIDDEN = 'You are not authorized to perform the requested action.';


export function keystoneError(cloud: Cloud, status: number, message: string, extraHeaders: Record<string, string> = {}): FakeResponse {
  const headers: Record<string, string> = { 'x-openstack-request-id': requestId(), Vary: 'X-Auth-Token', ...extraHeaders };
  if (status === 401) headers['WWW-Authenticate'] = `Keystone uri="${cloud.origin}/identity"`;
  return json(status, { error: { code: status, message, title: REASONS[status] ?? 'Error' } }, headers);
}

export class Keystone {
  private readonly router = new Router();

  constructor(private readonly cloud: Cloud) {
    this.router
      .on('GET', '/', () => this.versions())
      .on('GET', '/v3', () => this.version())
      .on('POST', '/v3/auth/tokens', (req) => this.authenticate(req))
      .on('GET', '/v3/auth/tokens', (req) => this.validate(req))
      .on('DELETE', '/v3/auth/tokens', (req) => this.revoke(req))
      .on('GET', '/v3/auth/catalog', (req) => this.catalogOf(req))
      .on('GET', '/v3/auth/projects', (req) => this.authProjects(req))
      .on('POST', '/v3/OS-TRUST/trusts', (req) => this.createTrust(req))
      .on('GET', '/v3/OS-TRUST/trusts', (req) => this.listTrusts(req))
      .on('GET', '/v3/OS-TRUST/trusts/:id', (req, p) => this.getTrust(req, p.id!))
      .on('DELETE', '/v3/OS-TRUST/trusts/:id', (req, p) => this.deleteTrust(req, p.id!))
      .on('GET', '/v3/OS-TRUST/trusts/:id/roles', (req, p) => this.trustRoles(req, p.id!))
      .on('GET', '/v3/projects', (req) => this.listProjects(req))
      .on('GET', '/v3/projects/:id', (req, p) => this.getProject(req, p.id!))
      .on('GET', '/v3/users', (req) => this.listUsers(req))
      .on('GET', '/v3/users/:id', (req, p) => this.getUser(req, p.id!))
      .on('GET', '/v3/users/:id/projects', (req, p) => this.userProjects(req, p.id!))
      .on('GET', '/v3/roles', (req) => this.listRoles(req));
  }

  async handle(req: FakeRequest): Promise<FakeResponse> {
    try {
      const match = this.router.match(req.method, req.path);
      if (match === 'method') throw new ApiError(405, 'The method specified is not allowed for this resource.');
      if (!match) throw new ApiError(404, 'The resource could not be found.');
      const response = await match.handler(req, match.params);
      response.headers = { 'x-openstack-request-id': requestId(), Vary: 'X-Auth-Token', ...response.headers };
      return response;
    } catch (error) {
      if (error instanceof ApiError) return keystoneError(this.cloud, error.status, error.message, error.headers);
      throw error;
    }
  }

  // -------------------------------------------------------------------------------------------
  // discovery

  private versionDoc(): Record<string, unknown> {
    return {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${this.cloud.authUrl}/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    };
  }

  private versions(): FakeResponse {
    return json(300, { versions: { values: [this.versionDoc()] } });
  }

  private version(): FakeResponse {
    return json(200, { version: this.versionDoc() });
  }

  // -------------------------------------------------------------------------------------------
  // tokens

  /** The caller, from X-Auth-Token; Keystone checks a trust token's trust on every use. */
  private caller(req: FakeRequest): { ctx: AuthContext; token: TokenRec } {
    const token = this.cloud.liveToken(header(req, 'x-auth-token'));
    if (!token) throw new ApiError(401, AUTH_REQUIRED);
    if (token.trustId && !this.cloud.liveTrust(token.trustId)) throw new ApiError(404, `Could not find trust: ${token.trustId}.`);
    const ctx = this.cloud.contextOf(token);
    req.ctx = ctx;
    return { ctx, token };
  }

  private authenticate(req: FakeRequest): FakeResponse {
    const body = parseJson(req, () => new ApiError(400, `Malformed JSON in request body.${VALIDATION_SUFFIX}`));
    const auth = isObject(body) ? body.auth : undefined;
    if (!isObject(auth)) throw new ApiError(400, "Invalid input for field 'auth': 'auth' is a required property");
    const identity = auth.identity;
    if (!isObject(identity) || !Array.isArray(identity.methods)) {
      throw new ApiError(400, "Invalid input for field 'identity': 'methods' is a required property");
    }
    const methods = identity.methods.map(String);
    let user: UserRec | undefined;
    let parent: TokenRec | undefined;
    if (methods.includes('password')) {
      user = this.passwordUser(identity.password);
    } else if (methods.includes('token')) {
      const tokenId = isObject(identity.token) ? identity.token.id : undefined;
      parent = this.cloud.liveToken(typeof tokenId === 'string' ? tokenId : undefined);
      if (!parent) throw new ApiError(401, AUTH_REQUIRED);
      if (parent.trustId) {
        throw new ApiError(
          403,
          'You are not authorized to perform the requested action: Using trust-scoped token to create another token. Create a new trust-scoped token instead.',
        );
      }
      user = this.cloud.users.get(parent.authUserId);
    } else {
      throw new ApiError(401, AUTH_REQUIRED);
    }
    if (!user) throw new ApiError(401, AUTH_REQUIRED);
    const tokenMethods = parent ? [...new Set([...parent.methods, ...methods])] : methods;
    const inherited = parent ? { expiresAt: parent.expiresAt, parentAuditId: parent.auditIds[0] } : {};

    const scope = auth.scope;
    let token: TokenRec;
    if (scope === 'unscoped' || (scope === undefined && !user.roles.length)) {
      token = this.cloud.issueToken({ userId: user.id, authUserId: user.id, roles: [], methods: tokenMethods, ...inherited });
    } else if (scope === undefined) {
      // without a scope Keystone scopes the token to the user's default project
      token = this.cloud.issueToken({
        userId: user.id,
        authUserId: user.id,
        projectId: user.projectId,
        roles: this.cloud.expandRoles(user.roles),
        methods: tokenMethods,
        ...inherited,
      });
    } else if (isObject(scope) && isObject(scope.project)) {
      const projectId = this.scopedProject(scope.project);
      const roles = this.cloud.effectiveRoles(user.id, projectId);
      if (!roles.length) throw new ApiError(401, AUTH_REQUIRED);
      token = this.cloud.issueToken({ userId: user.id, authUserId: user.id, projectId, roles, methods: tokenMethods, ...inherited });
    } else if (isObject(scope) && isObject(scope['OS-TRUST:trust'])) {
      token = this.trustToken(user, scope['OS-TRUST:trust'], tokenMethods, inherited);
    } else if (isObject(scope) && (isObject(scope.domain) || isObject(scope.system))) {
      // no domain or system role assignments exist in the fake cloud
      throw new ApiError(401, AUTH_REQUIRED);
    } else {
      throw new ApiError(400, `Invalid input for field 'scope': ${JSON.stringify(scope)} is not valid.`);
    }
    const catalog = !req.query.has('nocatalog');
    return json(201, { token: this.tokenBody(token, catalog) }, { 'X-Subject-Token': token.id });
  }

  private passwordUser(password: unknown): UserRec {
    if (!isObject(password) || !isObject(password.user)) {
      throw new ApiError(400, "Invalid input for field 'password': 'user' is a required property");
    }
    const spec = password.user;
    let user: UserRec | undefined;
    if (typeof spec.id === 'string') {
      user = this.cloud.users.get(spec.id);
    } else if (typeof spec.name === 'string') {
      if (!isObject(spec.domain)) throw new ApiError(400, `Expecting to find domain in user.${VALIDATION_SUFFIX}`);
      if (!this.isDefaultDomain(spec.domain)) throw new ApiError(401, AUTH_REQUIRED);
      user = this.cloud.userByName(spec.name);
    } else {
      throw new ApiError(400, `Expecting to find id or name in user.${VALIDATION_SUFFIX}`);
    }
    if (!user || spec.password !== user.password) throw new ApiError(401, AUTH_REQUIRED);
    return user;
  }

  private isDefaultDomain(domain: Record<string, unknown>): boolean {
    return domain.id === 'default' || (domain.id === undefined && domain.name === 'Default');
  }

  private scopedProject(project: Record<string, unknown>): string {
    if (typeof project.id === 'string') {
      if (!this.cloud.projects.has(project.id)) throw new ApiError(401, AUTH_REQUIRED);
      return project.id;
    }
    if (typeof project.name === 'string') {
      if (!isObject(project.domain)) throw new ApiError(400, `Expecting to find domain in project.${VALIDATION_SUFFIX}`);
      if (!this.isDefaultDomain(project.domain)) throw new ApiError(401, AUTH_REQUIRED);
      const found = this.cloud.projectByName(project.name);
      if (!found) throw new ApiError(401, AUTH_REQUIRED);
      return found.id;
    }
    throw new ApiError(400, `Expecting to find id or name in project.${VALIDATION_SUFFIX}`);
  }

  private trustToken(user: UserRec, spec: Record<string, unknown>, methods: string[], inherited: { expiresAt?: Date; parentAuditId?: string }): TokenRec {
    const trust = typeof spec.id === 'string' ? this.cloud.liveTrust(spec.id) : undefined;
    if (!trust) throw new ApiError(401, AUTH_REQUIRED);
    if (trust.trusteeId !== user.id) throw new ApiError(403, FORBIDDEN);
    if (trust.projectId) {
      const held = this.cloud.effectiveRoles(trust.trustorId, trust.projectId);
      if (!trust.roles.every((role) => held.includes(role))) throw new ApiError(403, FORBIDDEN);
    }
    if (trust.remainingUses !== null) trust.remainingUses--;
    return this.cloud.issueToken({
      userId: trust.impersonation ? trust.trustorId : trust.trusteeId,
      authUserId: user.id,
      projectId: trust.projectId ?? undefined,
      roles: this.cloud.expandRoles(trust.roles),
      methods,
      trustId: trust.id,
      ...inherited,
    });
  }

  private roleRef(name: string, trust: boolean): Record<string, unknown> {
    const role = this.cloud.roles.get(name);
    const base: Record<string, unknown> = { id: role?.id ?? name, name };
    if (trust) Object.assign(base, { domain_id: null, description: null, options: { immutable: true } });
    return base;
  }

  tokenBody(token: TokenRec, includeCatalog = true): Record<string, unknown> {
    const user = this.cloud.users.get(token.userId);
    const body: Record<string, unknown> = {
      methods: token.methods,
      user: { domain: { id: 'default', name: 'Default' }, id: token.userId, name: user?.name ?? token.userId, password_expires_at: null },
      audit_ids: token.auditIds,
      expires_at: keystoneTime(token.expiresAt),
      issued_at: keystoneTime(token.issuedAt),
    };
    if (token.trustId) {
      const trust = this.cloud.trusts.get(token.trustId);
      body['OS-TRUST:trust'] = {
        id: token.trustId,
        trustor_user: { id: trust?.trustorId },
        trustee_user: { id: trust?.trusteeId },
        impersonation: trust?.impersonation ?? false,
      };
    }
    if (token.projectId) {
      const project = this.cloud.projects.get(token.projectId);
      body.project = { domain: { id: 'default', name: 'Default' }, id: token.projectId, name: project?.name };
      if (!token.trustId) body.is_domain = false;
      body.roles = token.roles.map((name) => this.roleRef(name, Boolean(token.trustId)));
      if (includeCatalog) body.catalog = this.catalog(token.projectId);
    }
    return body;
  }

  private catalogId(key: string): string {
    let id = this.cloud.catalogIds.get(key);
    if (!id) {
      id = Array.from({ length: 32 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
      this.cloud.catalogIds.set(key, id);
    }
    return id;
  }

  catalog(projectId: string): Array<Record<string, unknown>> {
    const origin = this.cloud.origin;
    const services: Array<[string, string, string]> = [
      ['identity', 'keystone', `${origin}/identity/v3`],
      ['compute', 'nova', `${origin}/compute/v2.1`],
      ['image', 'glance', `${origin}/image`],
      ['volumev3', 'cinderv3', `${origin}/volume/v3/${projectId}`],
      ['block-storage', 'cinder', `${origin}/volume/v3/${projectId}`],
    ];
    return services.map(([type, name, url]) => ({
      endpoints: ['public', 'internal', 'admin'].map((iface) => ({
        id: this.catalogId(`${type}/${iface}`),
        interface: iface,
        region_id: 'RegionOne',
        url,
        region: 'RegionOne',
      })),
      id: this.catalogId(type),
      type,
      name,
    }));
  }

  private subject(req: FakeRequest): TokenRec {
    const subjectId = header(req, 'x-subject-token');
    const subject = this.cloud.liveToken(subjectId);
    if (!subject) throw new ApiError(404, `Could not find token: ${subjectId ?? ''}.`);
    if (subject.trustId && !this.cloud.liveTrust(subject.trustId)) throw new ApiError(404, `Could not find trust: ${subject.trustId}.`);
    return subject;
  }

  private validate(req: FakeRequest): FakeResponse {
    const { token } = this.caller(req);
    const subject = this.subject(req);
    // a user may validate its own tokens; others' need the admin or service role
    const ctx = this.cloud.contextOf(token);
    const own = subject.userId === token.userId || subject.authUserId === token.authUserId;
    if (!own && !ctx.isAdmin && !ctx.roles.includes('service')) throw new ApiError(403, FORBIDDEN);
    const includeCatalog = !req.query.has('nocatalog');
    return json(200, { token: this.tokenBody(subject, includeCatalog) }, { 'X-Subject-Token': subject.id });
  }

  private revoke(req: FakeRequest): FakeResponse {
    const { ctx } = this.caller(req);
    const subject = this.subject(req);
    if (!ctx.isAdmin && subject.userId !== ctx.userId && subject.authUserId !== ctx.userId) throw new ApiError(403, FORBIDDEN);
    this.cloud.tokens.delete(subject.id);
    return { status: 204, headers: {}, body: '' };
  }

  private catalogOf(req: FakeRequest): FakeResponse {
    const { token } = this.caller(req);
    const catalog = token.projectId ? this.catalog(token.projectId) : [];
    return json(200, { catalog, links: { self: `${this.cloud.authUrl}/auth/catalog`, previous: null, next: null } });
  }

  private authProjects(req: FakeRequest): FakeResponse {
    const { token } = this.caller(req);
    const user = this.cloud.users.get(token.authUserId);
    const projects = user ? [this.cloud.projects.get(user.projectId)].filter((p) => p !== undefined) : [];
    return json(200, {
      projects: projects.map((project) => this.projectBody(project.id)),
      links: { self: `${this.cloud.authUrl}/auth/projects`, previous: null, next: null },
    });
  }

  // -------------------------------------------------------------------------------------------
  // trusts

  private trustBody(trust: TrustRec, withRoles: boolean): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    if (withRoles) {
      body.roles = trust.roles.map((name) => ({ ...this.roleRef(name, true), links: { self: `${this.cloud.authUrl}/roles/${this.cloud.roles.get(name)?.id}` } }));
    }
    Object.assign(body, {
      id: trust.id,
      trustor_user_id: trust.trustorId,
      trustee_user_id: trust.trusteeId,
      project_id: trust.projectId,
      impersonation: trust.impersonation,
      expires_at: trust.expiresAt ? keystoneTime(trust.expiresAt).replace('.000000Z', `.${String(trust.expiresAt.getUTCMilliseconds()).padStart(3, '0')}000Z`) : null,
      remaining_uses: trust.remainingUses,
      deleted_at: null,
      redelegated_trust_id: null,
      redelegation_count: trust.redelegationCount,
    });
    if (withRoles) {
      // (Keystone's roles_links really lacks the /OS-TRUST part)
      body.roles_links = { self: `${this.cloud.authUrl}/${trust.id}/roles`, next: null, previous: null };
    }
    body.links = { self: `${this.cloud.authUrl}/OS-TRUST/trusts/${trust.id}` };
    return body;
  }

  private createTrust(req: FakeRequest): FakeResponse {
    const { ctx, token } = this.caller(req);
    if (token.trustId) throw new ApiError(403, FORBIDDEN);
    const body = parseJson(req, () => new ApiError(400, `Malformed JSON in request body.${VALIDATION_SUFFIX}`));
    const spec = isObject(body) ? body.trust : undefined;
    if (!isObject(spec)) throw new ApiError(400, "Invalid input for field 'trust': 'trust' is a required property");
    for (const field of ['trustor_user_id', 'trustee_user_id', 'impersonation']) {
      if (spec[field] === undefined) throw new ApiError(400, `Invalid input for field 'trust': '${field}' is a required property`);
    }
    if (typeof spec.impersonation !== 'boolean') throw new ApiError(400, `Invalid input for field 'impersonation': ${JSON.stringify(spec.impersonation)} is not of type 'boolean'`);
    if (spec.trustor_user_id !== ctx.userId) throw new ApiError(403, `${FORBIDDEN.slice(0, -1)}: The authenticated user should match the trustor.`);
    const trustee = this.cloud.users.get(String(spec.trustee_user_id));
    if (!trustee) throw new ApiError(404, `Could not find user: ${String(spec.trustee_user_id)}.`);
    const allowRedelegation = spec.allow_redelegation === true;
    let remainingUses: number | null = null;
    if (spec.remaining_uses !== undefined && spec.remaining_uses !== null) {
      if (allowRedelegation) throw new ApiError(400, 'remaining_uses must not be set if redelegation is allowed');
      if (typeof spec.remaining_uses !== 'number' || !Number.isInteger(spec.remaining_uses) || spec.remaining_uses <= 0) {
        throw new ApiError(400, `remaining_uses must be a positive integer or null.${VALIDATION_SUFFIX}`);
      }
      remainingUses = spec.remaining_uses;
    }
    let expiresAt: Date | null = null;
    if (spec.expires_at !== undefined && spec.expires_at !== null) {
      const text = String(spec.expires_at);
      const parsed = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.test(text) ? new Date(/Z|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`) : null;
      if (!parsed || Number.isNaN(parsed.getTime())) throw new ApiError(400, `Timestamp not in expected format.${VALIDATION_SUFFIX}`);
      if (parsed.getTime() < Date.now()) throw new ApiError(400, `The 'expires_at' must not be before now.${VALIDATION_SUFFIX}`);
      expiresAt = parsed;
    }
    const projectId = typeof spec.project_id === 'string' ? spec.project_id : null;
    if (projectId && !this.cloud.projects.has(projectId)) throw new ApiError(404, `Could not find project: ${projectId}.`);
    const roleSpecs = Array.isArray(spec.roles) ? spec.roles : [];
    if (roleSpecs.length && !projectId) throw new ApiError(403, `${FORBIDDEN.slice(0, -1)}: Role assignments require a project.`);
    const held = projectId ? this.cloud.effectiveRoles(ctx.userId, projectId) : [];
    const roles: string[] = [];
    for (const roleSpec of roleSpecs) {
      const wanted = isObject(roleSpec) ? roleSpec : {};
      const role =
        typeof wanted.id === 'string'
          ? [...this.cloud.roles.values()].find((candidate) => candidate.id === wanted.id)
          : typeof wanted.name === 'string'
            ? this.cloud.roles.get(wanted.name)
            : undefined;
      if (!role) throw new ApiError(404, `Could not find role: ${String(wanted.id ?? wanted.name)}.`);
      if (!held.includes(role.name)) throw new ApiError(404, `Could not find role: ${role.id}.`);
      if (!roles.includes(role.name)) roles.push(role.name);
    }
    const trust: TrustRec = {
      id: hexId(),
      trustorId: ctx.userId,
      trusteeId: trustee.id,
      projectId,
      impersonation: spec.impersonation,
      roles,
      expiresAt,
      remainingUses,
      redelegationCount: allowRedelegation ? 3 : 0,
      deleted: false,
      seq: this.cloud.nextSeq(),
    };
    this.cloud.trusts.set(trust.id, trust);
    return json(201, { trust: this.trustBody(trust, true) });
  }

  private listTrusts(req: FakeRequest): FakeResponse {
    const { ctx } = this.caller(req);
    const trustor = req.query.get('trustor_user_id');
    const trustee = req.query.get('trustee_user_id');
    if (!ctx.isAdmin) {
      if (!trustor && !trustee) throw new ApiError(403, FORBIDDEN);
      if ((trustor && trustor !== ctx.userId) || (trustee && trustee !== ctx.userId)) throw new ApiError(403, FORBIDDEN);
    }
    // Keystone lists expired and used-up trusts too; only deleted ones disappear
    const trusts = [...this.cloud.trusts.values()]
      .filter((trust) => !trust.deleted)
      .filter((trust) => (!trustor || trust.trustorId === trustor) && (!trustee || trust.trusteeId === trustee))
      .sort((a, b) => a.seq - b.seq);
    const query = req.query.toString();
    return json(200, {
      trusts: trusts.map((trust) => this.trustBody(trust, false)),
      links: { next: null, self: `${this.cloud.authUrl}/OS-TRUST/trusts${query ? `?${query}` : ''}`, previous: null },
    });
  }

  private visibleTrust(req: FakeRequest, trustId: string): TrustRec {
    const { ctx } = this.caller(req);
    const trust = this.cloud.liveTrust(trustId);
    if (!trust) throw new ApiError(404, `Could not find trust: ${trustId}.`);
    if (!ctx.isAdmin && trust.trustorId !== ctx.userId && trust.trusteeId !== ctx.userId) throw new ApiError(403, FORBIDDEN);
    return trust;
  }

  private getTrust(req: FakeRequest, trustId: string): FakeResponse {
    return json(200, { trust: this.trustBody(this.visibleTrust(req, trustId), true) });
  }

  private trustRoles(req: FakeRequest, trustId: string): FakeResponse {
    const body = this.trustBody(this.visibleTrust(req, trustId), true);
    return json(200, { roles: body.roles, links: body.roles_links });
  }

  private deleteTrust(req: FakeRequest, trustId: string): FakeResponse {
    const { ctx } = this.caller(req);
    const trust = this.cloud.liveTrust(trustId);
    if (!trust) throw new ApiError(404, `Could not find trust: ${trustId}.`);
    if (!ctx.isAdmin && trust.trustorId !== ctx.userId) throw new ApiError(403, FORBIDDEN);
    trust.deleted = true;
    return { status: 204, headers: {}, body: '' };
  }

  // -------------------------------------------------------------------------------------------
  // projects, users, roles

  private projectBody(projectId: string): Record<string, unknown> {
    const project = this.cloud.projects.get(projectId)!;
    return {
      id: project.id,
      name: project.name,
      domain_id: 'default',
      description: project.description,
      enabled: true,
      parent_id: 'default',
      is_domain: false,
      tags: [],
      options: {},
      links: { self: `${this.cloud.authUrl}/projects/${project.id}` },
    };
  }

  private getProject(req: FakeRequest, projectId: string): FakeResponse {
    const { ctx } = this.caller(req);
    if (!ctx.isAdmin && ctx.projectId !== projectId) throw new ApiError(403, FORBIDDEN);
    if (!this.cloud.projects.has(projectId)) throw new ApiError(404, `Could not find project: ${projectId}.`);
    return json(200, { project: this.projectBody(projectId) });
  }

  private listProjects(req: FakeRequest): FakeResponse {
    const { ctx } = this.caller(req);
    if (!ctx.isAdmin) throw new ApiError(403, FORBIDDEN);
    const name = req.query.get('name');
    const projects = [...this.cloud.projects.values()].filter((project) => !name || project.name === name);
    return json(200, {
      projects: projects.map((project) => this.projectBody(project.id)),
      links: { next: null, self: `${this.cloud.authUrl}/projects`, previous: null },
    });
  }

  private userBody(user: UserRec): Record<string, unknown> {
    return {
      id: user.id,
      name: user.name,
      domain_id: 'default',
      enabled: true,
      password_expires_at: null,
      options: {},
      default_project_id: user.projectId,
      links: { self: `${this.cloud.authUrl}/users/${user.id}` },
    };
  }

  private listUsers(req: FakeRequest): FakeResponse {
    const { ctx } = this.caller(req);
    if (!ctx.isAdmin) throw new ApiError(403, FORBIDDEN);
    const name = req.query.get('name');
    const domain = req.query.get('domain_id');
    const users = [...this.cloud.users.values()].filter((user) => (!name || user.name === name) && (!domain || domain === 'default'));
    return json(200, { users: users.map((user) => this.userBody(user)), links: { next: null, self: `${this.cloud.authUrl}/users`, previous: null } });
  }

  private getUser(req: FakeRequest, userId: string): FakeResponse {
    const { ctx } = this.caller(req);
    if (!ctx.isAdmin && ctx.userId !== userId) throw new ApiError(403, FORBIDDEN);
    const user = this.cloud.users.get(userId);
    if (!user) throw new ApiError(404, `Could not find user: ${userId}.`);
    return json(200, { user: this.userBody(user) });
  }

  private userProjects(req: FakeRequest, userId: string): FakeResponse {
    const { ctx } = this.caller(req);
    if (!ctx.isAdmin && ctx.userId !== userId) throw new ApiError(403, FORBIDDEN);
    const user = this.cloud.users.get(userId);
    if (!user) throw new ApiError(404, `Could not find user: ${userId}.`);
    return json(200, { projects: [this.projectBody(user.projectId)], links: { next: null, self: `${this.cloud.authUrl}/users/${userId}/projects`, previous: null } });
  }

  private listRoles(req: FakeRequest): FakeResponse {
    this.caller(req);
    return json(200, {
      roles: [...this.cloud.roles.values()].map((role) => ({
        id: role.id,
        name: role.name,
        domain_id: null,
        description: null,
        options: {},
        links: { self: `${this.cloud.authUrl}/roles/${role.id}` },
      })),
      links: { next: null, self: `${this.cloud.authUrl}/roles`, previous: null },
    });
  }
}

