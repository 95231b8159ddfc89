import { randomUUID } from 'node:crypto';
import { OsloBus, TEST_BROKER_URL } from '../support/oslo-bus';
import { Scrape } from '../support/prometheus-text';
import { useTestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

// The machine's RabbitMQ, shared: this run's exchange and queue are its own.
const RUN = randomUUID().slice(0, 8);
const EXCHANGE = `sirocco-metrics-${RUN}`;
const POOL = `sirocco-metrics-${RUN}`;
const TOPIC = 'notifications';
const QUEUE = `${POOL}.${EXCHANGE}.${TOPIC}`;

const WORKFLOWS = `
version: '2.0'
metrics_on_event:
  tasks:
    step:
      action: std.noop
metrics_event_needs_input:
  input:
    - server
  tasks:
    step:
      action: std.noop
`;

/** Event trigger firings in /metrics: one notification, two triggers, one of which cannot start. */
describe('GET /metrics: event trigger firings', () => {
  const t = useTestApp({ SIROCCO_NOTIFICATIONS_URL: TEST_BROKER_URL, SIROCCO_NOTIFICATIONS_POOL: POOL }, { workflows: WORKFLOWS });
  const bus = new OsloBus();

  beforeAll(() => bus.open());
  afterAll(async () => {
    await bus.deleteQueuesAndExchange([QUEUE], EXCHANGE);
    await bus.close();
  });

  it('counts the executions a notification started, by workflow and outcome', async () => {
    const trigger = { exchange: EXCHANGE, topic: TOPIC, event: 'compute.instance.create.end' };
    await t.http.post('/v2/event_triggers').send({ ...trigger, name: 'metrics_ok', workflow_id: await workflowId('metrics_on_event') }).expect(201);
    // its input no longer fits once the workflow is replaced: the firing fails, visibly
    await t.http.post('/v2/event_triggers').send({ ...trigger, name: 'metrics_bad', workflow_id: await workflowId('metrics_event_needs_input'), workflow_input: { server: 'x' } }).expect(201);
    await t.http
      .put('/v2/workflows')
      .set('Content-Type', 'text/plain')
      .send("version: '2.0'\nmetrics_event_needs_input:\n  input:\n    - host\n  tasks:\n    step:\n      action: std.noop\n")
      .expect(200);
    await waitFor('the consumer on its queue', async () => (await bus.consumers(QUEUE)) === 1);
    await bus.notify(EXCHANGE, TOPIC, { eventType: 'compute.instance.create.end' });

    const metrics = await waitFor('both firings counted', async () => {
      const current = new Scrape((await t.http.get('/metrics').expect(200)).text);
      return current.total('sirocco_event_trigger_firings_total') === 2 && current;
    });
    expect(metrics.family('sirocco_event_trigger_firings_total').type).toBe('COUNTER');
    expect(metrics.total('sirocco_event_trigger_firings_total', { workflow: 'metrics_on_event', outcome: 'started' })).toBe(1);
    expect(metrics.total('sirocco_event_trigger_firings_total', { workflow: 'metrics_event_needs_input', outcome: 'failed' })).toBe(1);
    expect(metrics.total('sirocco_executions_started_total', { workflow: 'metrics_event_needs_input' })).toBe(1);
    expect(metrics.total('sirocco_executions_finished_total', { workflow: 'metrics_event_needs_input', state: 'ERROR' })).toBe(1);
  });

  async function workflowId(name: string): Promise<string> {
    const shown = await t.http.get(`/v2/workflows/${name}`).expect(200);
    return shown.body.id;
  }
});
