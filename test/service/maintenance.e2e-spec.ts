import { Client } from 'pg';
import { startFakeOpenStack, type FakeOpenStack } from '../support/fake-openstack/fake-openstack';
import { startTestApp, useTestApp, type TestApp, keystoneModeEnv } from '../support/test-app';
import { waitFor } from '../support/wait-for';

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
      on-success: after
    after:
      action: std.echo output=done
`;

const POLL = { timeoutMs: 20000, intervalMs: 100 };

/** Maintenance mode: new work refused with 503, running work goes on, reads work, triggers held back. */
describe('maintenance mode', () => {
  const t = useTestApp({ SIROCCO_ENGINE_POLL_MS: '100' }, { workflows: WORKFLOWS });
  const { client } = t;
  let db: Client;

  beforeAll(async () => {
    db = new Client({ connectionString: t.databaseUrl });
    // the service's teardown drops the database, which may end this connection first
    db.on('error', () => undefined);
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
  });
  afterEach(async () => {
    await t.http.put('/v2/maintenance').send({ status: 'deactivated' }).expect(200);
  });

  async function waitingAction(executionId: string): Promise<string> {
    return waitFor('the asynchronous action to wait', async () => {
      const { rows } = await db.query(`SELECT id FROM action_executions WHERE workflow_execution_id = $1 AND state = 'RUNNING'`, [executionId]);
      return rows[0]?.id as string | undefined;
    });
  }

  const count = async (table: string) => (await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

  it('is off by default', async () => {
    const response = await t.http.get('/v2/maintenance').expect(200);
    expect(response.body).toEqual({
      status: 'deactivated',
      activation_requested_at: null,
      activated_at: null,
      activation_deadline: null,
      requested_by: null,
      remaining_executions: [],
    });
  });

  it('activated: new executions, actions and fire-now get 503 with the reason, store nothing; reads work; deactivated: all back', async () => {
    await t.http.post('/v2/cron_triggers').send({ name: 'held', workflow_name: 'quick_wf', pattern: '0 5 * * *' }).expect(201);
    const on = await t.http.put('/v2/maintenance').send({ status: 'activated' }).expect(200);
    expect(on.body).toMatchObject({ status: 'activated', requested_by: expect.any(String), remaining_executions: [] });
    expect(on.body.activated_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const executionsBefore = await count('workflow_executions');
    const actionsBefore = await count('action_executions');

    const refused = [
      await t.http.post('/v2/executions').send({ workflow_name: 'quick_wf' }),
      await t.http.post('/v2/action_executions').send({ name: 'std.echo', input: { output: 'x' } }),
      await t.http.post('/v2/cron_triggers/held/fire'),
    ];
    for (const response of refused) {
      expect(response.status).toBe(503);
      expect(response.body.faultstring).toContain('Sirocco is in maintenance mode (status: activated)');
      expect(response.body.faultstring).toContain('PUT /v2/maintenance');
    }
    expect(await count('workflow_executions')).toBe(executionsBefore);
    expect(await count('action_executions')).toBe(actionsBefore);
    await t.http.get('/v2/workflows/quick_wf').expect(200);
    await t.http.get('/v2/executions').expect(200);
    await t.http.get('/v2/cron_triggers/held').expect(200);

    await t.http.put('/v2/maintenance').send({ status: 'deactivated' }).expect(200);
    expect((await client.run('quick_wf')).state).toBe('SUCCESS');
  });

  it('activating refuses new executions at once, lets the running one finish, then reports activated', async () => {
    const running = await client.start('callback_wf');
    const actionId = await waitingAction(running);
    const activating = await t.http.put('/v2/maintenance').send({ status: 'activating' }).expect(200);
    expect(activating.body).toMatchObject({ status: 'activating', remaining_executions: [running], activated_at: null });
    expect(activating.body.activation_deadline).not.toBeNull();
    const refused = await t.http.post('/v2/executions').send({ workflow_name: 'quick_wf' }).expect(503);
    expect(refused.body.faultstring).toContain('(status: activating)');
    // asking again while activating changes nothing
    expect((await t.http.put('/v2/maintenance').send({ status: 'activating' }).expect(200)).body.status).toBe('activating');

    // the running execution goes on: its action gets its result, its next task runs
    await t.http.put(`/v2/action_executions/${actionId}`).send({ state: 'SUCCESS', output: 'ok' }).expect(200);
    expect((await client.waitFor(running)).state).toBe('SUCCESS');
    const activated = await waitFor('maintenance mode to be activated', async () => {
      const response = await t.http.get('/v2/maintenance').expect(200);
      return response.body.status === 'activated' ? response.body : undefined;
    }, POLL);
    expect(activated).toMatchObject({ remaining_executions: [], activation_deadline: null });
    // from activated, "activating" is a mistake, said so
    const again = await t.http.put('/v2/maintenance').send({ status: 'activating' }).expect(400);
    expect(again.body.faultstring).toContain('already activated');
  });

  it('activating with nothing running is activated at once', async () => {
    const response = await t.http.put('/v2/maintenance').send({ status: 'activating' }).expect(200);
    expect(response.body.status).toBe('activated');
  });

  it('refuses bad requests with 400 naming the field, and changes nothing', async () => {
    for (const body of [{ status: 'on' }, {}, { status: 'activated', force: true }, { status: 3 }]) {
      const response = await t.http.put('/v2/maintenance').send(body).expect(400);
      expect(response.body.faultstring).toMatch(/status|field/);
    }
    await t.http.put('/v2/maintenance').set('Content-Type', 'application/json').send('[1]').expect(400);
    expect((await t.http.get('/v2/maintenance').expect(200)).body.status).toBe('deactivated');
  });

  it.each([
    ['catch_up', 'every missed slot runs after maintenance, in place of its skipped record'],
    ['run_once', 'one execution after maintenance; the other slots stay recorded as skipped'],
  ])('due slots during maintenance are recorded as skipped, then misfire_policy %s: %s', async (policy) => {
    const name = `maint_${policy}`;
    await t.http
      .post('/v2/cron_triggers')
      .send({ name, workflow_name: 'quick_wf', pattern: '* * * * *', misfire_policy: policy, catch_up_window: 3600 })
      .expect(201);
    await t.http.put('/v2/maintenance').send({ status: 'activated' }).expect(200);
    // three slots came due while maintenance was on
    await db.query(
      `UPDATE cron_triggers SET next_execution_time = date_trunc('minute', now()) - interval '2 minutes',
              next_fire_at = date_trunc('minute', now()) - interval '2 minutes' WHERE name = $1`,
      [name],
    );
    const skipped = await waitFor('the due slots recorded as skipped', async () => {
      const history = await t.http.get(`/v2/cron_triggers/${name}/firings`).expect(200);
      const rows = history.body.firings as Array<Record<string, unknown>>;
      return rows.length >= 3 ? rows : undefined;
    }, POLL);
    expect(skipped.every((firing) => firing.outcome === 'skipped' && String(firing.error).includes('maintenance mode was on'))).toBe(true);
    expect(skipped.every((firing) => firing.execution_id === null)).toBe(true);
    const { rows: none } = await db.query(`SELECT count(*)::int AS n FROM workflow_executions e JOIN cron_triggers t ON t.id = e.trigger_id WHERE t.name = $1`, [name]);
    expect(none[0].n).toBe(0);

    await t.http.put('/v2/maintenance').send({ status: 'deactivated' }).expect(200);
    const after = await waitFor('the trigger scheduled in the future again', async () => {
      const trigger = await t.http.get(`/v2/cron_triggers/${name}`).expect(200);
      const next = Date.parse(`${String(trigger.body.next_execution_time).replace(' ', 'T')}Z`);
      if (next <= Date.now()) return undefined;
      return (await t.http.get(`/v2/cron_triggers/${name}/firings`).expect(200)).body.firings as Array<Record<string, unknown>>;
    }, POLL);
    const started = after.filter((firing) => firing.outcome === 'started');
    const stillSkipped = after.filter((firing) => firing.outcome === 'skipped');
    expect(after.length).toBeGreaterThanOrEqual(skipped.length);
    if (policy === 'catch_up') {
      expect(started).toHaveLength(after.length);
    } else {
      expect(started).toHaveLength(1);
      expect(stillSkipped).toHaveLength(after.length - 1);
    }
    // one row per slot, never two
    expect(new Set(after.map((firing) => firing.scheduled_for)).size).toBe(after.length);
    await t.http.delete(`/v2/cron_triggers/${name}`).expect(204);
  });
});

describe('maintenance mode: the activation timeout, and administrators only (keystone mode)', () => {
  let cloud: FakeOpenStack;
  let app: TestApp;

  beforeAll(async () => {
    cloud = await startFakeOpenStack({ transitionMs: 5 });
    app = await startTestApp({
      ...keystoneModeEnv(cloud),
      SIROCCO_MAINTENANCE_ACTIVATION_TIMEOUT: '1',
      SIROCCO_ENGINE_POLL_MS: '100',
    });
  });
  afterAll(async () => {
    await app?.close();
    await cloud?.close();
  });

  it('a member may read the status but not change it: 403', async () => {
    const demo = cloud.tokenFor('demo');
    expect((await app.http.get('/v2/maintenance').set('X-Auth-Token', demo).expect(200)).body.status).toBe('deactivated');
    const refused = await app.http.put('/v2/maintenance').set('X-Auth-Token', demo).send({ status: 'activated' }).expect(403);
    expect(refused.body.faultstring).toBe('Only an administrator may change maintenance mode');
    expect((await app.http.get('/v2/maintenance').set('X-Auth-Token', demo).expect(200)).body.status).toBe('deactivated');
  });

  it('activating turns activated at its timeout while an execution still runs, which goes on', async () => {
    const admin = cloud.tokenFor('admin');
    await app.http.post('/v2/workflows').set('X-Auth-Token', admin).set('Content-Type', 'text/plain').send(WORKFLOWS).expect(201);
    const started = await app.http.post('/v2/executions').set('X-Auth-Token', admin).send({ workflow_name: 'callback_wf' }).expect(201);
    const activating = await app.http.put('/v2/maintenance').set('X-Auth-Token', admin).send({ status: 'activating' }).expect(200);
    expect(activating.body.requested_by).toEqual(expect.any(String));
    const activated = await waitFor('the timeout to activate maintenance mode', async () => {
      const response = await app.http.get('/v2/maintenance').set('X-Auth-Token', admin).expect(200);
      return response.body.status === 'activated' ? response.body : undefined;
    }, POLL);
    expect(activated.remaining_executions).toEqual([started.body.id]);
    const execution = await app.http.get(`/v2/executions/${started.body.id}`).set('X-Auth-Token', admin).expect(200);
    expect(execution.body.state).toBe('RUNNING');
    await app.http.put('/v2/maintenance').set('X-Auth-Token', admin).send({ status: 'deactivated' }).expect(200);
  });
});
