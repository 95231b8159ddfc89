import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ExecutionsClient } from '../support/executions-client';
import { startFakeOpenStack, type FakeOpenStack } from '../support/fake-openstack/fake-openstack';
import { startTestApp, type TestApp, keystoneModeEnv } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { downloadArchive, POLL, restoreAndWait, SECRET_KEY, sha256, takeSnapshot, tarGz, untarGz, uploadArchive } from './archive-tools';

const WORKFLOWS = `
version: '2.0'
quick_wf:
  tasks:
    hello:
      action: std.echo output=hi
callback_wf:
  tasks:
    wait_for_callback:
      action: std.async_noop
`;

const ENV = { SIROCCO_SECRET_KEY: SECRET_KEY, SIROCCO_ENGINE_POLL_MS: '100' };

/** What a restore refuses, before it changes anything; and what it does to executions that were running. */
describe('service snapshots: refused archives and requests', () => {
  let source: TestApp;
  let target: TestApp;
  let archive: Buffer;
  let runningId: string;

  beforeAll(async () => {
    source = await startTestApp(ENV);
    target = await startTestApp(ENV);
    const client = new ExecutionsClient(source.http);
    await client.createWorkflow(WORKFLOWS);
    await source.http.post('/v2/cron_triggers').send({ name: 'early', workflow_name: 'quick_wf', pattern: '0 5 * * *' }).expect(201);
    runningId = await client.start('callback_wf');
    await client.waitFor(runningId, ['RUNNING']);
    await waitFor('the asynchronous action to wait', async () => {
      const tasks = await client.tasks(runningId);
      return tasks.length > 0 ? true : undefined;
    }, POLL);
    await takeSnapshot(source.http, 'base', true);
    archive = await downloadArchive(source.http, 'base');
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  async function refusedRestore(id: string, upload: Buffer): Promise<string> {
    await uploadArchive(target.http, id, upload).expect(201);
    const response = await target.http.post(`/v2/snapshots/${id}/restore`).send({ force: true });
    expect(response.status).toBe(400);
    expect((await target.http.get('/v2/snapshot-status').expect(200)).body.status).toBe('NOT_RUNNING');
    return response.body.faultstring as string;
  }

  it('a byte flipped in the archive: the upload is refused with 400', async () => {
    const flipped = Buffer.from(archive);
    flipped[Math.floor(flipped.length / 2)] ^= 0xff;
    const response = await uploadArchive(target.http, 'flipped', flipped);
    expect(response.status).toBe(400);
    expect(response.body.faultstring).toContain('The snapshot archive is refused');
    expect((await target.http.get('/v2/snapshots/flipped')).status).toBe(404);
  });

  it('a member altered (a well-formed tar.gz): refused by its checksum, naming the member', async () => {
    const members = await untarGz(archive);
    const workflows = members.get('workflow_definitions.jsonl')!.toString('utf8').replace('quick_wf', 'quick_xf');
    members.set('workflow_definitions.jsonl', Buffer.from(workflows, 'utf8'));
    const response = await uploadArchive(target.http, 'altered', await tarGz(members));
    expect(response.status).toBe(400);
    expect(response.body.faultstring).toContain('checksum mismatch in workflow_definitions.jsonl');
  });

  it('an archive from a newer schema: 400 naming both schema versions', async () => {
    const members = await untarGz(archive);
    const manifest = JSON.parse(members.get('manifest.json')!.toString('utf8'));
    const current = manifest.schema_version as string;
    manifest.schema_version = 'AddTimeTravel9999999999999';
    members.set('manifest.json', Buffer.from(JSON.stringify(manifest), 'utf8'));
    const message = await refusedRestore('newer', await tarGz(members));
    expect(message).toContain('AddTimeTravel9999999999999');
    expect(message).toContain(current);
    expect(message).toContain('is newer than');
  });

  it('an archive from an older schema (a column it did not have yet): restored, the column takes its default', async () => {
    const members = await untarGz(archive);
    const manifest = JSON.parse(members.get('manifest.json')!.toString('utf8'));
    manifest.schema_version = 'CreateServiceState1764900000000';
    const rows = members
      .get('workflow_definitions.jsonl')!
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const row = JSON.parse(line);
        delete row.tags;
        return JSON.stringify(row) + '\n';
      });
    const older = Buffer.from(rows.join(''), 'utf8');
    members.set('workflow_definitions.jsonl', older);
    manifest.files['workflow_definitions.jsonl'] = { sha256: sha256(older), bytes: older.length };
    members.set('manifest.json', Buffer.from(JSON.stringify(manifest), 'utf8'));
    await uploadArchive(target.http, 'older', await tarGz(members)).expect(201);
    await restoreAndWait(target.http, 'older', true);
    const workflow = await target.http.get('/v2/workflows/quick_wf').expect(200);
    expect(workflow.body.tags).toEqual([]);
  });

  it('an archive made before workflow_specs (each execution carrying its spec): restored, each spec stored once', async () => {
    const members = await untarGz(archive);
    const manifest = JSON.parse(members.get('manifest.json')!.toString('utf8'));
    manifest.schema_version = 'AddExecutionListIndexes1765200000000';
    const lines = (name: string) => members.get(name)!.toString('utf8').trim().split('\n').map((line) => JSON.parse(line));
    const specs = new Map(lines('workflow_specs.jsonl').map((row) => [row.id, row.spec]));
    const executions = lines('workflow_executions.jsonl').map(({ spec_id: specId, ...row }) => ({ ...row, spec: specs.get(specId) }));
    // a second, finished run of the same workflow: its copy of the spec is the same
    const copyId = randomUUID();
    executions.push({ ...executions[0], id: copyId, state: 'SUCCESS' });
    const older = Buffer.from(executions.map((row) => JSON.stringify(row) + '\n').join(''), 'utf8');
    members.set('workflow_executions.jsonl', older);
    manifest.files['workflow_executions.jsonl'] = { sha256: sha256(older), bytes: older.length };
    members.delete('workflow_specs.jsonl');
    delete manifest.files['workflow_specs.jsonl'];
    delete manifest.counts.workflow_specs;
    members.set('manifest.json', Buffer.from(JSON.stringify(manifest), 'utf8'));
    await uploadArchive(target.http, 'before-specs', await tarGz(members)).expect(201);
    await restoreAndWait(target.http, 'before-specs', true);

    const client = new ExecutionsClient(target.http);
    expect(await client.get(runningId)).toMatchObject({ workflow_name: 'callback_wf', state: 'ERROR', state_info: 'interrupted by restore' });
    expect(await client.get(copyId)).toMatchObject({ workflow_name: 'callback_wf', state: 'SUCCESS' });
    const db = new Client({ connectionString: target.databaseUrl });
    await db.connect();
    const specUse = async () =>
      (await db.query(`SELECT count(DISTINCT e.spec_id)::int AS used, (SELECT count(*)::int FROM workflow_specs) AS stored FROM workflow_executions e`)).rows[0];
    try {
      expect(await specUse()).toEqual({ used: 1, stored: 1 });
      // a new run of the restored workflow shares that row
      const started = await client.start('callback_wf');
      expect(await specUse()).toEqual({ used: 1, stored: 1 });
      await target.http.put(`/v2/executions/${started}`).send({ state: 'CANCELLED' }).expect(200);
    } finally {
      await db.end();
    }
  });

  it('an archive encrypted with another SIROCCO_SECRET_KEY: 400 saying so', async () => {
    const other = await startTestApp({ ...ENV, SIROCCO_SECRET_KEY: 'another key altogether' });
    try {
      await uploadArchive(other.http, 'base', archive).expect(201);
      const response = await other.http.post('/v2/snapshots/base/restore').send({ force: true });
      expect(response.status).toBe(400);
      expect(response.body.faultstring).toContain('the archive was encrypted with another SIROCCO_SECRET_KEY');
    } finally {
      await other.close();
    }
  });

  it('no SIROCCO_SECRET_KEY: creating a snapshot is refused (409), never written with secrets in clear', async () => {
    const keyless = await startTestApp({ SIROCCO_ENGINE_POLL_MS: '100' });
    try {
      const response = await keyless.http.put('/v2/snapshots/nightly').send({ include_history: false });
      expect(response.status).toBe(409);
      expect(response.body.faultstring).toContain('SIROCCO_SECRET_KEY is not set');
      expect((await keyless.http.get('/v2/snapshots').expect(200)).body.snapshots).toEqual([]);
    } finally {
      await keyless.close();
    }
  });

  it('bad requests: an invalid id, an unknown field, a non-boolean, a missing snapshot, a non-http URL', async () => {
    expect((await target.http.put('/v2/snapshots/bad%20id').send({})).status).toBe(400);
    const unknown = await target.http.put('/v2/snapshots/ok').send({ include_metrics: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.faultstring).toContain('include_history');
    const notBoolean = await target.http.put('/v2/snapshots/ok').send({ include_history: 'yes' });
    expect(notBoolean.status).toBe(400);
    expect(notBoolean.body.faultstring).toContain('include_history must be true or false');
    expect((await target.http.post('/v2/snapshots/missing/restore').send({ force: true })).status).toBe(404);
    const badUrl = await target.http.put('/v2/snapshots/from-url/archive?snapshot_archive_url=ftp://example.org/a.tar.gz');
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.faultstring).toContain('snapshot_archive_url must be http or https');
  });

  it('an upload by URL: Sirocco fetches the archive', async () => {
    const response = await target.http
      .put(`/v2/snapshots/by-url/archive?snapshot_archive_url=${encodeURIComponent(`${source.baseUrl}/v2/snapshots/base/archive`)}`)
      .expect(201);
    expect(response.body).toMatchObject({ id: 'by-url', status: 'UPLOADED', archive_size: archive.length });
  });

  it('force restores outside maintenance mode; an execution running in the archive ends ERROR "interrupted by restore"', async () => {
    await uploadArchive(target.http, 'forced', archive).expect(201);
    expect((await target.http.get('/v2/maintenance').expect(200)).body.status).toBe('deactivated');
    await restoreAndWait(target.http, 'forced', true);
    const execution = await new ExecutionsClient(target.http).get(runningId);
    expect(execution.state).toBe('ERROR');
    expect(execution.state_info).toBe('interrupted by restore');
    expect((await target.http.get('/v2/snapshot-status').expect(200)).body).toEqual({
      status: 'NOT_RUNNING',
      message: 'No snapshot restore currently running.',
    });
  });

  it('a restore that fails midway (rows that do not fit) changes nothing and says FAILED', async () => {
    const members = await untarGz(archive);
    const manifest = JSON.parse(members.get('manifest.json')!.toString('utf8'));
    // the trigger's workflow is missing: its row breaks the foreign key
    members.set('workflow_definitions.jsonl', Buffer.alloc(0));
    manifest.files['workflow_definitions.jsonl'] = { sha256: sha256(Buffer.alloc(0)), bytes: 0 };
    members.set('manifest.json', Buffer.from(JSON.stringify(manifest), 'utf8'));
    const names = async () => (await target.http.get('/v2/workflows').expect(200)).body.workflows.map((wf: { name: string }) => wf.name).sort();
    const before = await names();
    await uploadArchive(target.http, 'broken', await tarGz(members)).expect(201);
    await target.http.post('/v2/snapshots/broken/restore').send({ force: true }).expect(202);
    const snapshot = await waitFor('the restore to fail', async () => {
      const response = await target.http.get('/v2/snapshots/broken').expect(200);
      return response.body.restore_status === 'FAILED' ? response.body : undefined;
    }, POLL);
    expect(snapshot.restore_error).toContain('nothing was changed');
    expect(await names()).toEqual(before);
    expect((await target.http.get('/v2/snapshot-status').expect(200)).body.status).toBe('NOT_RUNNING');
  });

  it('snapshot-status: RUNNING while a restore is marked running; a restore whose instance died turns FAILED instead of RUNNING forever', async () => {
    await uploadArchive(target.http, 'status', archive).expect(201);
    const db = new Client({ connectionString: target.databaseUrl });
    await db.connect();
    try {
      await db.query(`UPDATE service_snapshots SET restore_status = 'RUNNING', restore_started_at = now() WHERE id = 'status'`);
      expect((await target.http.get('/v2/snapshot-status').expect(200)).body.status).toBe('RUNNING');
      const second = await target.http.post('/v2/snapshots/status/restore').send({ force: true });
      expect(second.status).toBe(409);
      expect(second.body.faultstring).toContain('already in progress');
      // its instance stopped a while ago: no transaction holds the restore lock
      await db.query(`UPDATE service_snapshots SET restore_started_at = now() - interval '5 minutes' WHERE id = 'status'`);
      expect((await target.http.get('/v2/snapshot-status').expect(200)).body.status).toBe('NOT_RUNNING');
      const snapshot = (await target.http.get('/v2/snapshots/status').expect(200)).body;
      expect(snapshot).toMatchObject({ restore_status: 'FAILED', restore_error: expect.stringContaining('the instance restoring it stopped') });
    } finally {
      await db.end();
    }
  });
});

describe('service snapshots: administrators only (keystone mode)', () => {
  let cloud: FakeOpenStack;
  let app: TestApp;

  beforeAll(async () => {
    cloud = await startFakeOpenStack({ transitionMs: 5 });
    app = await startTestApp({
      ...ENV,
      ...keystoneModeEnv(cloud),
    });
  });
  afterAll(async () => {
    await app?.close();
    await cloud?.close();
  });

  it('a member gets 403 on every snapshot call; an administrator takes one', async () => {
    const demo = cloud.tokenFor('demo');
    const refused = [
      await app.http.put('/v2/snapshots/s1').set('X-Auth-Token', demo).send({}),
      await app.http.get('/v2/snapshots').set('X-Auth-Token', demo),
      await app.http.get('/v2/snapshots/s1').set('X-Auth-Token', demo),
      await app.http.post('/v2/snapshots/s1/restore').set('X-Auth-Token', demo).send({ force: true }),
      await app.http.put('/v2/snapshots/s1/archive').set('X-Auth-Token', demo).set('Content-Type', 'application/gzip').send(Buffer.from('x')),
    ];
    for (const response of refused) {
      expect(response.status).toBe(403);
      expect(response.body.faultstring).toBe('Only an administrator may manage snapshots of Sirocco');
    }
    const admin = cloud.tokenFor('admin');
    await takeSnapshot(app.http, 's1', false, admin);
    expect((await downloadArchive(app.http, 's1', admin)).length).toBeGreaterThan(0);
  });
});
