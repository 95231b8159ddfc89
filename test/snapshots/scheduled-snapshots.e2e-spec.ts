import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { downloadArchive, POLL, restoreAndWait, SECRET_KEY, takeSnapshot, untarGz, uploadArchive } from './archive-tools';

interface ExecutionBody {
  state: string;
  state_info: string | null;
  output: string;
}

/** What sirocco_service_snapshot outputs (sirocco.service_snapshot's result). */
interface ActionResult {
  snapshot_id: string;
  file: string;
  deleted: string[];
}

const SHIPPED_DEFINITIONS = path.resolve(__dirname, '../../definitions');

/** The shipped sirocco_service_snapshot workflow, run by a cron trigger: snapshots with rotation, written to a folder. */
describe('scheduled snapshots of Sirocco (sirocco_service_snapshot + sirocco.service_snapshot)', () => {
  let app: TestApp;
  let smtp: SmtpSink;
  let snapshotDir: string;

  beforeAll(async () => {
    snapshotDir = mkdtempSync(path.join(tmpdir(), 'sirocco-snapshots-'));
    smtp = await new SmtpSink().start();
    app = await startTestApp({
      SIROCCO_SECRET_KEY: SECRET_KEY,
      SIROCCO_ENGINE_POLL_MS: '100',
      SIROCCO_DEFINITIONS_DIR: SHIPPED_DEFINITIONS,
      SIROCCO_SNAPSHOT_DIR: snapshotDir,
      SIROCCO_SMTP_URL: smtp.url,
    });
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.stop();
    rmSync(snapshotDir, { recursive: true, force: true });
  });

  async function fire(trigger: string): Promise<ExecutionBody> {
    const fired = await app.http.post(`/v2/cron_triggers/${trigger}/fire`).expect(201);
    expect(fired.body.outcome).toBe('started');
    return waitFor(`execution ${fired.body.execution_id} to end`, async () => {
      const response = await app.http.get(`/v2/executions/${fired.body.execution_id}`).expect(200);
      return ['SUCCESS', 'ERROR'].includes(response.body.state) ? response.body : undefined;
    }, { timeoutMs: 30000, intervalMs: 100 });
  }

  it('run three times with keep 2: the two newest snapshots and files are kept, the oldest deleted; a success mail each time', async () => {
    await app.http
      .post('/v2/cron_triggers')
      .send({
        name: 'nightly-sirocco',
        workflow_name: 'sirocco_service_snapshot',
        workflow_input: { dir: 'nightly', keep: 2, to_addr_success: 'ops@example.org' },
        pattern: '0 2 * * *',
      })
      .expect(201);
    const outputs: ActionResult[] = [];
    for (let run = 0; run < 3; run += 1) {
      const execution = await fire('nightly-sirocco');
      expect(execution.state).toBe('SUCCESS');
      outputs.push(JSON.parse(execution.output) as ActionResult);
    }
    const ids = outputs.map((output) => output.snapshot_id);
    for (const id of ids) expect(id).toMatch(/^nightly-\d{8}T\d{6}\.\d{3}Z$/);
    expect(outputs[2].deleted).toEqual([ids[0]]);
    expect(outputs[2].file).toBe(path.join(snapshotDir, 'nightly', `${ids[2]}.tar.gz`));

    const listed = (await app.http.get('/v2/snapshots').expect(200)).body.snapshots;
    expect(listed.map((item: { id: string }) => item.id)).toEqual([ids[1], ids[2]]);
    expect(listed[0]).toMatchObject({ status: 'CREATED', origin: 'action:nightly-{timestamp}' });
    expect(readdirSync(path.join(snapshotDir, 'nightly')).sort()).toEqual([`${ids[1]}.tar.gz`, `${ids[2]}.tar.gz`]);
    const members = await untarGz(readFileSync(outputs[2].file));
    expect(JSON.parse(members.get('manifest.json')!.toString('utf8')).counts.cron_triggers).toBe(1);

    const mails = await waitFor('three success mails', async () => (smtp.mails.length >= 3 ? smtp.mails : undefined), POLL);
    expect(mails[2].parsed.subject).toBe(`Sirocco snapshot created: ${ids[2]}`);
  });

  it('a dir outside SIROCCO_SNAPSHOT_DIR fails the run with the reason, mailed to to_addr_error', async () => {
    await app.http
      .post('/v2/cron_triggers')
      .send({ name: 'escaping', workflow_name: 'sirocco_service_snapshot', workflow_input: { dir: '../elsewhere', to_addr_error: 'ops@example.org' }, pattern: '0 2 * * *' })
      .expect(201);
    const before = smtp.mails.length;
    const execution = await fire('escaping');
    expect(execution.state).toBe('ERROR');
    expect(execution.state_info).toContain('dir must be inside SIROCCO_SNAPSHOT_DIR');
    const mail = await waitFor('the error mail', async () => smtp.mails[before], POLL);
    expect(mail.parsed.subject).toBe('Sirocco snapshot has failed');
    expect(mail.parsed.text).toContain('dir must be inside SIROCCO_SNAPSHOT_DIR');
  });

  it("after a restore the shipped workflows are this release's, even if the archive came from an instance without them", async () => {
    const bare = await startTestApp({ SIROCCO_SECRET_KEY: SECRET_KEY });
    try {
      await takeSnapshot(bare.http, 'bare', false);
      const archive = await downloadArchive(bare.http, 'bare');
      await uploadArchive(app.http, 'bare', archive).expect(201);
    } finally {
      await bare.close();
    }
    await restoreAndWait(app.http, 'bare', true);
    const shipped = await app.http.get('/v2/workflows/sirocco_service_snapshot').expect(200);
    expect(shipped.body).toMatchObject({ scope: 'public' });
    expect((await app.http.get('/v2/cron_triggers')).body.cron_triggers).toEqual([]);
  });
});
