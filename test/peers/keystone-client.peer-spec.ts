import { readFileSync } from 'node:fs';
import { KeystoneClient, KeystoneError, type KeystoneToken, type Trust, type TrustRequest } from '../../src/identity/keystone/keystone-client';
import { ServiceSession } from '../../src/identity/keystone/service-session';

/**
 * The Keystone client against a real Keystone, as scripts/keystone-dev.sh sets it up (run by
 * `npm run test:keystone`): users demo (project demo, member), alt (project alt, member), admin,
 * and the service user sirocco (project service, admin + service), the trustee.
 */
function keystoneEnv(): Record<string, string> {
  const file = `${process.env.SIROCCO_OS_DIR ?? '/var/lib/sirocco-openstack'}/keystone.env`;
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const env = keystoneEnv();
const URL_V3 = env.SIROCCO_KEYSTONE_URL;
const PASSWORDS = {
  demo: env.KEYSTONE_DEMO_PASSWORD ?? 'demo-pass',
  alt: env.KEYSTONE_ALT_PASSWORD ?? 'alt-pass',
  admin: env.KEYSTONE_ADMIN_PASSWORD ?? 'admin-pass',
  sirocco: env.SIROCCO_KEYSTONE_PASSWORD,
};
const SERVICE = {
  username: env.SIROCCO_KEYSTONE_USERNAME,
  password: env.SIROCCO_KEYSTONE_PASSWORD,
  userDomain: env.SIROCCO_KEYSTONE_USER_DOMAIN ?? 'default',
  project: env.SIROCCO_KEYSTONE_PROJECT ?? 'service',
  projectDomain: env.SIROCCO_KEYSTONE_PROJECT_DOMAIN ?? 'default',
};

/** fetch that records what it is asked, to count the calls that reach Keystone */
function countingFetch() {
  const calls: string[] = [];
  const impl: typeof fetch = (input, init) => {
    calls.push(`${init?.method ?? 'GET'} ${String(input).replace(URL_V3, '')}`);
    return fetch(input, init);
  };
  return { calls, impl };
}

async function failure(promise: Promise<unknown>): Promise<KeystoneError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(KeystoneError);
  return error as KeystoneError;
}

describe('Keystone client, on a real Keystone', () => {
  const client = new KeystoneClient(URL_V3);
  const session = new ServiceSession(client, SERVICE);
  const login = (username: 'demo' | 'alt' | 'admin', project: string) =>
    client.passwordAuth({ username, password: PASSWORDS[username], userDomain: 'default', project, projectDomain: 'default' });
  const created: Trust[] = [];
  let demo: KeystoneToken;
  let alt: KeystoneToken;
  let admin: KeystoneToken;
  let siroccoId: string;

  beforeAll(async () => {
    [demo, alt, admin] = await Promise.all([login('demo', 'demo'), login('alt', 'alt'), login('admin', 'admin')]);
    siroccoId = await session.serviceUserId();
  });
  afterAll(async () => {
    for (const trust of created) await client.deleteTrust(demo.token, trust.id).catch(() => undefined);
  });

  const demoTrust = async (overrides: Partial<TrustRequest> = {}) => {
    const trust = await session.createTrust(demo.token, {
      trustorUserId: demo.user.id,
      trusteeUserId: siroccoId,
      projectId: demo.project!.id,
      roleNames: demo.roles,
      impersonation: true,
      ...overrides,
    });
    created.push(trust);
    return trust;
  };

  describe('password authentication', () => {
    it("gives demo a token scoped to demo's project, with roles and catalog", async () => {
      expect(demo.token.length).toBeGreaterThan(100);
      expect(demo.expiresAt.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
      expect(demo.methods).toEqual(['password']);
      expect(demo.user).toMatchObject({ name: 'demo', domain: { id: 'default' }, domainId: 'default' });
      expect(demo.project).toMatchObject({ name: 'demo', domainId: 'default' });
      expect(demo.roles).toEqual(expect.arrayContaining(['member', 'reader'])); // reader: implied by member
      expect(demo.roles).not.toContain('admin');
      const identity = demo.catalog.find((entry) => entry.type === 'identity');
      expect(identity?.endpoints.find((endpoint) => endpoint.interface === 'public')?.url).toBe(URL_V3);
      expect(demo.trust).toBeNull();
    });

    it('gives an unscoped token when no project is named', async () => {
      const unscoped = await client.passwordAuth({ username: 'demo', password: PASSWORDS.demo });
      expect(unscoped.project).toBeNull();
      expect(unscoped.roles).toEqual([]);
      expect(unscoped.user.id).toBe(demo.user.id);
    });

    it("refuses a wrong password with 401 and Keystone's message, never the password", async () => {
      const error = await failure(client.passwordAuth({ username: 'demo', password: 'not-demo-pass', project: 'demo' }));
      expect(error.status).toBe(401);
      expect(error.message).toBe('Keystone password authentication failed: HTTP 401 Unauthorized: The request you have made requires authentication.');
      expect(error.message).not.toContain('not-demo-pass');
    });

    it('says so when Keystone cannot be reached', async () => {
      const error = await failure(new KeystoneClient('http://127.0.0.1:59999/v3').passwordAuth({ username: 'demo', password: PASSWORDS.demo }));
      expect(error).toMatchObject({ status: 503, unreachable: true });
      expect(error.message).toContain('ECONNREFUSED');
    });
  });

  describe('the service session', () => {
    it('looks up users by name with its token (it holds the admin role)', async () => {
      expect(await session.lookupUserIdByName(SERVICE.username)).toBe(siroccoId);
      expect(await session.lookupUserIdByName('demo')).toBe(demo.user.id);
      expect(await session.lookupUserIdByName('nobody-by-that-name')).toBeNull();
    });

    it("validates demo's token: demo's user, project and roles; null for a garbage token", async () => {
      const seen = await session.validateToken(demo.token);
      expect(seen).toEqual({
        user: { id: demo.user.id, name: 'demo', domain: { id: 'default', name: 'Default' }, domainId: 'default' },
        project: { id: demo.project!.id, name: 'demo', domain: { id: 'default', name: 'Default' }, domainId: 'default' },
        roles: expect.arrayContaining(['member', 'reader']),
        expiresAt: demo.expiresAt,
        isAdmin: false,
        trust: null,
      });
      expect(await session.validateToken('gAAAAABnotatoken')).toBeNull();
      expect(await session.validateToken('garbage')).toBeNull();
      expect((await session.validateToken(admin.token))?.isAdmin).toBe(true);
    });

    it('caches validations: a second validation of a token does not call Keystone', async () => {
      const counted = countingFetch();
      const fresh = new ServiceSession(new KeystoneClient(URL_V3, counted.impl), SERVICE);
      expect((await fresh.validateToken(alt.token))?.project?.name).toBe('alt');
      expect(counted.calls).toEqual(['POST /auth/tokens', 'GET /auth/tokens?nocatalog']); // service login + validation
      expect((await fresh.validateToken(alt.token))?.user.name).toBe('alt');
      expect(counted.calls).toHaveLength(2); // from the cache
      await fresh.validateToken(demo.token);
      expect(counted.calls).toHaveLength(3); // service token reused: just the validation
      const twice = await Promise.all([fresh.validateToken(admin.token), fresh.validateToken(admin.token)]);
      expect(twice[0]).toEqual(twice[1]);
      expect(counted.calls).toHaveLength(4); // concurrent validations of one token share the call
    });

    it('keeps the validation cache bounded, dropping the least recently used', async () => {
      const counted = countingFetch();
      const small = new ServiceSession(new KeystoneClient(URL_V3, counted.impl), SERVICE, { validationCacheSize: 2 });
      await small.validateToken(demo.token);
      await small.validateToken(alt.token);
      await small.validateToken(demo.token); // demo is now the most recently used
      await small.validateToken(admin.token); // evicts alt
      expect(small.cachedValidations).toBe(2);
      const before = counted.calls.length;
      await small.validateToken(demo.token);
      expect(counted.calls.length).toBe(before);
      await small.validateToken(alt.token);
      expect(counted.calls.length).toBe(before + 1);
    });

    it('logs in again, once, when Keystone refuses its cached token (401)', async () => {
      const counted = countingFetch();
      const revoked = new ServiceSession(new KeystoneClient(URL_V3, counted.impl), SERVICE);
      const first = await revoked.token();
      // revoke the session's own token behind its back
      const revocation = await fetch(`${URL_V3}/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': first.token, 'X-Subject-Token': first.token } });
      expect(revocation.status).toBe(204);
      counted.calls.length = 0;
      expect((await revoked.validateToken(demo.token))?.user.name).toBe('demo');
      expect(counted.calls).toEqual(['GET /auth/tokens?nocatalog', 'POST /auth/tokens', 'GET /auth/tokens?nocatalog']);
      expect((await revoked.token()).token).not.toBe(first.token);
    });

    it('reuses its token until shortly before it expires', async () => {
      const counted = countingFetch();
      let now = Date.now();
      const clocked = new ServiceSession(new KeystoneClient(URL_V3, counted.impl), SERVICE, { now: () => now, refreshMarginMs: 60_000 });
      const first = await clocked.token();
      expect(await clocked.token()).toBe(first);
      now = first.expiresAt.getTime() - 61_000;
      expect(await clocked.token()).toBe(first);
      now = first.expiresAt.getTime() - 59_000;
      const second = await clocked.token();
      expect(counted.calls).toEqual(['POST /auth/tokens', 'POST /auth/tokens']);
      expect(second.token).not.toBe(first.token);
    });
  });

  describe('trusts', () => {
    let trust: Trust;
    let trustToken: KeystoneToken;

    it("demo trusts the service user with demo's roles in demo's project, with impersonation", async () => {
      trust = await demoTrust();
      expect(trust).toMatchObject({
        trustorUserId: demo.user.id,
        trusteeUserId: siroccoId,
        projectId: demo.project!.id,
        impersonation: true,
        expiresAt: null,
        remainingUses: null,
      });
      expect(trust.roles).toEqual(expect.arrayContaining(['member', 'reader']));
      expect(trust.id).toMatch(/^[0-9a-f]{32}$/);
      // the trustee (service token) and the trustor can read it; another user cannot
      const sameTrust = { ...trust, roles: expect.arrayContaining(trust.roles) }; // Keystone varies the roles' order
      expect(await session.getTrust(trust.id)).toEqual(sameTrust);
      expect(await client.getTrust(demo.token, trust.id)).toEqual(sameTrust);
      const forbidden = await failure(client.getTrust(alt.token, trust.id));
      expect(forbidden.status).toBe(403);
      expect(forbidden.message).toBe('Keystone reading a trust failed: HTTP 403 Forbidden: You are not authorized to perform the requested action: identity:get_trust.');
      expect((await client.listTrusts(demo.token, { trustorUserId: demo.user.id })).map((listed) => listed.id)).toContain(trust.id);
    });

    it('gives the service user a trust-scoped token that acts as demo in project demo', async () => {
      trustToken = await session.trustScopedToken(trust.id);
      expect(trustToken.user).toMatchObject({ id: demo.user.id, name: 'demo' }); // impersonation
      expect(trustToken.project).toMatchObject({ id: demo.project!.id, name: 'demo' });
      expect(trustToken.roles).toEqual(expect.arrayContaining(['member']));
      expect(trustToken.roles).not.toContain('admin');
      expect(trustToken.trust).toEqual({ id: trust.id, trustorUserId: demo.user.id, trusteeUserId: siroccoId, impersonation: true });
      expect(trustToken.catalog.some((entry) => entry.type === 'identity')).toBe(true);
      const seen = await session.validateToken(trustToken.token);
      expect(seen).toMatchObject({ user: { id: demo.user.id }, project: { id: demo.project!.id }, isAdmin: false, trust: { id: trust.id } });
    });

    it("after deleteTrust the trust is gone: no trust-scoped token, with Keystone's reason and no secret", async () => {
      expect(await client.deleteTrust(demo.token, trust.id)).toBe(true);
      expect(await client.deleteTrust(demo.token, trust.id)).toBe(false); // already gone: not an error
      expect(await session.deleteTrust(trust.id)).toBe(false);
      expect(await session.getTrust(trust.id)).toBeNull();

      const error = await failure(session.trustScopedToken(trust.id));
      expect(error.status).toBe(401);
      expect(error.message).toBe('Keystone trust-scoped authentication failed: HTTP 401 Unauthorized: The request you have made requires authentication.');
      expect(error.keystoneMessage).toBe('The request you have made requires authentication.');
      for (const secret of [trust.id, SERVICE.password, trustToken.token]) {
        expect(error.message).not.toContain(secret);
        expect(JSON.stringify(error)).not.toContain(secret);
        expect(String(error.stack)).not.toContain(secret);
      }

      // the token issued before is dead at Keystone; the session's cache still knows it as valid
      // until told to forget it (or until it expires)
      expect(await session.validateToken(trustToken.token)).not.toBeNull();
      session.forgetToken(trustToken.token);
      expect(await session.validateToken(trustToken.token)).toBeNull();
    });

    it('the service token may delete a trust (the service user holds admin)', async () => {
      const other = await demoTrust({ roleNames: ['member'], expiresAt: new Date(Date.now() + 3600_000) });
      expect(other.roles).toEqual(['member']);
      expect(Math.abs(other.expiresAt!.getTime() - (Date.now() + 3600_000))).toBeLessThan(120_000);
      expect(await session.deleteTrust(other.id)).toBe(true);
      expect(await client.getTrust(demo.token, other.id)).toBeNull();
    });

    it('refuses a trust for a role the trustor does not hold (404), without quoting ids', async () => {
      const error = await failure(demoTrust({ roleNames: ['admin'] }));
      expect(error.status).toBe(404);
      expect(error.message).toBe('Keystone trust creation failed: HTTP 404 Not Found: Could not find role: <id>.');
    });

    it("refuses a trust from someone else's token (403) and one from a trust-scoped token", async () => {
      const fromAlt = await failure(client.createTrust(alt.token, { trustorUserId: demo.user.id, trusteeUserId: siroccoId, projectId: demo.project!.id, roleNames: ['member'], impersonation: true }));
      expect(fromAlt.status).toBe(403);
      const live = await demoTrust({ roleNames: ['member'] });
      const scoped = await session.trustScopedToken(live.id);
      const fromTrustToken = await failure(client.createTrust(scoped.token, { trustorUserId: demo.user.id, trusteeUserId: siroccoId, projectId: demo.project!.id, roleNames: ['member'], impersonation: true }));
      expect(fromTrustToken.status).toBe(403);
      expect(fromTrustToken.message).not.toContain(scoped.token);
      expect(await client.deleteTrust(demo.token, live.id)).toBe(true);
    });
  });
});
