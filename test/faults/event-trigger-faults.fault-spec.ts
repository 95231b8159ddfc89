import { randomUUID } from 'node:crypto';
import { OsloBus, TEST_BROKER_URL } from '../support/oslo-bus';
import { type ServiceProcess, useBuiltService } from '../support/service-process';
import { waitFor } from '../support/wait-for';
import type { PgCluster } from './pg-cluster';
import { startServiceOnCluster, type ServiceOnCluster } from './service-on-cluster';

jest.setTimeout(240000);
// the service runs from dist/, built first when the sources changed
useBuiltService();

const RUN = randomUUID().slice(0, 8);
const EXCHANGE = `sirocco-faults-${RUN}`;
const POOL = `sirocco-faults-${RUN}`;
const TOPIC = 'notifications';
const WORKFLOWS = `version: '2.0'
on_event:
  output:
    message_id: <% $.__event.message_id %>
  tasks:
    step:
      action: std.noop
`;

/**
 * Notifications that arrive while the database is away are given back to the broker, not lost:
 * once the database is back, each starts its workflow once.
 */
describe('event triggers while the database is away', () => {
  let started: ServiceOnCluster | undefined;
  let cluster: PgCluster;
  let service: ServiceProcess;
  let base: string;
  const bus = new OsloBus();

  async function api(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${base}${urlPath}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(10000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function finishedRuns(count: number): Promise<string[]> {
    return waitFor(`${count} finished runs of on_event`, async () => {
      if (!service.alive) throw new Error(`the service died:\n${service.log.slice(-4000)}`);
      const listed = await api('GET', '/v2/executions?workflow_name=on_event&limit=1000');
      const executions = (listed.body.executions ?? []) as Array<{ id: string; state: string }>;
      if (executions.length < count || executions.some((execution) => execution.state !== 'SUCCESS')) return undefined;
      return Promise.all(executions.map(async (execution) => String(JSON.parse(String((await api('GET', `/v2/executions/${execution.id}`)).body.output)).message_id)));
    }, { timeoutMs: 90000, intervalMs: 200 });
  }

  beforeAll(async () => {
    await bus.open();
    started = await startServiceOnCluster('event-faults', { SIROCCO_NOTIFICATIONS_URL: TEST_BROKER_URL, SIROCCO_NOTIFICATIONS_POOL: POOL });
    ({ cluster, service, base } = started);
    expect((await api('POST', '/v2/workflows', WORKFLOWS)).status).toBe(201);
    const workflows = await api('GET', '/v2/workflows');
    const workflowId = (workflows.body.workflows as Array<{ id: string; name: string }>).find((workflow) => workflow.name === 'on_event')!.id;
    const created = await api('POST', '/v2/event_triggers', { name: 'faults', workflow_id: workflowId, exchange: EXCHANGE, topic: TOPIC, event: 'fault.event' });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await started?.stop();
    await bus.deleteQueuesAndExchange([`${POOL}.${EXCHANGE}.${TOPIC}`], EXCHANGE);
    await bus.close();
  });

  it('gives the notifications back while the database is down and starts each once when it is back', async () => {
    const first = await bus.notify(EXCHANGE, TOPIC, { eventType: 'fault.event' });
    expect(await finishedRuns(1)).toEqual([first]);

    await cluster.stopFast();
    const sent: string[] = [];
    for (let i = 0; i < 3; i += 1) sent.push(await bus.notify(EXCHANGE, TOPIC, { eventType: 'fault.event' }));
    await waitFor('a notification given back to the broker', () => service.log.includes('giving it back'), { timeoutMs: 60000, intervalMs: 100 });
    expect(service.alive).toBe(true);
    await cluster.startAgain();

    await finishedRuns(4);
    // read in order: once one sent after them has started its run, they have all been handled
    const last = await bus.notify(EXCHANGE, TOPIC, { eventType: 'fault.event' });
    const seen = await finishedRuns(5);
    expect([...seen].sort()).toEqual([first, ...sent, last].sort());
  });
});
