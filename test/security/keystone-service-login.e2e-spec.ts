import { KeystoneClient } from '../../src/identity/keystone/keystone-client';
import { ServiceSession } from '../../src/identity/keystone/service-session';
import { KeystoneTrusts } from '../../src/identity/trusts/keystone-trusts';
import { startFakeOpenStack, type FakeOpenStack } from '../support/fake-openstack/fake-openstack';
import { startTestApp, type TestApp } from '../support/test-app';

/** Keystone mode when Sirocco's own service user cannot log in: the operator's fault, not the caller's. */
describe('keystone mode with a wrong service password', () => {
  let cloud: FakeOpenStack;
  let app: TestApp;

  const keystoneEnv = (password: string): Record<string, string> => ({
    SIROCCO_AUTH: 'keystone',
    SIROCCO_KEYSTONE_URL: cloud.authUrl,
    SIROCCO_KEYSTONE_USERNAME: 'sirocco',
    SIROCCO_KEYSTONE_PASSWORD: password,
  });

  beforeAll(async () => {
    cloud = await startFakeOpenStack({ transitionMs: 5 });
  });

  afterAll(async () => {
    await app?.close();
    await cloud?.close();
  });

  it('answers 503 saying the service is misconfigured, for a valid caller token', async () => {
    app = await startTestApp(keystoneEnv('not-the-password'));
    const response = await app.http.get('/v2/workflows').set('X-Auth-Token', cloud.tokenFor('demo'));
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ faultcode: 'Server', debuginfo: null });
    expect(response.body.faultstring).toContain('Sirocco cannot log in to Keystone as its service user: check SIROCCO_KEYSTONE_USERNAME/PASSWORD');
    expect(response.body.faultstring).toContain('HTTP 401');
    expect(JSON.stringify(response.body)).not.toContain('not-the-password');
    await app.close();

    // the same request once the password is right
    app = await startTestApp(keystoneEnv('sirocco-pass'));
    const fixed = await app.http.get('/v2/workflows').set('X-Auth-Token', cloud.tokenFor('demo'));
    expect(fixed.status).toBe(200);
    // a bad caller token is still the caller's problem
    const bad = await app.http.get('/v2/workflows').set('X-Auth-Token', 'garbage');
    expect(bad.status).toBe(401);
  });

  it("says a trust cannot be used because of Sirocco's own login, not because the trust is gone", async () => {
    const session = (password: string) =>
      new ServiceSession(new KeystoneClient(cloud.authUrl), { authUrl: cloud.authUrl, username: 'sirocco', password, project: 'service' });
    const caller = { projectId: cloud.projectId('demo'), userId: cloud.userId('demo'), roles: ['member', 'reader'], isAdmin: false, authToken: cloud.tokenFor('demo') };
    const trustId = await new KeystoneTrusts(session('sirocco-pass')).createTrust(caller);
    await new KeystoneTrusts(session('sirocco-pass')).verifyTrust(trustId);

    const misconfigured = new KeystoneTrusts(session('not-the-password'));
    await expect(misconfigured.verifyTrust(trustId)).rejects.toThrow(
      /Sirocco cannot log in to Keystone as its service user: check SIROCCO_KEYSTONE_USERNAME\/PASSWORD/,
    );
  });
});
