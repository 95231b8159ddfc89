import { Client } from 'pg';
import { gunzipSync } from 'node:zlib';
import { ExecutionsClient } from '../support/executions-client';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { downloadArchive, POLL, restoreAndWait, SECRET_KEY, sha256, takeSnapshot, untarGz, uploadArchive } from './archive-tools';

const WORKFLOWS = `
version: '2.0'
nightly_wf:
  input:
    - server
    - password: null
    - to_addr_error: null
  tasks:
    t:
      # the password comes back under a name that says nothing: the archive must hide it too
      action: std.echo output=<% $.password %>
      publish:
        echoed: <% $task().result %>
`;

const WORKBOOK = `version: '2.0'
name: tools
actions:
  greet:
    base: std.echo
    base-input:
      output: <% 'hello ' & $.who %>
    input:
      - who
workflows:
  say_hi:
    tasks:
      hi:
        action: greet who=ops
`;

const TRUST_ID = 'trust-0123456789abcdef0123456789abcdef';
const ENV_PASSWORD = 'hunter2-env-secret';
const INPUT_PASSWORD = 'p4ssw0rd-input-secret';
const ENV = { SIROCCO_SECRET_KEY: SECRET_KEY, SIROCCO_ENGINE_POLL_MS: '100' };

async function connect(databaseUrl: string): Promise<Client> {
  const db = new Client({ connectionString: databaseUrl });
  db.on('error', () => undefined);
  await db.connect();
  return db;
}

/** A snapshot on instance A, restored onto a fresh instance B on an empty database. */
describe('service snapshots: create, inspect, recover onto a fresh instance', () => {
  let a: TestApp;
  let b: TestApp;
  let dbA: Client;
  let dbB: Client;
  let archive: Buffer;
  let executionId: string;

  beforeAll(async () => {
    a = await startTestApp(ENV);
    b = await startTestApp(ENV);
    dbA = await connect(a.databaseUrl);
    dbB = await connect(b.databaseUrl);
    await new ExecutionsClient(a.http).createWorkflow(WORKFLOWS);
    await a.http.post('/v2/environments').send({ name: 'prod', variables: { region: 'RegionOne', db_password: ENV_PASSWORD } }).expect(201);
    const trigger = await a.http
      .post('/v2/cron_triggers')
      .send({ name: 'nightly', workflow_name: 'nightly_wf', workflow_input: { server: 'vm1', password: INPUT_PASSWORD }, pattern: '0 3 * * *' })
      .expect(201);
    // the trust a keystone-mode trigger keeps (noauth mode makes none): it must travel, encrypted
    await dbA.query(`INSERT INTO trigger_trusts (trigger_id, trust_id, project_id) VALUES ($1, $2, $3)`, [trigger.body.id, TRUST_ID, trigger.body.project_id]);
    await a.http.post('/v2/workbooks').set('Content-Type', 'text/plain').send(WORKBOOK).expect(201);
    const workflowId = (await a.http.get('/v2/workflows/nightly_wf').expect(200)).body.id;
    await a.http
      .post('/v2/event_triggers')
      .send({ name: 'on_create', workflow_id: workflowId, exchange: 'nova', topic: 'notifications', event: 'compute.instance.create.end', workflow_input: { server: 'vm3', password: INPUT_PASSWORD } })
      .expect(201);
    const execution = await new ExecutionsClient(a.http).run('nightly_wf', { server: 'vm2', password: INPUT_PASSWORD });
    expect(execution.state).toBe('SUCCESS');
    executionId = execution.id;
  });
  afterAll(async () => {
    await dbA?.end();
    await dbB?.end();
    await a?.close();
    await b?.close();
  });

  it('PUT /v2/snapshots/{id} answers CREATING, then the snapshot is CREATED with its counts; the list shows it', async () => {
    const snapshot = await takeSnapshot(a.http, 'nightly-1', true);
    expect(snapshot).toMatchObject({
      id: 'nightly-1',
      error: null,
      include_history: true,
      sirocco_version: expect.any(String),
      schema_version: expect.stringMatching(/\d{13}$/),
      counts: expect.objectContaining({ workflow_definitions: 2, workbooks: 1, adhoc_actions: 1, event_triggers: 1, environments: 1, cron_triggers: 1, trigger_trusts: 1, workflow_specs: 1, workflow_executions: 1 }),
    });
    expect(snapshot.archive_size).toEqual(expect.any(Number));
    const list = await a.http.get('/v2/snapshots').expect(200);
    expect(list.body.snapshots.map((item: { id: string }) => item.id)).toEqual(['nightly-1']);
    const again = await a.http.put('/v2/snapshots/nightly-1').send({});
    expect(again.status).toBe(409);
    expect(again.body.faultstring).toContain("'nightly-1' already exists");
    for (const response of [list, again]) expect(JSON.stringify(response.body)).not.toContain(TRUST_ID);
  });

  it('the archive is a tar.gz with a manifest whose checksums match, and no trust id or secret in clear', async () => {
    archive = await downloadArchive(a.http, 'nightly-1');
    const members = await untarGz(archive);
    const manifest = JSON.parse(members.get('manifest.json')!.toString('utf8'));
    expect(manifest).toMatchObject({
      format: 'sirocco-service-snapshot',
      format_version: 1,
      include_history: true,
      encryption: { algorithm: 'AES-256-GCM', kdf: 'HKDF-SHA256' },
      counts: expect.objectContaining({ workflow_definitions: 2, workbooks: 1, adhoc_actions: 1, resource_members: 0, event_triggers: 1, environments: 1, cron_triggers: 1, trigger_firings: 0, trigger_trusts: 1, workflow_specs: 1, workflow_executions: 1 }),
    });
    expect(Object.keys(manifest.files).sort()).toEqual([...members.keys()].filter((name) => name !== 'manifest.json').sort());
    for (const [name, { sha256: expected }] of Object.entries<{ sha256: string }>(manifest.files)) expect(sha256(members.get(name)!)).toBe(expected);
    const workflows = members.get('workflow_definitions.jsonl')!.toString('utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(workflows[0]).toMatchObject({ name: 'nightly_wf', namespace: '', scope: 'private' });
    const executions = members.get('workflow_executions.jsonl')!.toString('utf8');
    expect(executions).toContain(executionId);

    const bytes = gunzipSync(archive).toString('latin1');
    for (const secret of [TRUST_ID, ENV_PASSWORD, INPUT_PASSWORD]) expect(bytes).not.toContain(secret);
    expect(bytes).toContain('"$encrypted"');
  });

  it('B (empty database) refuses the restore outside maintenance mode, then restores and has A\'s workflows, environments, triggers, trusts and history', async () => {
    const uploaded = await uploadArchive(b.http, 'from-a', archive).expect(201);
    expect(uploaded.body).toMatchObject({ id: 'from-a', status: 'UPLOADED', include_history: true });
    expect(JSON.stringify(uploaded.body)).not.toContain(TRUST_ID);

    const refused = await b.http.post('/v2/snapshots/from-a/restore').send({ force: false });
    expect(refused.status).toBe(409);
    expect(refused.body.faultstring).toContain('activate maintenance mode first');
    expect((await b.http.get('/v2/workflows/nightly_wf')).status).toBe(404);

    await b.http.put('/v2/maintenance').send({ status: 'activated' }).expect(200);
    await restoreAndWait(b.http, 'from-a');
    await b.http.put('/v2/maintenance').send({ status: 'deactivated' }).expect(200);

    expect((await b.http.get('/v2/workflows/nightly_wf').expect(200)).body.name).toBe('nightly_wf');
    const env = await dbB.query(`SELECT variables FROM environments WHERE name = 'prod'`);
    expect(env.rows[0].variables).toEqual({ region: 'RegionOne', db_password: ENV_PASSWORD });
    const trigger = await b.http.get('/v2/cron_triggers/nightly').expect(200);
    expect(trigger.body).toMatchObject({ pattern: '0 3 * * *', workflow_name: 'nightly_wf' });
    const input = await dbB.query(`SELECT workflow_input FROM cron_triggers WHERE name = 'nightly'`);
    expect(input.rows[0].workflow_input).toEqual({ server: 'vm1', password: INPUT_PASSWORD });
    const trusts = await dbB.query(`SELECT trigger_id, trust_id FROM trigger_trusts`);
    expect(trusts.rows).toEqual([{ trigger_id: trigger.body.id, trust_id: TRUST_ID }]);
    expect((await new ExecutionsClient(b.http).get(executionId)).state).toBe('SUCCESS');
    // the execution's spec travels in workflow_specs, the same row as A's
    const specs = async (db: Client) => (await db.query(`SELECT s.id, s.spec FROM workflow_specs s JOIN workflow_executions e ON e.spec_id = s.id WHERE e.id = $1`, [executionId])).rows;
    expect(await specs(dbB)).toEqual(await specs(dbA));
    // workbooks, their ad-hoc actions (in B's catalog at once) and event triggers travel too
    expect((await b.http.get('/v2/workbooks/tools').expect(200)).body.definition).toBe(WORKBOOK);
    expect((await b.http.get('/v2/actions/tools.greet').expect(200)).body.name).toBe('tools.greet');
    expect((await new ExecutionsClient(b.http).run('tools.say_hi')).state).toBe('SUCCESS');
    const eventTriggers = (await b.http.get('/v2/event_triggers').expect(200)).body.event_triggers;
    expect(eventTriggers.map((trigger: { name: string }) => trigger.name)).toEqual(['on_create']);
    const eventInput = await dbB.query(`SELECT workflow_input FROM event_triggers WHERE name = 'on_create'`);
    expect(eventInput.rows[0].workflow_input).toEqual({ server: 'vm3', password: INPUT_PASSWORD });
    // the snapshot list of B is B's own: the restore does not replace it
    expect((await b.http.get('/v2/snapshots').expect(200)).body.snapshots.map((item: { id: string }) => item.id)).toEqual(['from-a']);
  });

  it("B fires A's trigger once a slot is due", async () => {
    await dbB.query(`UPDATE cron_triggers SET next_execution_time = date_trunc('second', now()), next_fire_at = date_trunc('second', now()) WHERE name = 'nightly'`);
    const firing = await waitFor('a firing of nightly on B', async () => {
      const response = await b.http.get('/v2/cron_triggers/nightly/firings').expect(200);
      return response.body.firings.find((item: { outcome: string }) => item.outcome === 'started');
    }, POLL);
    const execution = await new ExecutionsClient(b.http).waitFor(firing.execution_id);
    expect(execution.state).toBe('SUCCESS');
    expect(execution.input).toMatchObject({ server: 'vm1' });
  });

  it('DELETE /v2/snapshots/{id} removes it (404 after)', async () => {
    await takeSnapshot(a.http, 'to-delete', false);
    await a.http.delete('/v2/snapshots/to-delete').expect(204);
    expect((await a.http.get('/v2/snapshots/to-delete')).status).toBe(404);
    expect((await a.http.delete('/v2/snapshots/to-delete')).status).toBe(404);
  });
});

/** Scheduled work across a restore, as Cloudify: an overdue slot is not replayed but FAILED and reported. */
describe('service snapshots: trigger slots that fell due while the snapshot was away', () => {
  let smtp: SmtpSink;
  let source: TestApp;
  let target: TestApp;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    source = await startTestApp(ENV);
    target = await startTestApp({ ...ENV, SIROCCO_SMTP_URL: smtp.url, SIROCCO_OPERATOR_EMAIL: 'operator@cloud.example' });
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
    await smtp?.stop();
  });

  it('one FAILED firing "scheduled for T is overdue, marking as FAILED", one mail to to_addr_error, the schedule moved on; the next slot fires', async () => {
    await new ExecutionsClient(source.http).createWorkflow(WORKFLOWS);
    await source.http
      .post('/v2/cron_triggers')
      .send({ name: 'daily', workflow_name: 'nightly_wf', workflow_input: { server: 'vm1', to_addr_error: 'owner@example.org' }, pattern: '0 3 * * *' })
      .expect(201);
    // the snapshot was taken before today's 03:00 slot (held by maintenance on the source), restored after it
    await source.http.put('/v2/maintenance').send({ status: 'activated' }).expect(200);
    const db = await connect(source.databaseUrl);
    try {
      await db.query(
        `UPDATE cron_triggers SET next_execution_time = s.slot, next_fire_at = s.slot
           FROM (SELECT CASE WHEN now() >= date_trunc('day', now()) + interval '3 hours' THEN date_trunc('day', now()) + interval '3 hours'
                             ELSE date_trunc('day', now()) - interval '21 hours' END AS slot) s
          WHERE name = 'daily'`,
      );
    } finally {
      await db.end();
    }
    await takeSnapshot(source.http, 'before-slot', false);
    const archive = await downloadArchive(source.http, 'before-slot');

    await uploadArchive(target.http, 'before-slot', archive).expect(201);
    await target.http.put('/v2/maintenance').send({ status: 'activated' }).expect(200);
    const mailsBefore = smtp.mails.length;
    await restoreAndWait(target.http, 'before-slot');

    const firings = (await target.http.get('/v2/cron_triggers/daily/firings').expect(200)).body.firings;
    expect(firings).toHaveLength(1);
    expect(firings[0]).toMatchObject({ outcome: 'failed', execution_id: null });
    expect(firings[0].error).toBe(`scheduled for ${firings[0].scheduled_for} UTC is overdue, marking as FAILED`);
    expect(firings[0].scheduled_for).toMatch(/ 03:00:00$/);
    const trigger = (await target.http.get('/v2/cron_triggers/daily').expect(200)).body;
    expect(new Date(`${trigger.next_execution_time}Z`).getTime()).toBeGreaterThan(Date.now());
    expect(trigger.next_execution_time).toMatch(/ 03:00:00$/);

    const mail = await waitFor('the overdue mail', async () => smtp.mails[mailsBefore], POLL);
    expect(mail.envelopeTo).toEqual(['owner@example.org']);
    expect(mail.parsed.subject).toContain('daily');
    expect(mail.parsed.text).toContain('is overdue, marking as FAILED');
    expect(smtp.mails).toHaveLength(mailsBefore + 1);

    // the next slot (tomorrow 03:00) fires as scheduled: brought forward here by SQL
    await target.http.put('/v2/maintenance').send({ status: 'deactivated' }).expect(200);
    const db2 = await connect(target.databaseUrl);
    try {
      await db2.query(`UPDATE cron_triggers SET next_execution_time = date_trunc('second', now()), next_fire_at = date_trunc('second', now()) WHERE name = 'daily'`);
    } finally {
      await db2.end();
    }
    const started = await waitFor('the next slot to fire', async () => {
      const response = await target.http.get('/v2/cron_triggers/daily/firings').expect(200);
      return response.body.firings.find((item: { outcome: string }) => item.outcome === 'started');
    }, POLL);
    expect((await new ExecutionsClient(target.http).waitFor(started.execution_id)).state).toBe('SUCCESS');
  });
});
