import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildOnce, runSirocco } from '../support/sirocco-cli';
import { startTestApp, type TestApp } from '../support/test-app';

/** What scripts/keystone-dev.sh wrote: Keystone's URL, Sirocco's service user, the test users' passwords. */
function keystoneFile(): Record<string, string> {
  const file = `${process.env.SIROCCO_OS_DIR ?? '/var/lib/sirocco-openstack'}/keystone.env`;
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('=') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const HELLO = "version: '2.0'\ncli_hello:\n  output:\n    said: <% $.said %>\n  tasks:\n    say:\n      action: std.echo output=hi\n      publish:\n        said: <% $task().result %>\n";

/** The `sirocco` bin signing in to a real Keystone as the openstack CLI does, against Sirocco in keystone mode. */
describe('the sirocco CLI with a real Keystone', () => {
  const file = keystoneFile();
  const siroccoEnv = Object.fromEntries(Object.entries(file).filter(([key]) => key.startsWith('SIROCCO_')));
  let t: TestApp;
  let scratch: string;
  const demo = (password: string): Record<string, string> => ({
    SIROCCO_URL: t.baseUrl,
    OS_AUTH_URL: file.OS_AUTH_URL,
    OS_USERNAME: 'demo',
    OS_PASSWORD: password,
    OS_PROJECT_NAME: 'demo',
    OS_USER_DOMAIN_ID: 'default',
    OS_PROJECT_DOMAIN_ID: 'default',
  });

  beforeAll(async () => {
    buildOnce();
    t = await startTestApp({ ...siroccoEnv, SIROCCO_AUTH: 'keystone' });
    scratch = mkdtempSync(path.join(tmpdir(), 'sirocco-cli-peer-'));
    const push = path.join(scratch, 'hello.yaml');
    writeFileSync(push, HELLO);
    const pushed = await runSirocco(['workflows', 'push', push, '--json'], demo(file.KEYSTONE_DEMO_PASSWORD));
    expect(pushed.stderr).toBe('');
    expect(JSON.parse(pushed.stdout)).toEqual([expect.objectContaining({ workflow: 'cli_hello', result: 'created' })]);
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  });

  it('OS_* (password, domain ids): run --wait exits 0 with the output', async () => {
    const run = await runSirocco(['run', 'cli_hello', '--wait'], demo(file.KEYSTONE_DEMO_PASSWORD));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ said: 'hi' });
  });

  it('OS_CLOUD with a clouds.yaml in the working folder lists the project\'s executions', async () => {
    writeFileSync(
      path.join(scratch, 'clouds.yaml'),
      `clouds:\n  peer:\n    auth:\n      auth_url: ${file.OS_AUTH_URL}\n      username: demo\n      password: ${file.KEYSTONE_DEMO_PASSWORD}\n      project_name: demo\n      user_domain_name: Default\n      project_domain_name: Default\n`,
    );
    const listed = await runSirocco(['executions', '--json'], { SIROCCO_URL: t.baseUrl, OS_CLOUD: 'peer', HOME: scratch }, { cwd: scratch });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ workflow_name: 'cli_hello', state: 'SUCCESS' })]));
  });

  it("a wrong password exits 3 with Keystone's refusal, never the password", async () => {
    const refused = await runSirocco(['executions'], demo('not-the-demo-pass'));
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^sirocco: Keystone refused the credentials \(401\)/);
    expect(refused.stderr).not.toContain('not-the-demo-pass');
  });
});
