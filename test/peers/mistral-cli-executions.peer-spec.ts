import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { regionCheckWorkflow } from '../support/fixtures/engine-workflows';
import { mistralCli } from '../support/mistral-cli';
import { useTestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const WORKFLOWS = `
version: '2.0'
cli_exec_wf:
  input:
    - vm
    - greeting: hello
  output:
    message: <% $.message %>
  tasks:
    greet:
      action: std.echo output=<% $.greeting & ' ' & $.vm & ' ' & $env().site %>
      publish:
        message: <% $task().result %>
${regionCheckWorkflow('cli_env_wf')}
cli_slow_wf:
  tasks:
    nap:
      # holds the run until the test completes it: no race with the CLI's start-up time
      action: std.async_noop
      on-success: after
    after:
      action: std.echo output=done
cli_parent_wf:
  tasks:
    call:
      workflow: cli_child_wf
cli_child_wf:
  tasks:
    hi:
      action: std.noop
`;

type Row = Record<string, unknown>;

/** The real mistral CLI's execution, task, action and environment commands against Sirocco. */
describe('the mistral CLI: executions, tasks, actions, environments', () => {
  const t = useTestApp({}, { workflows: WORKFLOWS });
  const { client } = t;
  const { mistral, json } = mistralCli(t);
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sirocco-cli-exec-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  let executionId: string;

  it('environment-create, environment-list and environment-get', async () => {
    const file = path.join(dir, 'env.yaml');
    writeFileSync(file, 'name: cli_env\ndescription: for the CLI test\nvariables:\n  site: geneva\n');
    const created = await json('environment-create', file);
    expect(created).toMatchObject({ Name: 'cli_env', Description: 'for the CLI test' });
    const listed = await json<Row[]>('environment-list');
    expect(listed.map((row) => row.Name)).toContain('cli_env');
    const shown = await json('environment-get', 'cli_env');
    expect(JSON.parse(String(shown.Variables))).toEqual({ site: 'geneva' });
  });

  it('execution-create runs a workflow with input and an environment by name', async () => {
    const created = await json('execution-create', 'cli_exec_wf', '{"vm": "vm1"}', '{"env": "cli_env"}');
    expect(created).toMatchObject({ 'Workflow name': 'cli_exec_wf' });
    executionId = String(created.ID);
    const done = await client.waitFor(executionId);
    expect(done.state).toBe('SUCCESS');
  });

  it('execution-get, execution-get-output, execution-get-input and execution-list', async () => {
    const shown = await json('execution-get', executionId);
    expect(shown).toMatchObject({ ID: executionId, 'Workflow name': 'cli_exec_wf', State: 'SUCCESS' });
    expect(JSON.parse(await mistral('execution-get-output', executionId))).toEqual({ message: 'hello vm1 geneva' });
    expect(JSON.parse(await mistral('execution-get-input', executionId))).toEqual({ vm: 'vm1', greeting: 'hello' });
    const listed = await json<Row[]>('execution-list');
    expect(listed.find((row) => row.ID === executionId)).toMatchObject({ State: 'SUCCESS', 'Workflow name': 'cli_exec_wf' });
  });

  it('task-list, task-get, task-get-result and task-get-published', async () => {
    const tasks = await json<Row[]>('task-list', executionId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ Name: 'greet', State: 'SUCCESS' });
    const taskId = String(tasks[0].ID);
    expect(await json('task-get', taskId)).toMatchObject({ ID: taskId, Name: 'greet', State: 'SUCCESS' });
    expect(JSON.parse(await mistral('task-get-result', taskId))).toBe('hello vm1 geneva');
    expect(JSON.parse(await mistral('task-get-published', taskId))).toEqual({ message: 'hello vm1 geneva' });
    const all = await json<Row[]>('task-list');
    expect(all.map((row) => row.ID)).toContain(taskId);
  });

  it('action-execution-list and action-execution-get', async () => {
    const actions = await json<Row[]>('action-execution-list');
    const echo = actions.find((row) => row.Name === 'std.echo' && row['Task name'] === 'greet');
    expect(echo).toMatchObject({ State: 'SUCCESS', 'Workflow name': 'cli_exec_wf' });
    const shown = await json('action-execution-get', String(echo!.ID));
    expect(shown).toMatchObject({ Name: 'std.echo', State: 'SUCCESS' });
  });

  it('action-list and action-get show the std actions and their inputs', async () => {
    const actions = await json<Row[]>('action-list');
    expect(actions.map((row) => row.Name)).toEqual(expect.arrayContaining(['std.echo', 'std.http', 'std.email', 'std.noop']));
    expect(await json('action-get', 'std.echo')).toMatchObject({ Name: 'std.echo', Input: 'output, delay=0' });
  });

  it('run-action runs one action and prints its result', async () => {
    expect(JSON.parse(await mistral('run-action', 'std.echo', '{"output": "x"}'))).toEqual({ result: 'x' });
  });

  it('execution-update pauses and resumes a running execution, which then finishes', async () => {
    const created = await json('execution-create', 'cli_slow_wf');
    const id = String(created.ID);
    const nap = await waitFor('the nap to start', async () => {
      const tasks = await client.tasks(id);
      return tasks.length === 1 && tasks[0].state === 'RUNNING' ? tasks[0] : undefined;
    });
    const paused = await json('execution-update', '-s', 'PAUSED', id);
    expect(paused.State).toBe('PAUSED');
    // the held action ends while paused: the execution stays paused
    const [action] = await client.actions(nap.id);
    await t.http.put(`/v2/action_executions/${action.id}`).send({ state: 'SUCCESS', output: '{"slept": true}' }).expect(200);
    await waitFor('the nap to end', async () => (await client.task(id, 'nap')).state === 'SUCCESS');
    expect((await json('execution-get', id)).State).toBe('PAUSED');
    // resuming runs what was held back at once: the last task is instant, so it may be done already
    const resumed = await json('execution-update', '-s', 'RUNNING', id);
    expect(['RUNNING', 'SUCCESS']).toContain(resumed.State);
    expect((await client.waitFor(id)).state).toBe('SUCCESS');
  }, 60000);

  it('execution-update cancels, and execution-delete removes', async () => {
    const id = String((await json('execution-create', 'cli_slow_wf')).ID);
    expect((await json('execution-update', '-s', 'CANCELLED', id)).State).toBe('CANCELLED');
    const out = await mistral('execution-delete', id);
    expect(out).toContain(id);
    await expect(mistral('execution-get', id)).rejects.toMatchObject({ stderr: expect.stringContaining('WorkflowExecution not found') });
  });

  it('execution-update -e changes the environment of a failed execution; task-rerun --env re-runs its task with another', async () => {
    const id = String((await json('execution-create', 'cli_env_wf', '{}', '{"env": {"region": "bad"}}')).ID);
    expect((await client.waitFor(id)).state).toBe('ERROR');
    await json('execution-update', '-e', '{"owner": "ops"}', id);
    expect((await client.get(id)).params.env).toEqual({ region: 'bad', owner: 'ops' });
    const check = await client.task(id, 'check');
    await json('task-rerun', '--env', '{"region": "good"}', check.id);
    const done = await client.waitFor(id, ['SUCCESS']);
    expect(done.output).toEqual({ region: 'good' });
    expect(done.params.env).toEqual({ region: 'good', owner: 'ops' });
  }, 30000);

  it('execution-get-sub-executions and task-get-sub-executions list the sub-workflow executions', async () => {
    const parent = await client.run('cli_parent_wf');
    expect(parent.state).toBe('SUCCESS');
    const ofExecution = await json<Row[]>('execution-get-sub-executions', parent.id);
    expect(ofExecution.map((row) => row['Workflow name'])).toEqual(['cli_parent_wf', 'cli_child_wf']);
    const [task] = await json<Row[]>('task-list', parent.id);
    const ofTask = await json<Row[]>('task-get-sub-executions', String(task.ID));
    expect(ofTask).toHaveLength(1);
    expect(ofTask[0]).toMatchObject({ 'Workflow name': 'cli_child_wf', 'Task Execution ID': task.ID, State: 'SUCCESS' });
  });

  it("workflow-create takes a file with a direct and a reverse workflow; execution-create runs the reverse one's target from its params", async () => {
    const file = path.join(dir, 'reverse.yaml');
    writeFileSync(
      file,
      [
        "version: '2.0'",
        'cli_rev_direct_wf:',
        '  tasks:',
        '    only:',
        '      action: std.noop',
        'cli_reverse_wf:',
        '  type: reverse',
        '  tasks:',
        '    fetch:',
        '      action: std.echo output=fetched',
        '    unpack:',
        '      requires: fetch',
        '      action: std.echo output=unpacked',
        '    unrelated:',
        '      action: std.noop',
        '',
      ].join('\n'),
    );
    const created = await json<Row[]>('workflow-create', file);
    expect(created.map((row) => row.Name).sort()).toEqual(['cli_rev_direct_wf', 'cli_reverse_wf']);
    const started = await json('execution-create', 'cli_reverse_wf', '{}', '{"task_name": "unpack"}');
    const done = await client.waitFor(String(started.ID));
    expect(done.state).toBe('SUCCESS');
    expect(done.params).toMatchObject({ task_name: 'unpack' });
    const tasks = await json<Row[]>('task-list', String(started.ID));
    expect(tasks.map((row) => `${String(row.Name)}:${String(row.State)}`)).toEqual(['fetch:SUCCESS', 'unpack:SUCCESS']);
    await expect(mistral('execution-create', 'cli_reverse_wf')).rejects.toMatchObject({
      stderr: expect.stringContaining('Invalid task name [workflow=cli_reverse_wf, task_name=None]'),
    });
  }, 30000);

  it('environment-delete removes the environment', async () => {
    await mistral('environment-delete', 'cli_env');
    const listed = await json<Row[]>('environment-list');
    expect(listed.filter((row) => row.Name === 'cli_env')).toEqual([]);
  });
});
