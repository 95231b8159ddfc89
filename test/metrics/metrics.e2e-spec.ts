import { osEnvironment, startFakeOpenStack, type FakeOpenStack } from '../support/fake-openstack/fake-openstack';
import { ExecutionsClient } from '../support/executions-client';
import { Scrape } from '../support/prometheus-text';
import { keystoneModeEnv, startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const WORKFLOWS = `
version: '2.0'
metrics_ok:
  tasks:
    first:
      action: std.echo output="hello"
      on-success: second
    second:
      action: std.noop
metrics_fail:
  tasks:
    broken:
      action: std.fail error_data="on purpose"
metrics_cron:
  tasks:
    tick:
      action: std.noop
`;

/**
 * GET /metrics as Prometheus scrapes it: the text parses with an exposition-format parser and the
 * counters say what the test did (executions, tasks, actions, firings, OpenStack calls).
 */
describe('GET /metrics', () => {
  let cloud: FakeOpenStack;
  let t: TestApp;
  let client: ExecutionsClient;

  beforeAll(async () => {
    cloud = await startFakeOpenStack({ transitionMs: 5 });
    t = await startTestApp(osEnvironment(cloud));
    client = new ExecutionsClient(t.http);
    await client.createWorkflow(WORKFLOWS);
  });
  afterAll(async () => {
    await t?.close();
    await cloud?.close();
  });

  const scrape = async (): Promise<Scrape> => {
    const response = await t.http.get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return new Scrape(response.text);
  };

  it('counts executions started and finished by workflow and state, with task and action durations', async () => {
    const ok = [await client.start('metrics_ok'), await client.start('metrics_ok')];
    const failed = await client.start('metrics_fail');
    for (const id of ok) expect((await client.waitFor(id)).state).toBe('SUCCESS');
    expect((await client.waitFor(failed)).state).toBe('ERROR');

    const metrics = await scrape();
    expect(metrics.family('sirocco_executions_started_total').type).toBe('COUNTER');
    expect(metrics.total('sirocco_executions_started_total', { workflow: 'metrics_ok' })).toBe(2);
    expect(metrics.total('sirocco_executions_started_total', { workflow: 'metrics_fail' })).toBe(1);
    expect(metrics.total('sirocco_executions_finished_total', { workflow: 'metrics_ok', state: 'SUCCESS' })).toBe(2);
    expect(metrics.samples('sirocco_executions_finished_total', { workflow: 'metrics_ok', state: 'ERROR' })).toEqual([]);
    expect(metrics.total('sirocco_executions_finished_total', { workflow: 'metrics_fail', state: 'ERROR' })).toBe(1);

    expect(metrics.family('sirocco_task_duration_seconds').type).toBe('HISTOGRAM');
    expect(metrics.total('sirocco_task_duration_seconds_count', { action: 'std.echo', state: 'SUCCESS' })).toBe(2);
    expect(metrics.total('sirocco_task_duration_seconds_count', { action: 'std.noop', state: 'SUCCESS' })).toBe(2);
    expect(metrics.total('sirocco_task_duration_seconds_count', { action: 'std.fail', state: 'ERROR' })).toBe(1);
    expect(metrics.total('sirocco_action_duration_seconds_count', { action: 'std.echo', state: 'SUCCESS' })).toBe(2);
    expect(metrics.total('sirocco_action_duration_seconds_count', { action: 'std.fail', state: 'ERROR' })).toBe(1);
    expect(metrics.total('sirocco_action_duration_seconds_bucket', { action: 'std.echo', state: 'SUCCESS', le: '+Inf' })).toBe(2);

    // the engine's tables, read at scrape time
    expect(metrics.total('sirocco_workflow_last_success_timestamp_seconds', { workflow: 'metrics_ok' }) * 1000).toBeGreaterThan(Date.now() - 60_000);
    expect(metrics.samples('sirocco_workflow_last_success_timestamp_seconds', { workflow: 'metrics_fail' })).toEqual([]);
    expect(metrics.samples('sirocco_delayed_jobs', { state: 'due' })).toHaveLength(1);
    expect(metrics.total('sirocco_delayed_jobs', { state: 'overdue' })).toBe(0);
    expect(metrics.total('sirocco_executions_active', { state: 'RUNNING' })).toBe(0);
  });

  it('counts cron trigger firings by outcome, with their lateness, and the last success per trigger', async () => {
    await t.http
      .post('/v2/cron_triggers')
      .send({ name: 'metrics_every_second', workflow_name: 'metrics_cron', pattern: '* * * * * *', remaining_executions: 2 })
      .expect(201);
    await t.http.post('/v2/cron_triggers').send({ name: 'metrics_manual', workflow_name: 'metrics_cron', pattern: '0 5 * * *' }).expect(201);
    await t.http.post('/v2/cron_triggers/metrics_manual/fire').expect((response) => expect(response.status).toBeLessThan(300));

    const metrics = await waitFor('two scheduled firings and three successful runs', async () => {
      const current = await scrape();
      const done = current.total('sirocco_trigger_firings_total', { workflow: 'metrics_cron', kind: 'scheduled' }) === 2
        && current.total('sirocco_executions_finished_total', { workflow: 'metrics_cron', state: 'SUCCESS' }) === 3;
      return done && current;
    });
    expect(metrics.total('sirocco_trigger_firings_total', { workflow: 'metrics_cron', outcome: 'started', kind: 'scheduled' })).toBe(2);
    expect(metrics.total('sirocco_trigger_firings_total', { workflow: 'metrics_cron', outcome: 'started', kind: 'manual' })).toBe(1);
    expect(metrics.total('sirocco_executions_started_total', { workflow: 'metrics_cron' })).toBe(3);
    // lateness is observed for the scheduled firings only
    expect(metrics.family('sirocco_trigger_firing_lateness_seconds').type).toBe('HISTOGRAM');
    expect(metrics.total('sirocco_trigger_firing_lateness_seconds_count', { workflow: 'metrics_cron' })).toBe(2);
    expect(metrics.total('sirocco_trigger_firing_lateness_seconds_bucket', { workflow: 'metrics_cron', le: '60' })).toBe(2);
    expect(metrics.total('sirocco_trigger_firing_lateness_seconds_sum', { workflow: 'metrics_cron' })).toBeGreaterThanOrEqual(0);

    const lastSuccess = metrics.samples('sirocco_cron_trigger_last_success_timestamp_seconds', { trigger: 'metrics_manual', workflow: 'metrics_cron' });
    expect(lastSuccess).toHaveLength(1);
    expect(lastSuccess[0].value * 1000).toBeGreaterThan(Date.now() - 60_000);
    // noauth mode: no trusts, both statuses reported as zero
    expect(metrics.total('sirocco_cron_trigger_trusts', { status: 'broken' })).toBe(0);
  });

  it('counts OpenStack API calls by service, method and status, with their latency', async () => {
    const before = (await scrape()).total('sirocco_openstack_requests_total', { service: 'nova', method: 'GET', status: '200' });
    const found = await t.http.post('/v2/action_executions').send({ name: 'nova.flavors_find', input: { name: 'm1.small' } }).expect(201);
    expect(found.body.state).toBe('SUCCESS');
    const missing = await t.http.post('/v2/action_executions').send({ name: 'nova.servers_get', input: { server: '00000000-0000-0000-0000-000000000000' } }).expect(201);
    expect(missing.body.state).toBe('ERROR');

    const metrics = await scrape();
    expect(metrics.total('sirocco_openstack_requests_total', { service: 'nova', method: 'GET', status: '200' })).toBeGreaterThan(before);
    expect(metrics.total('sirocco_openstack_requests_total', { service: 'nova', method: 'GET', status: '404' })).toBe(1);
    expect(metrics.total('sirocco_openstack_request_duration_seconds_count', { service: 'nova', status: '404' })).toBe(1);
    expect(metrics.total('sirocco_action_duration_seconds_count', { action: 'nova.flavors_find', state: 'SUCCESS' })).toBe(1);
    expect(metrics.total('sirocco_action_duration_seconds_count', { action: 'nova.servers_get', state: 'ERROR' })).toBe(1);
  });

  it('shows the database pool, event-loop lag and the process metrics', async () => {
    const metrics = await scrape();
    expect(metrics.total('sirocco_database_pool_connections', { state: 'max' })).toBe(20);
    expect(metrics.samples('sirocco_database_pool_connections', { state: 'in_use' })).toHaveLength(1);
    expect(metrics.family('sirocco_database_pool_waiting').type).toBe('GAUGE');
    expect(metrics.family('nodejs_eventloop_lag_seconds').type).toBe('GAUGE');
    expect(metrics.family('nodejs_eventloop_lag_p99_seconds').type).toBe('GAUGE');
    expect(metrics.family('process_cpu_seconds_total').type).toBe('COUNTER');
    expect(metrics.family('process_resident_memory_bytes').type).toBe('GAUGE');
    expect(metrics.family('sirocco_action_leases_taken_over_total').type).toBe('COUNTER');
    expect(metrics.total('sirocco_metrics_read_failures_total')).toBe(0);
  });
});

describe('GET /metrics access', () => {
  let cloud: FakeOpenStack;
  beforeAll(async () => {
    cloud = await startFakeOpenStack();
  });
  afterAll(async () => {
    await cloud?.close();
  });

  it('needs the bearer token when SIROCCO_METRICS_TOKEN is set', async () => {
    const t = await startTestApp({ SIROCCO_METRICS_TOKEN: 'scrape-secret-1234' });
    try {
      const refused = await t.http.get('/metrics').expect(401);
      expect(refused.headers['www-authenticate']).toContain('Bearer');
      expect(refused.body.faultstring).toContain('Authorization: Bearer');
      expect(JSON.stringify(refused.body)).not.toContain('scrape-secret-1234');
      await t.http.get('/metrics').set('Authorization', 'Bearer wrong').expect(401);
      const scraped = await t.http.get('/metrics').set('Authorization', 'Bearer scrape-secret-1234').expect(200);
      expect(new Scrape(scraped.text).family('sirocco_executions_started_total').type).toBe('COUNTER');
    } finally {
      await t.close();
    }
  });

  it('answers a scraper without a Keystone token in keystone mode, while /v2 still needs one', async () => {
    const t = await startTestApp(keystoneModeEnv(cloud));
    try {
      await t.http.get('/v2/workflows').expect(401);
      const scraped = await t.http.get('/metrics').expect(200);
      expect(new Scrape(scraped.text).family('sirocco_executions_finished_total').type).toBe('COUNTER');
    } finally {
      await t.close();
    }
  });
});
