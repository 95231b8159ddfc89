import { regionCheckWorkflow } from '../support/fixtures/engine-workflows';
import { useTestApp } from '../support/test-app';

const WORKFLOWS = `
version: '2.0'
env_paused_wf:
  output:
    seen: <% $.seen %>
  tasks:
    first:
      action: std.noop
      on-success: second
    second:
      pause-before: true
      action: std.echo output=<% $env() %>
      publish:
        seen: <% $task().result %>
${regionCheckWorkflow('env_failing_wf')}
env_slow_wf:
  tasks:
    nap:
      action: std.sleep seconds=5
`;

/** Mistral's execution-update -e and task-rerun --env: the environment changes while nothing runs. */
describe('changing an execution environment', () => {
  const t = useTestApp({}, { workflows: WORKFLOWS });
  const { client } = t;
  /** params as the API body has them (JSON text) or as the client parsed them */
  const params = (execution: { params: unknown }) =>
    (typeof execution.params === 'string' ? JSON.parse(execution.params) : execution.params) as { env?: Record<string, unknown> };

  it('a paused execution gets the merged environment (object or JSON text), and its next task sees it', async () => {
    const id = await client.start('env_paused_wf', {}, { env: { region: 'cern', keep: { a: 1, b: 2 } } });
    await client.waitFor(id, ['PAUSED']);
    const changed = await t.http.put(`/v2/executions/${id}`).send({ params: { env: { keep: { b: 3 }, added: true } } }).expect(200);
    expect(changed.body.state).toBe('PAUSED');
    expect(params(changed.body).env).toEqual({ region: 'cern', keep: { a: 1, b: 3 }, added: true });
    // the CLI sends params as JSON text, and may resume in the same request
    await t.http.put(`/v2/executions/${id}`).send({ state: 'RUNNING', params: JSON.stringify({ env: { region: 'meyrin' } }) }).expect(200);
    const done = await client.waitFor(id);
    expect(done.state).toBe('SUCCESS');
    expect(done.output).toEqual({ seen: { region: 'meyrin', keep: { a: 1, b: 3 }, added: true } });
  });

  it('a running execution keeps its environment: 403 with Mistral\'s message, nothing changed', async () => {
    const id = await client.start('env_slow_wf', {}, { env: { region: 'cern' } });
    const refused = await t.http.put(`/v2/executions/${id}`).send({ params: { env: { region: 'other' } } }).expect(403);
    expect(refused.body.faultstring).toBe('Updating env to workflow execution is only permitted if it is in IDLE, PAUSED, or ERROR state.');
    expect(params(await client.get(id)).env).toEqual({ region: 'cern' });
    await client.setState(id, 'CANCELLED');
  });

  it('env goes with a resume only: with another state, or with other params, it is a 400', async () => {
    const id = await client.start('env_paused_wf', {}, { env: { region: 'cern' } });
    await client.waitFor(id, ['PAUSED']);
    const withPause = await t.http.put(`/v2/executions/${id}`).send({ state: 'CANCELLED', params: { env: { region: 'x' } } }).expect(400);
    expect(withPause.body.faultstring).toBe('The property env can only be updated when workflow execution is not running or on resume from pause.');
    const other = await t.http.put(`/v2/executions/${id}`).send({ params: { namespace: 'elsewhere' } }).expect(400);
    expect(other.body.faultstring).toContain('Only params.env can be changed');
    const notJson = await t.http.put(`/v2/executions/${id}`).send({ params: { env: '[1, 2]' } }).expect(400);
    expect(notJson.body.faultstring).toBe('params.env must be a JSON object');
    const nothing = await t.http.put(`/v2/executions/${id}`).send({}).expect(400);
    expect(nothing.body.faultstring).toBe('The property state, description, or env is not provided for update.');
    const after = await client.get(id);
    expect(after.state).toBe('PAUSED');
    expect(params(after).env).toEqual({ region: 'cern' });
    await client.setState(id, 'CANCELLED');
  });

  it('task-rerun --env: a failed task runs again with the changed environment and the execution succeeds', async () => {
    const failed = await client.run('env_failing_wf', {}, { env: { region: 'bad', zone: 'a' } });
    expect(failed.state).toBe('ERROR');
    const check = await client.task(failed.id, 'check');
    expect(check.state).toBe('ERROR');
    expect(check.state_info).toContain('no snapshots in region bad');
    // as the CLI sends it: env as JSON text
    await t.http.put(`/v2/tasks/${check.id}`).send({ state: 'RUNNING', reset: true, env: JSON.stringify({ region: 'good' }) }).expect(200);
    const done = await client.waitFor(failed.id, ['SUCCESS']);
    expect(done.output).toEqual({ region: 'good' });
    expect(params(await client.get(failed.id)).env).toEqual({ region: 'good', zone: 'a' });
  });

  it('env on a task update other than a re-run is a 400', async () => {
    const failed = await client.run('env_failing_wf', {}, { env: { region: 'bad' } });
    const check = await client.task(failed.id, 'check');
    const refused = await t.http.put(`/v2/tasks/${check.id}`).send({ state: 'SKIPPED', env: { region: 'good' } }).expect(400);
    expect(refused.body.faultstring).toBe('env can only be given when re-running a task (state RUNNING)');
    expect((await client.task(failed.id, 'check')).state).toBe('ERROR');
  });
});
