import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startFakeOpenStack, type FakeOpenStack } from '../support/fake-openstack/fake-openstack';
import { buildOnce, runSirocco } from '../support/sirocco-cli';
import { keystoneModeEnv, startTestApp, type TestApp } from '../support/test-app';

const HELLO = "version: '2.0'\nhello:\n  tasks:\n    t:\n      action: std.echo output=hi\n";

describe('sirocco with Keystone credentials (a Sirocco in keystone mode, the fake cloud\'s Keystone)', () => {
  let cloud: FakeOpenStack;
  let app: TestApp;
  let scratch: string;

  beforeAll(async () => {
    buildOnce();
    cloud = await startFakeOpenStack({ transitionMs: 5 });
    app = await startTestApp(keystoneModeEnv(cloud));
    await app.http.post('/v2/workflows').set('X-Auth-Token', cloud.tokenFor('demo')).set('Content-Type', 'text/plain').send(HELLO).expect(201);
    scratch = mkdtempSync(path.join(tmpdir(), 'sirocco-cli-keystone-'));
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await cloud?.close();
  });

  const passwordEnv = (password: string) => ({
    SIROCCO_URL: app.baseUrl,
    OS_AUTH_URL: cloud.authUrl,
    OS_USERNAME: 'demo',
    OS_PASSWORD: password,
    OS_PROJECT_NAME: 'demo',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
  });

  it('signs in with OS_* (password) and runs a workflow of the project', async () => {
    const run = await runSirocco(['run', 'hello', '--wait', '--json'], passwordEnv('demo-pass'));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ workflow_name: 'hello', state: 'SUCCESS', output: {} });
  });

  it('refused credentials exit 3 without printing the password', async () => {
    const refused = await runSirocco(['executions'], passwordEnv('wrong-secret-pass'));
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^sirocco: Keystone refused the credentials \(401\)/);
    expect(refused.stdout + refused.stderr).not.toContain('wrong-secret-pass');
  });

  it('no credentials: Sirocco answers 401 and the CLI exits 3', async () => {
    const anonymous = await runSirocco(['executions'], { SIROCCO_URL: app.baseUrl });
    expect(anonymous.code).toBe(3);
    expect(anonymous.stderr).toContain('Authentication required');
  });

  it('OS_CLOUD reads ./clouds.yaml (as the openstack CLI); OS_TOKEN is sent as it is', async () => {
    writeFileSync(
      path.join(scratch, 'clouds.yaml'),
      [
        'clouds:',
        '  fake:',
        '    auth:',
        `      auth_url: ${cloud.authUrl}`,
        '      username: demo',
        '      password: demo-pass',
        '      project_name: demo',
        '      user_domain_name: Default',
        '      project_domain_name: Default',
        '',
      ].join('\n'),
    );
    const fromCloud = await runSirocco(['executions', '--json'], { SIROCCO_URL: app.baseUrl, OS_CLOUD: 'fake', HOME: scratch }, { cwd: scratch });
    expect(fromCloud.code).toBe(0);
    expect(JSON.parse(fromCloud.stdout)).toEqual([expect.objectContaining({ workflow_name: 'hello' })]);
    const unknownCloud = await runSirocco(['executions'], { SIROCCO_URL: app.baseUrl, OS_CLOUD: 'nope', HOME: scratch }, { cwd: scratch });
    expect(unknownCloud.code).toBe(2);
    expect(unknownCloud.stderr).toContain('OS_CLOUD=nope: no cloud of that name in');
    const withToken = await runSirocco(['executions', '--json'], { SIROCCO_URL: app.baseUrl, OS_TOKEN: cloud.tokenFor('demo') });
    expect(withToken.code).toBe(0);
    const forged = await runSirocco(['executions'], { SIROCCO_URL: app.baseUrl, OS_TOKEN: 'not-a-keystone-token' });
    expect(forged.code).toBe(3);
    expect(forged.stderr).toContain('The X-Auth-Token is not valid');
  });

  it('a member asking for snapshots gets exit 3 (not allowed), an administrator lists them', async () => {
    const member = await runSirocco(['snapshot', 'list'], passwordEnv('demo-pass'));
    expect(member.code).toBe(3);
    expect(member.stderr).toContain('Only an administrator may manage snapshots of Sirocco');
    const admin = await runSirocco(['snapshot', 'list', '--json'], { ...passwordEnv('admin-pass'), OS_USERNAME: 'admin', OS_PROJECT_NAME: 'admin' });
    expect(admin.code).toBe(0);
    expect(JSON.parse(admin.stdout)).toEqual([]);
  });
});
