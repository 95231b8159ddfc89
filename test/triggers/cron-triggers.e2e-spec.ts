import { Client } from 'pg';
import { ExecutionsClient } from '../support/executions-client';
import { SmtpSink } from '../support/smtp-sink';
import { createTestDatabase } from '../support/test-database';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const SAMPLE_WF = `
version: '2.0'
sample_wf:
  input:
    - name
    - to_addr_error: null
  output:
    greeting: <% $.greeting %>
  tasks:
    greet:
      action: std.echo output=<% 'hello ' & $.name %>
      publish:
        greeting: <% $task().result %>
slow_wf:
  tasks:
    nap:
      action: std.sleep seconds=3
`;

/** How often the specs look again at the API or the database. */
const POLL = { intervalMs: 100 };

/** Cron triggers over the API: Mistral's contract, then what Sirocco adds. */
describe('cron triggers', () => {
  let t: TestApp;
  let client: ExecutionsClient;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await startTestApp({ SIROCCO_SMTP_URL: smtp.url, SIROCCO_OPERATOR_EMAIL: 'operator@cloud.example' });
    client = new ExecutionsClient(t.http);
    await client.createWorkflow(SAMPLE_WF);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  async function triggerExecutions(triggerId: string): Promise<Array<{ id: string; state: string; description: string }>> {
    const response = await t.http.get('/v2/executions').query({ limit: 1000 }).expect(200);
    return response.body.executions.filter((execution: { description: string }) => execution.description.includes(triggerId));
  }

  it('creates, shows, lists and deletes a trigger with Mistral\'s fields and messages', async () => {
    const created = await t.http
      .post('/v2/cron_triggers')
      .send({ name: 'sample_cron', workflow_name: 'sample_wf', workflow_input: { name: 'cron' }, pattern: '*/5 * * * *', remaining_executions: 3 })
      .expect(201);
    expect(created.body).toMatchObject({
      name: 'sample_cron',
      workflow_name: 'sample_wf',
      workflow_input: '{"name": "cron"}',
      workflow_params: '{}',
      project_id: '<default-project>',
      scope: 'private',
      pattern: '*/5 * * * *',
      remaining_executions: 3,
      first_execution_time: null,
      updated_at: null,
      timezone: 'UTC',
      enabled: true,
    });
    const next = new Date(`${created.body.next_execution_time.replace(' ', 'T')}Z`);
    expect(next.getUTCMinutes() % 5).toBe(0);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(5 * 60 * 1000);

    const got = await t.http.get('/v2/cron_triggers/sample_cron').expect(200);
    expect(got.body.id).toBe(created.body.id);
    const listed = await t.http.get('/v2/cron_triggers').expect(200);
    expect(listed.body.cron_triggers.map((trigger: { name: string }) => trigger.name)).toContain('sample_cron');

    const duplicate = await t.http
      .post('/v2/cron_triggers')
      .send({ name: 'sample_cron', workflow_name: 'sample_wf', workflow_input: { name: 'x' }, pattern: '0 * * * *' })
      .expect(409);
    expect(duplicate.body.faultstring).toBe("Duplicate entry for cron trigger ['name', 'project_id']: sample_cron, None");

    await t.http.delete('/v2/cron_triggers/sample_cron').expect(204);
    const again = await t.http.delete('/v2/cron_triggers/sample_cron').expect(404);
    expect(again.body.faultstring).toBe('Cron trigger not found [identifier=sample_cron]');
  });

  it.each([
    ['a bad pattern', { pattern: '61 * * * *' }, 400, 'The specified pattern is not valid: 61 * * * *'],
    ['a garbage pattern', { pattern: 'every minute please' }, 400, 'The specified pattern is not valid: every minute please'],
    ['neither pattern nor first time', {}, 400, 'Pattern or first_execution_time must be specified.'],
    ['a count without pattern', { first_execution_time: '2099-01-01 00:00', remaining_executions: 2 }, 400, 'Pattern must be provided if count is superior to 1.'],
    ['an ISO first time', { first_execution_time: '2099-01-01T00:00' }, 400, "time data '2099-01-01T00:00' does not match format '%Y-%m-%d %H:%M'"],
    ['a first time with seconds', { first_execution_time: '2099-01-01 00:00:00' }, 400, 'unconverted data remains: :00'],
    ['a past first time', { first_execution_time: '2020-01-01 00:00' }, 400, 'first_execution_time must be at least 1 minute in the future.'],
    ['a negative count', { pattern: '0 0 * * *', remaining_executions: -1 }, 400, "Invalid input for field/attribute remaining_executions. Value: '-1'. Value should be an integer greater or equal to 1"],
    ['missing workflow input', { pattern: '0 0 * * *', workflow_input: {} }, 400, "Invalid input [name=sample_wf, class=DirectWorkflowSpec, missing=['name']]"],
    ['an unknown workflow', { pattern: '0 0 * * *', workflow_name: 'no_such_wf' }, 404, 'Workflow not found [workflow_identifier=no_such_wf, namespace=]'],
    ['an unknown time zone', { pattern: '0 5 * * *', timezone: 'Europe/Atlantis' }, 400, "Unknown time zone 'Europe/Atlantis'"],
    ['an unknown policy', { pattern: '0 5 * * *', misfire_policy: 'sometimes' }, 400, "misfire_policy must be one of run_once, skip, catch_up (got 'sometimes')"],
  ])('refuses %s, stores nothing', async (_case, fields, status, message) => {
    const response = await t.http
      .post('/v2/cron_triggers')
      .send({ name: 'bad_cron', workflow_name: 'sample_wf', workflow_input: { name: 'x' }, ...fields })
      .expect(status);
    expect(response.body.faultstring).toContain(message);
    await t.http.get('/v2/cron_triggers/bad_cron').expect(404);
  });

  it('fires each slot once, then stays, finished, with its history', async () => {
    const created = await t.http
      .post('/v2/cron_triggers')
      .send({ name: 'every_second', workflow_name: 'sample_wf', workflow_input: { name: 'tick' }, pattern: '* * * * * *', remaining_executions: 2 })
      .expect(201);
    const finished = await waitFor('every_second finished', async () => {
      const response = await t.http.get('/v2/cron_triggers/every_second').expect(200);
      return response.body.finished ? response.body : undefined;
    }, POLL);
    expect(finished).toMatchObject({ remaining_executions: 0, next_execution_time: null, finished: true });
    const history = await t.http.get('/v2/cron_triggers/every_second/firings').expect(200);
    expect(history.body.firings).toHaveLength(2);
    expect(history.body.firings.map((firing: { outcome: string }) => firing.outcome)).toEqual(['started', 'started']);
    const executions = await triggerExecutions(created.body.id);
    expect(executions).toHaveLength(2);
    for (const firing of history.body.firings) {
      const execution = await client.waitFor(firing.execution_id);
      expect(execution.state).toBe('SUCCESS');
      expect(execution.output).toEqual({ greeting: 'hello tick' });
      expect(JSON.parse((execution as unknown as { description: string }).description)).toMatchObject({
        triggered_by: { type: 'cron_trigger', id: created.body.id, name: 'every_second' },
      });
    }
  });

  it('reads the pattern in its time zone: next fire times in UTC and local time', async () => {
    await t.http
      .post('/v2/cron_triggers')
      .send({ name: 'zurich_5am', workflow_name: 'sample_wf', workflow_input: { name: 'z' }, pattern: '0 5 * * *', timezone: 'Europe/Zurich' })
      .expect(201);
    const response = await t.http.get('/v2/cron_triggers/zurich_5am/next').query({ count: 3 }).expect(200);
    expect(response.body.next).toHaveLength(3);
    for (const slot of response.body.next) {
      expect(slot.local).toMatch(/ 05:00:00$/);
      const utcHour = Number(slot.utc.slice(11, 13));
      expect([3, 4]).toContain(utcHour); // CEST or CET
      expect(slot.timezone).toBe('Europe/Zurich');
    }
    await t.http.delete('/v2/cron_triggers/zurich_5am').expect(204);
  });

  it('spreads triggers with jitter, deterministically, within the window', async () => {
    const offsets: number[] = [];
    for (const name of ['jit_a', 'jit_b', 'jit_c']) {
      await t.http
        .post('/v2/cron_triggers')
        .send({ name, workflow_name: 'sample_wf', workflow_input: { name }, pattern: '0 5 * * *', jitter: 600 })
        .expect(201);
      const first = (await t.http.get(`/v2/cron_triggers/${name}/next`).query({ count: 2 }).expect(200)).body.next;
      const again = (await t.http.get(`/v2/cron_triggers/${name}/next`).query({ count: 2 }).expect(200)).body.next;
      expect(again).toEqual(first);
      const offset = (Date.parse(`${first[0].fires_at.replace(' ', 'T')}Z`) - Date.parse(`${first[0].utc.replace(' ', 'T')}Z`)) / 1000;
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(600);
      offsets.push(offset);
      await t.http.delete(`/v2/cron_triggers/${name}`).expect(204);
    }
    expect(new Set(offsets).size).toBeGreaterThan(1);
  });

  it('updates a trigger in place, pauses and resumes it, and runs it now on demand', async () => {
    const created = await t.http
      .post('/v2/cron_triggers')
      .send({ name: 'editable', workflow_name: 'sample_wf', workflow_input: { name: 'a' }, pattern: '0 3 * * *' })
      .expect(201);
    const updated = await t.http
      .put('/v2/cron_triggers/editable')
      .send({ pattern: '30 4 * * *', timezone: 'America/New_York', workflow_input: { name: 'b' }, enabled: false })
      .expect(200);
    expect(updated.body).toMatchObject({ id: created.body.id, pattern: '30 4 * * *', timezone: 'America/New_York', workflow_input: '{"name": "b"}', enabled: false });
    expect(updated.body.next_execution_time_local).toMatch(/ 04:30:00$/);
    await t.http.patch('/v2/cron_triggers/editable').send({ enabled: true }).expect(200);
    const bad = await t.http.patch('/v2/cron_triggers/editable').send({ workflow_input: { nme: 'typo' } }).expect(400);
    expect(bad.body.faultstring).toContain("unexpected=['nme']");
    expect((await t.http.get('/v2/cron_triggers/editable')).body.workflow_input).toBe('{"name": "b"}');

    const fired = await t.http.post('/v2/cron_triggers/editable/fire').expect(201);
    expect(fired.body.outcome).toBe('started');
    const execution = await client.waitFor(fired.body.execution_id);
    expect(execution.output).toEqual({ greeting: 'hello b' });
    const history = await t.http.get('/v2/cron_triggers/editable/firings').expect(200);
    expect(history.body.firings[0].execution_id).toBe(fired.body.execution_id);
    await t.http.delete('/v2/cron_triggers/editable').expect(204);
  });

  it('keeps its workflow: the workflow cannot be deleted while a trigger uses it', async () => {
    await client.createWorkflow(`
version: '2.0'
kept_wf:
  tasks:
    t:
      action: std.noop
`);
    const keeper = await t.http.post('/v2/cron_triggers').send({ name: 'keeper', workflow_name: 'kept_wf', pattern: '0 0 * * *' }).expect(201);
    // Mistral's answer (a 400 naming the trigger ids)
    const refused = await t.http.delete('/v2/workflows/kept_wf').expect(400);
    expect(refused.body.faultstring).toBe(
      `Can't delete workflow that has cron triggers associated. [workflow_identifier=kept_wf, namespace=], [cron_trigger_id(s)=${keeper.body.id}]`,
    );
    await t.http.delete('/v2/cron_triggers/keeper').expect(204);
    await t.http.delete('/v2/workflows/kept_wf').expect(204);
  });

  it('never fails silently: a run that cannot start is an ERROR execution, a failed firing and a mail', async () => {
    await client.createWorkflow(`
version: '2.0'
changing_wf:
  input:
    - vm
    - to_addr_error: null
  tasks:
    t:
      action: std.noop
`);
    await t.http
      .post('/v2/cron_triggers')
      .send({ name: 'doomed', workflow_name: 'changing_wf', workflow_input: { vm: 'vm1', to_addr_error: 'owner@example.org' }, pattern: '* * * * * *', remaining_executions: 1, enabled: false })
      .expect(201);
    // the workflow changes under the trigger: its stored input no longer fits
    await t.http
      .put('/v2/workflows')
      .set('Content-Type', 'text/plain')
      .send(`
version: '2.0'
changing_wf:
  input:
    - server
    - to_addr_error: null
  tasks:
    t:
      action: std.noop
`)
      .expect(200);
    const mailsBefore = smtp.mails.length;
    await t.http.patch('/v2/cron_triggers/doomed').send({ enabled: true }).expect(200);
    const firing = await waitFor('a firing of doomed', async () => {
      const response = await t.http.get('/v2/cron_triggers/doomed/firings').expect(200);
      return response.body.firings[0];
    }, POLL);
    expect(firing.outcome).toBe('failed');
    expect(firing.error).toContain("unexpected=['vm']");
    const execution = await client.get(firing.execution_id);
    expect(execution.state).toBe('ERROR');
    expect(execution.state_info).toContain("missing=['server']");
    const mail = await waitFor('the failure mail', async () => smtp.mails[mailsBefore], POLL);
    expect(mail.envelopeTo).toEqual(['owner@example.org']);
    expect(mail.parsed.subject).toContain('doomed');
    expect(mail.parsed.text).toContain(firing.execution_id);
    expect(mail.parsed.text).toContain("missing=['server']");
  });

  it("overlap_policy 'skip' records a skipped firing while the previous run still runs", async () => {
    await t.http
      .post('/v2/cron_triggers')
      .send({ name: 'no_overlap', workflow_name: 'slow_wf', pattern: '* * * * * *', overlap_policy: 'skip' })
      .expect(201);
    const firings = await waitFor('three firings of no_overlap', async () => {
      const response = await t.http.get('/v2/cron_triggers/no_overlap/firings').expect(200);
      return response.body.firings.length >= 3 ? response.body.firings : undefined;
    }, POLL);
    await t.http.patch('/v2/cron_triggers/no_overlap').send({ enabled: false }).expect(200);
    const outcomes: string[] = firings.map((firing: { outcome: string }) => firing.outcome);
    expect(outcomes).toContain('skipped');
    expect(outcomes.filter((outcome) => outcome === 'started').length).toBeGreaterThanOrEqual(1);
    const skipped = firings.find((firing: { outcome: string }) => firing.outcome === 'skipped');
    expect(skipped.execution_id).toBeNull();
    expect(skipped.error).toContain('still runs');
  });
});

/** Several instances, and instances that were down: exactly once, and each misfire policy. */
describe('cron triggers across instances and downtime', () => {
  it('three instances on one database fire 100 triggers exactly once each', async () => {
    const first = await startTestApp();
    const others = [await startTestApp({}, { databaseUrl: first.databaseUrl }), await startTestApp({}, { databaseUrl: first.databaseUrl })];
    try {
      await new ExecutionsClient(first.http).createWorkflow(SAMPLE_WF);
      // the triggers are created disabled, then all enabled at once, so all three instances race
      for (let index = 0; index < 100; index += 1) {
        await first.http
          .post('/v2/cron_triggers')
          .send({ name: `race_${index}`, workflow_name: 'sample_wf', workflow_input: { name: `n${index}` }, pattern: '* * * * * *', remaining_executions: 1, enabled: false })
          .expect(201);
      }
      const db = new Client({ connectionString: first.databaseUrl });
      await db.connect();
      try {
        await db.query(`UPDATE cron_triggers SET enabled = true, next_execution_time = date_trunc('second', now()), next_fire_at = date_trunc('second', now())`);
        await waitFor('100 finished triggers', async () => {
          const { rows } = await db.query(`SELECT count(*)::int AS n FROM cron_triggers WHERE finished_at IS NOT NULL`);
          return rows[0].n === 100 ? true : undefined;
        }, { timeoutMs: 30000, intervalMs: 100 });
        const executions = await db.query(`SELECT trigger_id, count(*)::int AS n FROM workflow_executions GROUP BY trigger_id`);
        expect(executions.rows).toHaveLength(100);
        expect(executions.rows.every((row) => row.n === 1)).toBe(true);
        const firings = await db.query(`SELECT count(*)::int AS n FROM trigger_firings`);
        expect(firings.rows[0].n).toBe(100);
      } finally {
        await db.end();
      }
    } finally {
      for (const app of others) await app.close();
      await first.close();
    }
  }, 60000);

  it.each([
    ['run_once', (scheduled: Date[], missedFrom: Date) => expect(scheduled).toHaveLength(1)],
    ['skip', (scheduled: Date[]) => expect(scheduled).toHaveLength(0)],
    [
      'catch_up',
      (scheduled: Date[], missedFrom: Date) => {
        // every minute from the first missed slot up to the restart, oldest first, none twice
        expect(scheduled.length).toBeGreaterThanOrEqual(6);
        scheduled.forEach((slot, index) => expect(slot.getTime()).toBe(missedFrom.getTime() + index * 60000));
      },
    ],
  ])('after 5 minutes of downtime, misfire_policy %s runs the missed slots as it says', async (policy, check) => {
    const database = await createTestDatabase();
    const db = new Client({ connectionString: database.url });
    try {
      const before = await startTestApp({}, { databaseUrl: database.url });
      await new ExecutionsClient(before.http).createWorkflow(SAMPLE_WF);
      await before.http
        .post('/v2/cron_triggers')
        .send({ name: `missed_${policy}`, workflow_name: 'sample_wf', workflow_input: { name: 'm' }, pattern: '* * * * *', misfire_policy: policy })
        .expect(201);
      await before.close();
      // the downtime: the trigger's slot came due 5 minutes ago and nobody was running
      await db.connect();
      const { rows } = await db.query(
        `UPDATE cron_triggers SET next_execution_time = date_trunc('minute', now()) - interval '5 minutes',
                next_fire_at = date_trunc('minute', now()) - interval '5 minutes' RETURNING next_execution_time`,
      );
      const missedFrom: Date = rows[0].next_execution_time;
      const after = await startTestApp({}, { databaseUrl: database.url });
      try {
        const trigger = await waitFor(`missed_${policy} scheduled in the future`, async () => {
          const response = await after.http.get(`/v2/cron_triggers/missed_${policy}`).expect(200);
          return Date.parse(`${response.body.next_execution_time.replace(' ', 'T')}Z`) > Date.now() ? response.body : undefined;
        }, POLL);
        expect(trigger.next_execution_time.endsWith(':00')).toBe(true);
        const firings = await db.query(`SELECT scheduled_for, outcome FROM trigger_firings ORDER BY scheduled_for`);
        expect(firings.rows.every((row) => row.outcome === 'started')).toBe(true);
        check(firings.rows.map((row) => row.scheduled_for as Date), missedFrom);
        const executions = await db.query(`SELECT count(*)::int AS n FROM workflow_executions`);
        expect(executions.rows[0].n).toBe(firings.rows.length);
      } finally {
        await after.close();
      }
    } finally {
      await db.end().catch(() => undefined);
      await database.drop();
    }
  }, 30000);
});
