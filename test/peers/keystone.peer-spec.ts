import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { KeystoneClient, type KeystoneToken } from '../../src/identity/keystone/keystone-client';
import { mistralCli } from '../support/mistral-cli';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/** What scripts/keystone-dev.sh wrote: Keystone's URL and Sirocco's service user. */
function keystoneEnv(): Record<string, string> {
  const file = `${process.env.SIROCCO_OS_DIR ?? '/var/lib/sirocco-openstack'}/keystone.env`;
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
      // Sirocco's settings only: the file also holds OS_* variables for openstackclient
      .filter(([key]) => key.startsWith('SIROCCO_')),
  );
}

const WORKFLOWS = `
version: '2.0'
whoami_wf:
  input:
    - to_addr_error: null
  output:
    project: <% $.project %>
  tasks:
    show:
      action: keystone.projects_get
      publish:
        project: <% $task().result %>
slow_wf:
  tasks:
    nap:
      action: std.sleep seconds=4
`;

/** A real Keystone answers slowly: look again every 200 ms, for up to 30 s. */
const KEYSTONE_POLL = { timeoutMs: 30000, intervalMs: 200 };

/** Sirocco with SIROCCO_AUTH=keystone against a real Keystone (scripts/keystone-dev.sh). */
describe('keystone mode, on a real Keystone', () => {
  const env = keystoneEnv();
  const keystone = new KeystoneClient(env.SIROCCO_KEYSTONE_URL);
  let t: TestApp;
  let smtp: SmtpSink;
  let db: Client;
  let demo: KeystoneToken;
  let alt: KeystoneToken;
  let admin: KeystoneToken;

  const login = (username: string, password: string, project: string) =>
    keystone.passwordAuth({ authUrl: env.SIROCCO_KEYSTONE_URL, username, password, userDomain: 'default', project, projectDomain: 'default' });

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await startTestApp({ ...env, SIROCCO_AUTH: 'keystone', SIROCCO_SMTP_URL: smtp.url });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    [demo, alt, admin] = await Promise.all([login('demo', 'demo-pass', 'demo'), login('alt', 'alt-pass', 'alt'), login('admin', 'admin-pass', 'admin')]);
    await t.http.post('/v2/workflows').set('X-Auth-Token', demo.token).set('Content-Type', 'text/plain').send(WORKFLOWS).expect(201);
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await smtp.stop();
  });

  const as = (token: KeystoneToken) => ({
    get: (path: string) => t.http.get(path).set('X-Auth-Token', token.token),
    post: (path: string, body?: object) => t.http.post(path).set('X-Auth-Token', token.token).send(body ?? {}),
    delete: (path: string) => t.http.delete(path).set('X-Auth-Token', token.token),
  });

  async function trustIdOf(triggerName: string): Promise<string> {
    const { rows } = await db.query(
      `SELECT tt.trust_id FROM trigger_trusts tt JOIN cron_triggers t ON t.id = tt.trigger_id WHERE t.name = $1`,
      [triggerName],
    );
    return rows[0].trust_id;
  }

  it('asks for a valid token on every API call, but not for version discovery', async () => {
    await t.http.get('/').expect(200);
    const missing = await t.http.get('/v2/workflows').expect(401);
    expect(missing.body.faultstring).toContain('X-Auth-Token');
    await t.http.get('/v2/workflows').set('X-Auth-Token', 'gAAAAABnotatoken').expect(401);
    await as(demo).get('/v2/workflows').expect(200);
  });

  it("keeps each project's objects to itself", async () => {
    const own = await as(demo).get('/v2/workflows').expect(200);
    expect(own.body.workflows.map((wf: { name: string }) => wf.name)).toEqual(expect.arrayContaining(['whoami_wf', 'slow_wf']));
    expect(own.body.workflows.every((wf: { project_id: string }) => wf.project_id === demo.project!.id)).toBe(true);
    const other = await as(alt).get('/v2/workflows').expect(200);
    expect(other.body.workflows.map((wf: { name: string }) => wf.name)).not.toContain('whoami_wf');
    await as(alt).get('/v2/workflows/whoami_wf').expect(404);
    await as(alt).post('/v2/executions', { workflow_name: 'whoami_wf' }).expect(404);
  });

  it('creates a trigger with a trust: trustor the caller, trustee the service user, the caller\'s project and roles', async () => {
    const created = await as(demo)
      .post('/v2/cron_triggers', { name: 'demo_nightly', workflow_name: 'whoami_wf', pattern: '0 5 * * *', timezone: 'Europe/Zurich' })
      .expect(201);
    expect(created.body.trust_status).toBe('ok');
    const trustId = await trustIdOf('demo_nightly');
    expect(JSON.stringify(created.body)).not.toContain(trustId);
    const trust = (await keystone.getTrust(demo.token, trustId))!;
    const service = await login(env.SIROCCO_KEYSTONE_USERNAME, env.SIROCCO_KEYSTONE_PASSWORD, 'service');
    expect(trust).toMatchObject({ trustorUserId: demo.user.id, trusteeUserId: service.user.id, projectId: demo.project!.id, impersonation: true });
    expect(trust.roles).toContain('member');
    await as(alt).get('/v2/cron_triggers/demo_nightly').expect(404);
  });

  it("runs the triggered workflow's actions with a trust-scoped token that acts as the trustor", async () => {
    const fired = await as(demo).post('/v2/cron_triggers/demo_nightly/fire').expect(201);
    expect(fired.body.outcome).toBe('started');
    const execution = await waitFor('the fired execution to end', async () => {
      const response = await as(demo).get(`/v2/executions/${fired.body.execution_id}`).expect(200);
      return ['SUCCESS', 'ERROR'].includes(response.body.state) ? response.body : undefined;
    }, KEYSTONE_POLL);
    expect(execution.state_info).toBeNull();
    expect(JSON.parse(execution.output).project).toMatchObject({ id: demo.project!.id, name: 'demo' });
  });

  it('deletes the trust with the trigger, but only after its last running execution ends', async () => {
    await as(demo).post('/v2/cron_triggers', { name: 'demo_slow', workflow_name: 'slow_wf', pattern: '0 5 * * *' }).expect(201);
    const trustId = await trustIdOf('demo_slow');
    const fired = await as(demo).post('/v2/cron_triggers/demo_slow/fire').expect(201);
    await as(demo).delete('/v2/cron_triggers/demo_slow').expect(204);
    // a negative check: nothing announces that the trust was *not* deleted, so give a wrong eager
    // deletion a second to happen while the execution (a 4 s sleep) still runs
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await keystone.getTrust(demo.token, trustId)).not.toBeNull(); // the execution still runs
    await waitFor('the slow execution to succeed', async () => {
      const response = await as(demo).get(`/v2/executions/${fired.body.execution_id}`).expect(200);
      return response.body.state === 'SUCCESS' ? true : undefined;
    }, KEYSTONE_POLL);
    await waitFor('the trust to be deleted', async () => (await keystone.getTrust(admin.token, trustId)) === null, KEYSTONE_POLL);
  }, 60000);

  it('a revoked trust gives an ERROR execution with the reason, a failed firing, a broken status and an error mail', async () => {
    await as(demo)
      .post('/v2/cron_triggers', { name: 'demo_revoked', workflow_name: 'whoami_wf', workflow_input: { to_addr_error: 'demo-owner@example.org' }, pattern: '0 5 * * *' })
      .expect(201);
    const trustId = await trustIdOf('demo_revoked');
    await keystone.deleteTrust(demo.token, trustId); // the user revokes it behind Sirocco's back
    const checked = await as(demo).post('/v2/cron_triggers/demo_revoked/check').expect(200);
    expect(checked.body.trust_status).toBe('broken');
    expect(checked.body.trust_error).toContain('deleted or has expired');
    expect(checked.body.trust_error).not.toContain(trustId);

    const mailsBefore = smtp.mails.length;
    const fired = await as(demo).post('/v2/cron_triggers/demo_revoked/fire').expect(201);
    expect(fired.body.outcome).toBe('failed');
    const execution = await as(demo).get(`/v2/executions/${fired.body.execution_id}`).expect(200);
    expect(execution.body.state).toBe('ERROR');
    expect(execution.body.state_info).toContain("trust cannot be used");
    expect(execution.body.state_info).not.toContain(trustId);
    const mail = await waitFor('the error mail', async () => smtp.mails[mailsBefore], KEYSTONE_POLL);
    expect(mail.envelopeTo).toEqual(['demo-owner@example.org']);
    expect(mail.parsed.text).toContain(fired.body.execution_id);
    expect(mail.parsed.text).not.toContain(trustId);
  });

  it('checks every trust daily, so a broken one shows before its trigger fires', async () => {
    await as(demo).post('/v2/cron_triggers', { name: 'demo_daily_check', workflow_name: 'whoami_wf', pattern: '0 5 * * *' }).expect(201);
    await keystone.deleteTrust(demo.token, await trustIdOf('demo_daily_check'));
    // a day has passed since the last check; a starting instance catches up at once
    await db.query(`UPDATE cron_triggers SET trust_checked_at = now() - interval '25 hours' WHERE name = 'demo_daily_check'`);
    const other = await startTestApp({ ...env, SIROCCO_AUTH: 'keystone' }, { databaseUrl: t.databaseUrl });
    try {
      const trigger = await waitFor('the trust to show broken', async () => {
        const response = await as(demo).get('/v2/cron_triggers/demo_daily_check').expect(200);
        return response.body.trust_status === 'broken' ? response.body : undefined;
      }, KEYSTONE_POLL);
      expect(trigger.trust_error).toContain('deleted or has expired');
    } finally {
      await other.close();
    }
  });

  it("a snapshot restored onto a fresh instance (empty database) fires the triggers with the trusts they had", async () => {
    const withKey = { ...env, SIROCCO_AUTH: 'keystone', SIROCCO_SECRET_KEY: 'peer-snapshot-key', SIROCCO_ENGINE_POLL_MS: '100' };
    const source = await startTestApp(withKey, { databaseUrl: t.databaseUrl });
    const fresh = await startTestApp(withKey);
    const adminOn = (app: TestApp) => ({
      put: (path: string, body?: object) => app.http.put(path).set('X-Auth-Token', admin.token).send(body ?? {}),
      post: (path: string, body?: object) => app.http.post(path).set('X-Auth-Token', admin.token).send(body ?? {}),
      get: (path: string) => app.http.get(path).set('X-Auth-Token', admin.token),
    });
    try {
      const trustId = await trustIdOf('demo_nightly');
      await adminOn(source).put('/v2/snapshots/peer-1', { include_history: false }).expect(202);
      await waitFor('the snapshot to be CREATED', async () => {
        const response = await adminOn(source).get('/v2/snapshots/peer-1').expect(200);
        return response.body.status === 'CREATED' ? true : undefined;
      }, KEYSTONE_POLL);
      await as(demo).get('/v2/snapshots').expect(403);
      const download = await adminOn(source)
        .get('/v2/snapshots/peer-1/archive')
        .buffer(true)
        .parse((res, callback) => {
          const parts: Buffer[] = [];
          res.on('data', (part: Buffer) => parts.push(part));
          res.on('end', () => callback(null, Buffer.concat(parts)));
        })
        .expect(200);
      const archive = download.body as Buffer;
      expect((await import('node:zlib')).gunzipSync(archive).toString('latin1')).not.toContain(trustId);

      await fresh.http.put('/v2/snapshots/peer-1/archive').set('X-Auth-Token', admin.token).set('Content-Type', 'application/gzip').send(archive).expect(201);
      await adminOn(fresh).put('/v2/maintenance', { status: 'activated' }).expect(200);
      await adminOn(fresh).post('/v2/snapshots/peer-1/restore', {}).expect(202);
      await waitFor('the restore to end', async () => {
        const response = await adminOn(fresh).get('/v2/snapshots/peer-1').expect(200);
        return response.body.restore_status === 'DONE' ? true : undefined;
      }, KEYSTONE_POLL);
      await adminOn(fresh).put('/v2/maintenance', { status: 'deactivated' }).expect(200);

      const fired = await fresh.http.post('/v2/cron_triggers/demo_nightly/fire').set('X-Auth-Token', demo.token).expect(201);
      expect(fired.body.outcome).toBe('started');
      const execution = await waitFor('the fired execution on the fresh instance to end', async () => {
        const response = await fresh.http.get(`/v2/executions/${fired.body.execution_id}`).set('X-Auth-Token', demo.token).expect(200);
        return ['SUCCESS', 'ERROR'].includes(response.body.state) ? response.body : undefined;
      }, KEYSTONE_POLL);
      expect(execution.state_info).toBeNull();
      expect(JSON.parse(execution.output).project).toMatchObject({ id: demo.project!.id, name: 'demo' });
    } finally {
      await fresh.close();
      await source.close();
    }
  }, 90000);
});

/** Resource sharing between two real projects: demo owns the workflows, alt is the member. */
describe('sharing a workflow between two projects, on a real Keystone', () => {
  const env = keystoneEnv();
  const keystone = new KeystoneClient(env.SIROCCO_KEYSTONE_URL);
  let t: TestApp;
  let demo: KeystoneToken;
  let alt: KeystoneToken;
  const ids: Record<string, string> = {};

  const login = (username: string, password: string, project: string) =>
    keystone.passwordAuth({ authUrl: env.SIROCCO_KEYSTONE_URL, username, password, userDomain: 'default', project, projectDomain: 'default' });
  const as = (token: KeystoneToken) => ({
    get: (path: string) => t.http.get(path).set('X-Auth-Token', token.token),
    post: (path: string, body?: object) => t.http.post(path).set('X-Auth-Token', token.token).send(body ?? {}),
    put: (path: string, body: object) => t.http.put(path).set('X-Auth-Token', token.token).send(body),
    delete: (path: string) => t.http.delete(path).set('X-Auth-Token', token.token),
  });
  const names = async (token: KeystoneToken): Promise<string[]> =>
    (await as(token).get('/v2/workflows').expect(200)).body.workflows.map((wf: { name: string }) => wf.name);

  beforeAll(async () => {
    t = await startTestApp({ ...env, SIROCCO_AUTH: 'keystone' });
    [demo, alt] = await Promise.all([login('demo', 'demo-pass', 'demo'), login('alt', 'alt-pass', 'alt')]);
    const definition = WORKFLOWS.replace(/whoami_wf/g, 'shared_whoami_wf').replace(/slow_wf/g, 'cli_shared_wf');
    const created = await t.http.post('/v2/workflows').set('X-Auth-Token', demo.token).set('Content-Type', 'text/plain').send(definition).expect(201);
    for (const wf of created.body.workflows) ids[wf.name] = wf.id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('the member project sees the workflow once it accepts, and runs it as itself', async () => {
    const path = `/v2/workflows/${ids.shared_whoami_wf}/members`;
    const shared = await as(demo).post(path, { member_id: alt.project!.id }).expect(201);
    expect(shared.body).toMatchObject({ resource_id: ids.shared_whoami_wf, resource_type: 'workflow', project_id: demo.project!.id, member_id: alt.project!.id, status: 'pending' });
    expect(await names(alt)).not.toContain('shared_whoami_wf');
    await as(alt).post('/v2/executions', { workflow_id: ids.shared_whoami_wf }).expect(404);

    await as(alt).put(`${path}/${alt.project!.id}`, { status: 'accepted' }).expect(200);
    expect(await names(alt)).toContain('shared_whoami_wf');
    expect((await as(alt).get(`/v2/workflows/${ids.shared_whoami_wf}`).expect(200)).body.project_id).toBe(demo.project!.id);
    const started = await as(alt).post('/v2/executions', { workflow_id: ids.shared_whoami_wf }).expect(201);
    expect(started.body.project_id).toBe(alt.project!.id);
    const execution = await waitFor('the shared workflow to end', async () => {
      const response = await as(alt).get(`/v2/executions/${started.body.id}`).expect(200);
      return ['SUCCESS', 'ERROR'].includes(response.body.state) ? response.body : undefined;
    }, KEYSTONE_POLL);
    expect(execution.state_info).toBeNull();
    // its OpenStack actions act with the member's credentials, in the member's project
    expect(JSON.parse(execution.output).project).toMatchObject({ id: alt.project!.id, name: 'alt' });
    await as(demo).get(`/v2/executions/${started.body.id}`).expect(404);

    await as(alt).put(`${path}/${alt.project!.id}`, { status: 'rejected' }).expect(200);
    expect(await names(alt)).not.toContain('shared_whoami_wf');
    await as(alt).get(`/v2/workflows/${ids.shared_whoami_wf}`).expect(404);
    await as(demo).delete(`${path}/${alt.project!.id}`).expect(204);
    expect((await as(alt).get(path).expect(200)).body).toEqual({ members: [] });
  });

  it('the mistral CLI: member-create, member-get, member-update, member-list, member-delete', async () => {
    const cli = (user: string, project: { name: string } | { id: string }) =>
      mistralCli(t, { authUrl: env.SIROCCO_KEYSTONE_URL, username: user, password: `${user}-pass`, project });
    // the member's client names its project by id: member-get and member-update without -m use it
    const [owner, member] = [cli('demo', { name: 'demo' }), cli('alt', { id: alt.project!.id })];
    const id = ids.cli_shared_wf;

    const created = await owner.json('member-create', id, 'workflow', alt.project!.id);
    expect(created).toMatchObject({ 'Resource ID': id, 'Resource Type': 'workflow', 'Resource Owner': demo.project!.id, 'Member ID': alt.project!.id, Status: 'pending' });
    // the member names no member id: the CLI uses its own project's
    expect(await member.json('member-get', id, 'workflow')).toMatchObject({ 'Member ID': alt.project!.id, Status: 'pending' });
    expect(await member.json('member-update', id, 'workflow', '-s', 'accepted')).toMatchObject({ Status: 'accepted' });
    expect(await member.json('workflow-get', id)).toMatchObject({ Name: 'cli_shared_wf', 'Project ID': demo.project!.id });
    expect(await owner.json('member-get', id, 'workflow', '-m', alt.project!.id)).toMatchObject({ Status: 'accepted' });
    expect(await owner.json<Array<Record<string, unknown>>>('member-list', id, 'workflow')).toEqual([
      expect.objectContaining({ 'Member ID': alt.project!.id, Status: 'accepted' }),
    ]);

    expect(await owner.mistral('member-delete', id, 'workflow', alt.project!.id)).toContain(`Request to delete workflow member ${alt.project!.id} has been accepted.`);
    // the CLI prints one empty row for an empty list
    const left = await member.json<Array<Record<string, unknown>>>('member-list', id, 'workflow');
    expect(left.filter((row) => row['Member ID'] !== '')).toEqual([]);
    await expect(member.mistral('workflow-get', id)).rejects.toMatchObject({ stderr: expect.stringContaining('Workflow not found') });
    await expect(member.mistral('member-create', id, 'workflow', alt.project!.id)).rejects.toMatchObject({
      stderr: expect.stringContaining('Workflow not found'),
    });
  }, 240000); // a dozen CLI runs, each logging in to Keystone
});

/** noauth mode: actions act on the cloud of clouds.yaml (OS_CLOUD), as openstackclient would. */
describe('noauth mode with a clouds.yaml cloud, on a real Keystone', () => {
  const env = keystoneEnv();
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    dir = mkdtempSync(`${tmpdir()}/sirocco-cloud-`);
    writeFileSync(
      `${dir}/clouds.yaml`,
      `clouds:\n  demo-cloud:\n    auth:\n      auth_url: ${env.SIROCCO_KEYSTONE_URL}\n      username: demo\n      password: demo-pass\n      project_name: demo\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n`,
    );
    t = await startTestApp({ OS_CLOUD: 'demo-cloud', OS_CLIENT_CONFIG_FILE: `${dir}/clouds.yaml` });
    await t.http.post('/v2/workflows').set('Content-Type', 'text/plain').send(WORKFLOWS).expect(201);
  });
  afterAll(async () => {
    await t.close();
    const { rmSync } = await import('node:fs');
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs the actions with the cloud's credentials", async () => {
    const created = await t.http.post('/v2/executions').send({ workflow_name: 'whoami_wf' }).expect(201);
    const execution = await waitFor('the execution to end', async () => {
      const response = await t.http.get(`/v2/executions/${created.body.id}`).expect(200);
      return ['SUCCESS', 'ERROR'].includes(response.body.state) ? response.body : undefined;
    }, KEYSTONE_POLL);
    expect(execution.state_info).toBeNull();
    expect(JSON.parse(execution.output).project).toMatchObject({ name: 'demo' });
  });
});
