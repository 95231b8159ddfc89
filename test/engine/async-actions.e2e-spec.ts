import { Client } from 'pg';
import { useTestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const WORKFLOWS = `
version: '2.0'
callback_wf:
  output:
    answer: <% $.answer %>
  tasks:
    wait_for_callback:
      action: std.async_noop
      publish:
        answer: <% $task().result %>
      on-success: after
    after:
      action: std.echo output=done
`;

/**
 * Mistral's asynchronous actions: std.async_noop starts nothing and waits; whoever does the work
 * gives the result with PUT /v2/action_executions/{id}, and the workflow goes on.
 */
describe('asynchronous actions and PUT /v2/action_executions/{id}', () => {
  // short leases: a waiting action must not be taken over once its lease would have lapsed
  const t = useTestApp({ SIROCCO_ENGINE_LEASE_SECONDS: '1', SIROCCO_ENGINE_POLL_MS: '100' }, { workflows: WORKFLOWS });
  const { client } = t;

  /** The action of the execution's waiting task, once it waits without a lease. */
  async function waitingAction(executionId: string): Promise<string> {
    const task = await waitFor('the waiting task', async () => (await client.tasks(executionId)).find((one) => one.name === 'wait_for_callback'));
    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      return await waitFor('the action waiting without a lease', async () => {
        const { rows } = await db.query(`SELECT id FROM action_executions WHERE task_execution_id = $1 AND state = 'RUNNING' AND lease_owner IS NULL`, [task.id]);
        return rows[0]?.id as string | undefined;
      });
    } finally {
      await db.end();
    }
  }

  it('the execution waits (RUNNING) until the result is given, then goes on with it', async () => {
    const id = await client.start('callback_wf');
    const actionId = await waitingAction(id);
    expect((await client.get(id)).state).toBe('RUNNING');
    const answered = await t.http.put(`/v2/action_executions/${actionId}`).send({ state: 'SUCCESS', output: '{"size_gb": 20}' }).expect(200);
    expect(answered.body.state).toBe('SUCCESS');
    const done = await client.waitFor(id);
    expect(done.state).toBe('SUCCESS');
    expect(done.output).toEqual({ answer: { size_gb: 20 } });
    const actions = await client.actions((await client.task(id, 'wait_for_callback')).id);
    expect(actions).toHaveLength(1); // run once: never taken over while it waited
  });

  it('an ERROR result fails the task with its data, and the execution with it', async () => {
    const id = await client.start('callback_wf');
    const actionId = await waitingAction(id);
    await t.http.put(`/v2/action_executions/${actionId}`).send({ state: 'ERROR', output: 'the backup server is full' }).expect(200);
    const done = await client.waitFor(id);
    expect(done.state).toBe('ERROR');
    const task = await client.task(id, 'wait_for_callback');
    expect(task.state).toBe('ERROR');
    expect(task.state_info).toBe('the backup server is full');
  });

  it('refuses a result for an action that is not RUNNING, or a state other than SUCCESS and ERROR: 400, nothing changed', async () => {
    const id = await client.start('callback_wf');
    const actionId = await waitingAction(id);
    const cancelled = await t.http.put(`/v2/action_executions/${actionId}`).send({ state: 'CANCELLED' }).expect(400);
    expect(cancelled.body.faultstring).toBe("state must be SUCCESS or ERROR: the result of a running action (got 'CANCELLED')");
    await t.http.put(`/v2/action_executions/${actionId}`).send({ state: 'SUCCESS', output: 1 }).expect(200);
    await client.waitFor(id);
    const again = await t.http.put(`/v2/action_executions/${actionId}`).send({ state: 'ERROR', output: 'late' }).expect(400);
    expect(again.body.faultstring).toBe(`Only a RUNNING action execution can be given a result; action execution ${actionId} is SUCCESS`);
    expect((await client.get(id)).state).toBe('SUCCESS');
    await t.http.put('/v2/action_executions/5b0cc9e4-6d7c-4a4e-9a33-0a3f3a1a7c11').send({ state: 'SUCCESS' }).expect(404);
  });

  it('a one-off asynchronous action answers RUNNING and ends with the result given', async () => {
    const started = await t.http.post('/v2/action_executions').send({ name: 'std.async_noop' }).expect(201);
    expect(started.body.state).toBe('RUNNING');
    await t.http.put(`/v2/action_executions/${started.body.id}`).send({ state: 'SUCCESS', output: { done: true } }).expect(200);
    const shown = await t.http.get(`/v2/action_executions/${started.body.id}`).expect(200);
    expect(shown.body.state).toBe('SUCCESS');
    expect(JSON.parse(shown.body.output)).toEqual({ result: { done: true } });
  });

  it('DELETE is refused as Mistral does by default', async () => {
    const started = await t.http.post('/v2/action_executions').send({ name: 'std.noop' }).expect(201);
    const refused = await t.http.delete(`/v2/action_executions/${started.body.id}`).expect(403);
    expect(refused.body.faultstring).toBe('Action execution deletion is not allowed.');
    await t.http.get(`/v2/action_executions/${started.body.id}`).expect(200);
  });
});

describe('DELETE /v2/action_executions/{id} with SIROCCO_ALLOW_ACTION_EXECUTION_DELETION=true', () => {
  const t = useTestApp({ SIROCCO_ALLOW_ACTION_EXECUTION_DELETION: 'true' });

  it('deletes an ended action execution, and refuses a running one', async () => {
    const running = await t.http.post('/v2/action_executions').send({ name: 'std.async_noop' }).expect(201);
    const refused = await t.http.delete(`/v2/action_executions/${running.body.id}`).expect(400);
    expect(refused.body.faultstring).toBe('Only completed action execution can be removed.');
    const ended = await t.http.post('/v2/action_executions').send({ name: 'std.noop' }).expect(201);
    await t.http.delete(`/v2/action_executions/${ended.body.id}`).expect(204);
    await t.http.get(`/v2/action_executions/${ended.body.id}`).expect(404);
  });
});
