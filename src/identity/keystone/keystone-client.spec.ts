import { KeystoneClient, KeystoneError, redact } from './keystone-client';
import { ServiceSession } from './service-session';

const URL_V3 = 'http://keystone.test:5000/v3';
const TRUST_ID = '07c193a367b142458d19ab5bfe14fdaa';
const FERNET = 'gAAAAABpIXxyFZ0l5v1kqGTs0m3lYxH2b8w9Q2W7rT1uV4nE6oP8aS3dF5gH7jK9lZ1xC2vB4nM6qW8eR0tY';

function tokenBody(expiresAt: Date, user = 'sirocco') {
  return {
    token: {
      methods: ['password'],
      expires_at: expiresAt.toISOString().replace('Z', '000Z'),
      issued_at: new Date().toISOString(),
      user: { id: `${user}-id`, name: user, domain: { id: 'default', name: 'Default' } },
      project: { id: 'p-id', name: 'service', domain: { id: 'default', name: 'Default' } },
      roles: [{ id: 'r1', name: 'admin' }, { id: 'r2', name: 'service' }],
      catalog: [],
    },
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === null ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

/** A scripted Keystone: each call takes the next answer; the requests are kept. */
function scripted(...answers: Array<() => Response>) {
  const requests: Array<{ method: string; path: string; headers: Record<string, string> }> = [];
  const impl: typeof fetch = async (input, init) => {
    requests.push({ method: init?.method ?? 'GET', path: String(input).replace(URL_V3, ''), headers: (init?.headers ?? {}) as Record<string, string> });
    const next = answers.shift();
    if (!next) throw new Error('unexpected request');
    return next();
  };
  return { requests, impl };
}

const login = (expiresAt = new Date(Date.now() + 3600_000), token = `service-token-${Math.random()}`) => () =>
  json(201, tokenBody(expiresAt), { 'X-Subject-Token': token });
const unauthorized = () => json(401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
const credentials = { username: 'sirocco', password: 'sirocco-secret-pass', project: 'service' };

describe('redact', () => {
  it('removes the given secrets, Keystone ids and token-like strings', () => {
    expect(redact(`Could not find trust: ${TRUST_ID}.`)).toBe('Could not find trust: <id>.');
    expect(redact(`token ${FERNET} refused`)).toBe('token <token> refused');
    expect(redact('user sirocco with hunter22', ['hunter22'])).toBe('user sirocco with ***');
  });
});

describe('KeystoneClient', () => {
  it("sends Keystone's password body and reads the token from X-Subject-Token", async () => {
    const keystone = scripted(login(undefined, 'the-token'));
    const token = await new KeystoneClient(URL_V3, keystone.impl).passwordAuth(credentials);
    expect(token).toMatchObject({ token: 'the-token', user: { id: 'sirocco-id', domainId: 'default' }, project: { name: 'service' }, roles: ['admin', 'service'] });
    expect(keystone.requests[0]).toMatchObject({ method: 'POST', path: '/auth/tokens' });
  });

  it("turns Keystone's error body into a KeystoneError without ids, tokens or passwords", async () => {
    const keystone = scripted(() => json(404, { error: { code: 404, title: 'Not Found', message: `Could not find trust: ${TRUST_ID}.` } }));
    const error = await new KeystoneClient(URL_V3, keystone.impl).trustAuth(credentials, TRUST_ID).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeystoneError);
    expect(error).toMatchObject({ status: 404, title: 'Not Found', keystoneMessage: 'Could not find trust: <id>.', operation: 'trust-scoped authentication' });
    expect((error as Error).message).toBe('Keystone trust-scoped authentication failed: HTTP 404 Not Found: Could not find trust: <id>.');
    expect(JSON.stringify(error)).not.toContain(TRUST_ID);
  });

  it('gives null for a token Keystone does not know (404), and throws on 401 (the service token)', async () => {
    const keystone = scripted(() => json(404, { error: { code: 404, title: 'Not Found', message: 'Could not recognize Fernet token' } }), unauthorized);
    const client = new KeystoneClient(URL_V3, keystone.impl);
    expect(await client.validateToken('service', 'garbage')).toBeNull();
    await expect(client.validateToken('service', 'other')).rejects.toMatchObject({ status: 401 });
    expect(keystone.requests[0].headers).toMatchObject({ 'X-Auth-Token': 'service', 'X-Subject-Token': 'garbage' });
  });

  it('sends expires_at in the format Keystone accepts', async () => {
    const keystone = scripted(() =>
      json(201, { trust: { id: TRUST_ID, trustor_user_id: 'u', trustee_user_id: 's', project_id: 'p', impersonation: true, expires_at: '2030-01-01T00:00:00.000000Z', roles: [{ name: 'member' }] } }),
    );
    let sent: unknown;
    const capture: typeof fetch = async (input, init) => {
      sent = JSON.parse(String(init?.body));
      return keystone.impl(input, init);
    };
    const trust = await new KeystoneClient(URL_V3, capture).createTrust('t', {
      trustorUserId: 'u', trusteeUserId: 's', projectId: 'p', roleNames: ['member'], impersonation: true, expiresAt: new Date('2030-01-01T00:00:00Z'),
    });
    expect(sent).toEqual({
      trust: { trustor_user_id: 'u', trustee_user_id: 's', project_id: 'p', roles: [{ name: 'member' }], impersonation: true, allow_redelegation: false, expires_at: '2030-01-01T00:00:00.000000Z' },
    });
    expect(trust).toMatchObject({ id: TRUST_ID, roles: ['member'], expiresAt: new Date('2030-01-01T00:00:00Z'), remainingUses: null });
  });

  it('reports a timeout as unreachable (503)', async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    await expect(new KeystoneClient(URL_V3, hanging, 50).passwordAuth(credentials)).rejects.toMatchObject({
      status: 503,
      unreachable: true,
      message: `Keystone password authentication: ${URL_V3} could not be reached (no answer within 50 ms)`,
    });
  });
});

describe('ServiceSession', () => {
  it('logs in again once on 401, and gives up when the new token is refused too', async () => {
    const keystone = scripted(login(), unauthorized, login(), unauthorized);
    const session = new ServiceSession(new KeystoneClient(URL_V3, keystone.impl), credentials);
    const error = await session.validateToken('someone').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 401 });
    expect(keystone.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /auth/tokens', 'GET /auth/tokens?nocatalog', 'POST /auth/tokens', 'GET /auth/tokens?nocatalog',
    ]);
    expect((error as Error).message).not.toContain('sirocco-secret-pass');
  });

  it('shares one login between concurrent callers', async () => {
    const keystone = scripted(login());
    const session = new ServiceSession(new KeystoneClient(URL_V3, keystone.impl), credentials);
    const [a, b] = await Promise.all([session.token(), session.token()]);
    expect(a).toBe(b);
    expect(keystone.requests).toHaveLength(1);
  });

  it('caches a validation no longer than the token lives (or validationCacheMaxAgeMs)', async () => {
    let now = Date.now();
    const subjectExpires = new Date(now + 600_000);
    const validation = () => json(200, tokenBody(subjectExpires, 'demo'));
    const keystone = scripted(login(new Date(now + 7200_000)), validation, validation, validation);
    const session = new ServiceSession(new KeystoneClient(URL_V3, keystone.impl), credentials, { now: () => now, validationCacheMaxAgeMs: 300_000 });
    expect((await session.validateToken('demo-token'))?.user.name).toBe('demo');
    now += 299_000;
    await session.validateToken('demo-token');
    expect(keystone.requests).toHaveLength(2);
    now += 2_000; // past the max age
    await session.validateToken('demo-token');
    expect(keystone.requests).toHaveLength(3);
    now = subjectExpires.getTime() + 1; // the token itself expired
    await session.validateToken('demo-token');
    expect(keystone.requests).toHaveLength(4);
  });
});
