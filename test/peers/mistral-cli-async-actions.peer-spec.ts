import { mistralCli } from '../support/mistral-cli';
import { useTestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const WORKFLOWS = `
version: '2.0'
cli_callback_wf:
  output:
    answer: <% $.answer %>
  tasks:
    wait_for_callback:
      action: std.async_noop
      publish:
        answer: <% $task().result %>
`;

type Row = Record<string, unknown>;

/** The real mistral CLI completing and deleting asynchronous action executions (action-execution-update / -delete). */
describe('the mistral CLI: asynchronous action executions', () => {
  const t = useTestApp({ SIROCCO_ALLOW_ACTION_EXECUTION_DELETION: 'true' }, { workflows: WORKFLOWS });
  const { client } = t;
  const { mistral, json } = mistralCli(t);

  it('action-execution-update gives a waiting action its result; the workflow goes on with it', async () => {
    const id = await client.start('cli_callback_wf');
    const task = await waitFor('the waiting task', async () => (await client.tasks(id)).find((one) => one.name === 'wait_for_callback'));
    const [action] = await waitFor('its action execution', async () => {
      const rows = await json<Row[]>('action-execution-list', task.id);
      return rows.length === 1 && rows[0].State === 'RUNNING' ? rows : undefined;
    }, { intervalMs: 300 });
    const updated = await json<Row>('action-execution-update', '--state', 'SUCCESS', '--output', '{"size_gb": 20}', String(action.ID));
    expect(updated).toMatchObject({ ID: action.ID, State: 'SUCCESS' });
    const done = await client.waitFor(id);
    expect(done).toMatchObject({ state: 'SUCCESS', output: { answer: { size_gb: 20 } } });
  });

  it('run-action of std.async_noop answers RUNNING; action-execution-update ends it in ERROR; action-execution-delete removes it', async () => {
    const started = await json<Row>('run-action', '-s', 'std.async_noop', '{}');
    expect(started.State).toBe('RUNNING');
    const id = String(started.ID);
    expect(await json<Row>('action-execution-update', '--state', 'ERROR', '--output', '"the backup server is full"', id)).toMatchObject({ State: 'ERROR' });
    expect(await json<Row>('action-execution-get', id)).toMatchObject({ State: 'ERROR' });
    await mistral('action-execution-delete', id);
    await expect(mistral('action-execution-get', id)).rejects.toMatchObject({ stderr: expect.stringContaining('not found') });
  });
});

describe('the mistral CLI: action-execution-delete refused by default, as Mistral', () => {
  const t = useTestApp();
  const { mistral, json } = mistralCli(t);

  it('refuses, and the action execution stays', async () => {
    const ended = await json<Row>('run-action', 'std.echo', '{"output": "x"}', '-s');
    // the client words the server's 403 its own way; the action execution stays
    await expect(mistral('action-execution-delete', String(ended.ID))).rejects.toMatchObject({
      stderr: expect.stringContaining('Unable to delete the specified action execution(s).'),
    });
    expect(await json<Row>('action-execution-get', String(ended.ID))).toMatchObject({ ID: ended.ID, State: 'SUCCESS' });
  });
});
