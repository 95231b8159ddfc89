import { randomUUID } from 'node:crypto';
import { ExecutionsClient, type ExecutionView } from '../support/executions-client';
import { closeBrokerConnections, unacknowledged, OsloBus, TEST_BROKER_URL } from '../support/oslo-bus';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

// The machine's RabbitMQ, shared: this run's exchange, queues and connection name are its own.
const RUN = randomUUID().slice(0, 8);
const EXCHANGE = `sirocco-test-${RUN}`;
const POOL = `sirocco-test-${RUN}`;
const TOPIC = 'notifications';
const OTHER_TOPIC = 'versioned_notifications';
const queueOf = (topic: string) => `${POOL}.${EXCHANGE}.${topic}`;
const ENV = { SIROCCO_NOTIFICATIONS_URL: TEST_BROKER_URL, SIROCCO_NOTIFICATIONS_POOL: POOL };
const CREATE_END = 'compute.instance.create.end';

const WORKFLOWS = `
version: '2.0'
on_server_created:
  input:
    - greeting: hello
  output:
    greeting: <% $.greeting %>
    event_type: <% $.__event.event_type %>
    message_id: <% $.__event.message_id %>
    server_id: <% $.__event.payload.instance_id %>
    backup: <% $.__event.payload.metadata.backup %>
    params_event_type: <% $execution().params.event_params.event_type %>
    project_id: <% $execution().params.event_params.project_id %>
  tasks:
    step:
      action: std.noop
counted:
  output:
    message_id: <% $.__event.message_id %>
  tasks:
    step:
      action: std.noop
fanned:
  output:
    message_id: <% $.__event.message_id %>
  tasks:
    step:
      action: std.noop
needs_input:
  input:
    - server
  tasks:
    step:
      action: std.noop
`;

describe('event triggers', () => {
  let t: TestApp;
  let client: ExecutionsClient;
  const bus = new OsloBus();
  let workflowIds: Record<string, string>;

  beforeAll(async () => {
    await bus.open();
    t = await startTestApp(ENV);
    client = new ExecutionsClient(t.http);
    await client.createWorkflow(WORKFLOWS);
    const listed = await t.http.get('/v2/workflows').expect(200);
    workflowIds = Object.fromEntries(listed.body.workflows.map((workflow: { name: string; id: string }) => [workflow.name, workflow.id]));
  });
  afterAll(async () => {
    await t?.close();
    await bus.deleteQueuesAndExchange([queueOf(TOPIC), queueOf(OTHER_TOPIC), queueOf('paging')], EXCHANGE);
    await bus.close();
  });

  /** The executions of a workflow, finished, oldest first. */
  async function finishedExecutions(workflowName: string, count: number): Promise<ExecutionView[]> {
    return waitFor(`${count} finished executions of ${workflowName}`, async () => {
      const listed = await t.http.get('/v2/executions').query({ workflow_name: workflowName, limit: 1000, sort_keys: 'created_at' }).expect(200);
      const executions: Array<{ id: string; state: string }> = listed.body.executions;
      if (executions.length !== count || executions.some((execution) => !['SUCCESS', 'ERROR'].includes(execution.state))) return undefined;
      return Promise.all(executions.map((execution) => client.get(execution.id)));
    }, { timeoutMs: 30_000, intervalMs: 100 });
  }

  function createTrigger(body: Record<string, unknown>) {
    return t.http.post('/v2/event_triggers').send({ exchange: EXCHANGE, topic: TOPIC, event: CREATE_END, ...body });
  }

  it("creates, shows, lists, renames and deletes a trigger with Mistral's fields", async () => {
    const created = await createTrigger({
      name: 'crud',
      workflow_id: workflowIds.needs_input,
      workflow_input: { server: 'x' },
      workflow_params: '{"env": {"region": "north"}}',
      event: 'compute.instance.delete.end',
    }).expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'crud',
      workflow_id: workflowIds.needs_input,
      workflow_input: '{"server": "x"}',
      workflow_params: '{"env": {"region": "north"}}',
      exchange: EXCHANGE,
      topic: TOPIC,
      event: 'compute.instance.delete.end',
      scope: 'private',
      project_id: '<default-project>',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      updated_at: null,
    });
    const id = created.body.id;
    expect((await t.http.get(`/v2/event_triggers/${id}`).expect(200)).body).toEqual(created.body);

    const listed = await t.http.get('/v2/event_triggers').query({ fields: 'name,event' }).expect(200);
    expect(listed.body.event_triggers).toContainEqual({ id, name: 'crud', event: 'compute.instance.delete.end' });

    const renamed = await t.http.put(`/v2/event_triggers/${id}`).send({ name: 'crud_renamed' }).expect(200);
    expect(renamed.body).toMatchObject({ id, name: 'crud_renamed', event: 'compute.instance.delete.end', updated_at: expect.any(String) });
    const moved = await t.http.put(`/v2/event_triggers/${id}`).send({ event: 'compute.instance.update' }).expect(400);
    expect(moved.body.faultstring).toBe("Can not update fields ['exchange', 'topic', 'event'] of event trigger.");

    // the workflow cannot go while a trigger starts it
    const kept = await t.http.delete('/v2/workflows/needs_input').expect(400);
    expect(kept.body.faultstring).toContain("Can't delete workflow that has event triggers associated.");
    expect(kept.body.faultstring).toContain(id);

    await t.http.delete(`/v2/event_triggers/${id}`).expect(204);
    const gone = await t.http.get(`/v2/event_triggers/${id}`).expect(404);
    expect(gone.body.faultstring).toBe(`Event trigger not found [id=${id}].`);
    await t.http.delete(`/v2/event_triggers/${id}`).expect(404);
  });

  it('pages the list like the other collections', async () => {
    const ids: string[] = [];
    for (const event of ['a.one', 'a.two', 'a.three']) {
      ids.push((await createTrigger({ name: `page_${event}`, workflow_id: workflowIds.counted, topic: 'paging', event }).expect(201)).body.id);
    }
    const first = await t.http.get('/v2/event_triggers').query({ limit: 2, topic: 'paging' }).expect(200);
    expect(first.body.event_triggers.map((trigger: { id: string }) => trigger.id)).toEqual(ids.slice(0, 2));
    expect(first.body.next).toContain('marker=');
    const next = new URL(first.body.next);
    const second = await t.http.get(`${next.pathname}${next.search}`).expect(200);
    expect(second.body.event_triggers.map((trigger: { id: string }) => trigger.id)).toEqual(ids.slice(2));
    for (const id of ids) await t.http.delete(`/v2/event_triggers/${id}`).expect(204);
  });

  it.each<[string, Record<string, unknown>, number, RegExp]>([
    ['no exchange', { exchange: undefined }, 400, /must be provided for creating event trigger\. \(missing: exchange\)$/],
    ['no event nor workflow', { event: '', workflow_id: undefined }, 400, /\(missing: event, workflow_id\)$/],
    ['a workflow_id that is no uuid', { workflow_id: 'on_server_created' }, 400, /workflow_id.*Expected a uuid/],
    ['an unknown workflow', { workflow_id: randomUUID() }, 404, /Workflow not found/],
    ['an input the workflow does not take', { workflow_input: { nope: 1 } }, 400, /nope/],
    ['input that is no object', { workflow_input: [1] }, 400, /workflow_input must be a JSON object/],
    ['a bad scope', { scope: 'everyone' }, 400, /scope/],
    ['an exchange no broker takes', { exchange: 'has spaces' }, 400, /exchange may hold only/],
    ['a long event', { event: 'x'.repeat(81) }, 400, /event must be at most 80 characters/],
    ['event_params in workflow_params', { workflow_params: { event_params: {} } }, 400, /event_params is set by the trigger/],
    ['an unknown field', { pattern: '* * * * *' }, 400, /Unknown field\(s\) in the event trigger: pattern/],
  ])('refuses %s', async (_case, change, status, message) => {
    const body: Record<string, unknown> = { name: 'bad', exchange: EXCHANGE, topic: TOPIC, event: CREATE_END, workflow_id: workflowIds.on_server_created, ...change };
    for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
    const response = await t.http.post('/v2/event_triggers').send(body);
    expect(response.status).toBe(status);
    expect(response.body.faultstring).toMatch(message);
  });

  it('refuses a second trigger on the same exchange, topic, event and workflow (409)', async () => {
    const first = await createTrigger({ name: 'dup', workflow_id: workflowIds.counted, event: 'dup.event' }).expect(201);
    const second = await createTrigger({ name: 'dup2', workflow_id: workflowIds.counted, event: 'dup.event' }).expect(409);
    expect(second.body.faultstring).toBe(
      `Duplicate entry for EventTrigger ['exchange', 'topic', 'event', 'workflow_id', 'project_id']: ${EXCHANGE}, ${TOPIC}, dup.event, ${workflowIds.counted}, <default-project>`,
    );
    await t.http.delete(`/v2/event_triggers/${first.body.id}`).expect(204);
  });

  describe('notifications', () => {
    let triggerId: string;

    beforeAll(async () => {
      triggerId = (await createTrigger({ name: 'on_create', workflow_id: workflowIds.on_server_created, workflow_input: { greeting: 'hi' } }).expect(201)).body.id;
    });

    it('a notification starts the workflow once, with the event in $.__event and params.event_params', async () => {
      // the queue is there and read as soon as the trigger exists
      expect(await bus.consumers(queueOf(TOPIC))).toBe(1);
      const messageId = await bus.notify(EXCHANGE, TOPIC, {
        eventType: CREATE_END,
        projectId: 'p-1',
        payload: { instance_id: 'srv-1', metadata: { backup: 'true' } },
      });
      const [execution] = await finishedExecutions('on_server_created', 1);
      expect(execution.state).toBe('SUCCESS');
      expect(execution.input).toEqual({ greeting: 'hi' });
      expect(execution.output).toEqual({
        greeting: 'hi',
        event_type: CREATE_END,
        message_id: messageId,
        server_id: 'srv-1',
        backup: 'true',
        params_event_type: CREATE_END,
        project_id: 'p-1',
      });
      expect(execution.params.event_params).toEqual({
        event_type: CREATE_END,
        message_id: messageId,
        publisher_id: 'compute.test-host',
        priority: 'INFO',
        timestamp: '2026-12-02 05:00:00.000000',
        service: 'compute.test-host',
        project_id: 'p-1',
        user_id: 'a-user',
        payload: { instance_id: 'srv-1', metadata: { backup: 'true' } },
      });
      const shown = await t.http.get(`/v2/executions/${execution.id}`).expect(200);
      expect(JSON.parse(shown.body.description)).toEqual({
        description: `Workflow execution created by event trigger '(${triggerId})'.`,
        triggered_by: { type: 'event_trigger', id: triggerId, name: 'on_create' },
      });
      // the notifier's context holds the caller's token: it reaches no workflow
      expect(JSON.stringify(shown.body)).not.toContain('secret-token');
    });

    it('an unmatched event and a redelivered notification (same message_id) start nothing', async () => {
      const [before] = await finishedExecutions('on_server_created', 1);
      const duplicateOf = before.output.message_id as string;
      await bus.notify(EXCHANGE, TOPIC, { eventType: 'compute.instance.delete.end', payload: { instance_id: 'srv-1' } });
      await bus.notify(EXCHANGE, TOPIC, { eventType: CREATE_END, messageId: duplicateOf, payload: { instance_id: 'srv-1' } });
      await bus.notify(EXCHANGE, TOPIC, { eventType: CREATE_END, messageId: duplicateOf, priority: 'error', payload: { instance_id: 'srv-1' } });
      // one queue, read in order: once the last one has started its run, the others were handled
      const last = await bus.notify(EXCHANGE, TOPIC, { eventType: CREATE_END, payload: { instance_id: 'srv-2' } });
      const executions = await finishedExecutions('on_server_created', 2);
      expect(executions.map((execution) => execution.output.message_id)).toEqual([duplicateOf, last]);
    });

    it('an unreadable message is dropped and the ones after it are handled', async () => {
      const before = (await finishedExecutions('on_server_created', 2)).length;
      await bus.publishRaw(EXCHANGE, `${TOPIC}.info`, Buffer.from('not json at all'));
      const messageId = await bus.notify(EXCHANGE, TOPIC, { eventType: CREATE_END, payload: { instance_id: 'srv-3' } });
      const executions = await finishedExecutions('on_server_created', before + 1);
      expect(executions[executions.length - 1].output.message_id).toBe(messageId);
    });

    it('keeps consuming when the broker drops the connection (as a restart does): nothing published meanwhile is lost', async () => {
      const before = (await finishedExecutions('on_server_created', 3)).length;
      expect(closeBrokerConnections(`sirocco notifications (${POOL})`)).toBe(1);
      const messageId = await bus.notify(EXCHANGE, TOPIC, { eventType: CREATE_END, payload: { instance_id: 'srv-4' } });
      const executions = await finishedExecutions('on_server_created', before + 1);
      expect(executions[executions.length - 1].output.message_id).toBe(messageId);
      await waitFor('the consumer back on its queue', async () => (await bus.consumers(queueOf(TOPIC))) === 1);
    });

    it('during maintenance mode a notification waits in its queue, and starts its run once maintenance ends', async () => {
      const before = (await finishedExecutions('on_server_created', 4)).length;
      await t.http.put('/v2/maintenance').send({ status: 'activated' }).expect(200);
      try {
        const messageId = await bus.notify(EXCHANGE, TOPIC, { eventType: CREATE_END, payload: { instance_id: 'srv-5' } });
        // delivered to Sirocco and held there, unacknowledged: not lost, not run
        await waitFor('the notification held by the consumer', async () => unacknowledged(queueOf(TOPIC)) === 1, { timeoutMs: 20000, intervalMs: 250 });
        expect(await finishedExecutions('on_server_created', before)).toHaveLength(before);
        await t.http.put('/v2/maintenance').send({ status: 'deactivated' }).expect(200);
        const executions = await finishedExecutions('on_server_created', before + 1);
        expect(executions).toHaveLength(before + 1);
        expect(executions[executions.length - 1].output.message_id).toBe(messageId);
        await waitFor('the notification acknowledged', async () => unacknowledged(queueOf(TOPIC)) === 0, { timeoutMs: 20000, intervalMs: 250 });
      } finally {
        await t.http.put('/v2/maintenance').send({ status: 'deactivated' }).expect(200);
      }
    });

    it('a deleted trigger starts nothing more; the queue no trigger needs is deleted', async () => {
      const before = (await finishedExecutions('on_server_created', 5)).length;
      await t.http.delete(`/v2/event_triggers/${triggerId}`).expect(204);
      await waitFor('the queue deleted', async () => (await bus.consumers(queueOf(TOPIC))) === null);
      // a trigger for another workflow on the same queue: its run shows the queue was read again
      const other = await createTrigger({ name: 'after_delete', workflow_id: workflowIds.counted }).expect(201);
      const messageId = await bus.notify(EXCHANGE, TOPIC, { eventType: CREATE_END });
      const [counted] = await finishedExecutions('counted', 1);
      expect(counted.output.message_id).toBe(messageId);
      expect(await finishedExecutions('on_server_created', before)).toHaveLength(before);
      await t.http.delete(`/v2/event_triggers/${other.body.id}`).expect(204);
    });
  });

  describe('two instances on one database and one queue', () => {
    let second: TestApp | undefined;
    afterAll(async () => {
      await second?.close();
    });

    it('start each notification once, redelivered duplicates included', async () => {
      second = await startTestApp(ENV, { databaseUrl: t.databaseUrl });
      const trigger = await createTrigger({ name: 'fan', topic: OTHER_TOPIC, workflow_id: workflowIds.fanned, event: 'fan.out' }).expect(201);
      // the other instance learns of the trigger from the database and reads the same queue
      await waitFor('both instances reading the queue', async () => (await bus.consumers(queueOf(OTHER_TOPIC))) === 2);
      const sent: string[] = [];
      for (let i = 0; i < 12; i += 1) {
        const messageId = await bus.notify(EXCHANGE, OTHER_TOPIC, { eventType: 'fan.out' });
        await bus.notify(EXCHANGE, OTHER_TOPIC, { eventType: 'fan.out', messageId });
        sent.push(messageId);
      }
      await finishedExecutions('fanned', sent.length);
      // the second instance stops (what it holds goes back to the queue); once the first has
      // handled a notification sent after that, every earlier one was handled by one of them
      await second.close();
      second = undefined;
      const last = await bus.notify(EXCHANGE, OTHER_TOPIC, { eventType: 'fan.out' });
      const executions = await finishedExecutions('fanned', sent.length + 1);
      const seen = executions.map((execution) => execution.output.message_id);
      expect([...seen].sort()).toEqual([...sent, last].sort());
      await t.http.delete(`/v2/event_triggers/${trigger.body.id}`).expect(204);
    });
  });
});
