import { useTestApp } from '../support/test-app';

/** Reverse workflows over the API: upload, start with params.task_name, what runs, failures. */
const DEFINITION = `
version: '2.0'
notify_wf:
  input:
    - message
  tasks:
    send:
      action: std.echo output=<% $.message %>
      on-success: done
    done:
      action: std.noop

diamond_wf:
  type: reverse
  description: ship needs left and right, which both need base; audit stands apart
  output:
    shipped: <% $.shipped %>
  tasks:
    base:
      action: std.echo output=base
      publish: {base: <% $task().result %>}
    left:
      requires: base
      action: std.echo output="left on <% $.base %>" delay=0.1
      publish: {left: <% $task().result %>}
    right:
      requires: [base]
      action: std.echo
      input:
        output: right on <% $.base %>
        delay: '<% $env().fail_right ? -1 : 0.1 %>'
      publish: {right: <% $task().result %>}
    ship:
      requires: [left, right]
      action: std.echo
      input:
        output: <% [$.left, $.right] %>
      publish: {shipped: <% $task().result %>}
    audit:
      action: std.echo output=audited
`;

describe('reverse workflows', () => {
  const t = useTestApp({}, { workflows: DEFINITION });
  const { client } = t;

  const countExecutions = async () => (await t.http.get('/v2/executions').expect(200)).body.executions.length;

  it('accepts a file holding a direct and a reverse workflow, on create, update and validate', async () => {
    const text = DEFINITION.replace(/notify_wf/g, 'other_notify_wf').replace(/diamond_wf/g, 'other_diamond_wf');
    const validation = await t.http.post('/v2/workflows/validate').set('Content-Type', 'text/plain').send(text).expect(200);
    expect(validation.body).toEqual({ valid: true });
    const created = await t.http.post('/v2/workflows').set('Content-Type', 'text/plain').send(text).expect(201);
    expect(created.body.workflows.map((workflow: { name: string }) => workflow.name).sort()).toEqual(['other_diamond_wf', 'other_notify_wf']);
    await t.http.put('/v2/workflows').set('Content-Type', 'text/plain').send(text).expect(200);
    const direct = await client.run('other_notify_wf', { message: 'hello' });
    expect(direct.state).toBe('SUCCESS');
    expect((await client.run('other_diamond_wf', {}, { task_name: 'audit' })).state).toBe('SUCCESS');
  });

  it('runs the target and exactly the tasks it needs, requirements first, and not the others', async () => {
    const execution = await client.run('diamond_wf', {}, { task_name: 'ship' });
    expect(execution.state).toBe('SUCCESS');
    expect(execution.params).toMatchObject({ task_name: 'ship' });
    // ship read what left and right published, which read what base published
    expect(execution.output).toEqual({ shipped: ['left on base', 'right on base'] });
    const tasks = await client.tasks(execution.id);
    expect(tasks.map((task) => `${task.name}:${task.state}`).sort()).toEqual(['base:SUCCESS', 'left:SUCCESS', 'right:SUCCESS', 'ship:SUCCESS']);
    // the list is in the order the tasks were started
    const position = (name: string) => tasks.findIndex((task) => task.name === name);
    expect(position('base')).toBeLessThan(Math.min(position('left'), position('right')));
    expect(position('ship')).toBe(3);
  });

  it('a target that requires nothing runs alone', async () => {
    const execution = await client.run('diamond_wf', {}, { task_name: 'audit' });
    expect(execution.state).toBe('SUCCESS');
    expect((await client.tasks(execution.id)).map((task) => task.name)).toEqual(['audit']);
  });

  it('stops at a failed task: what it blocks never starts and the execution ends in ERROR', async () => {
    const execution = await client.run('diamond_wf', {}, { task_name: 'ship', env: { fail_right: true } });
    expect(execution.state).toBe('ERROR');
    expect(execution.state_info).toMatch(/^Failure caused by error in tasks: right\n/);
    const tasks = await client.tasks(execution.id);
    expect(tasks.map((task) => `${task.name}:${task.state}`).sort()).toEqual(['base:SUCCESS', 'left:SUCCESS', 'right:ERROR']);
  });

  it('re-running the failed task (PUT /v2/tasks/{id}) resumes the graph up to the target', async () => {
    const failed = await client.run('diamond_wf', {}, { task_name: 'ship', env: { fail_right: true } });
    expect(failed.state).toBe('ERROR');
    const right = await client.task(failed.id, 'right');
    await t.http.put(`/v2/tasks/${right.id}`).send({ state: 'RUNNING', reset: true, env: { fail_right: false } }).expect(200);
    const resumed = await client.waitFor(failed.id, ['SUCCESS']);
    expect(resumed.output).toEqual({ shipped: ['left on base', 'right on base'] });
    const tasks = await client.tasks(resumed.id);
    // the same task ran again (no second 'right'), then the target
    expect(tasks.map((task) => `${task.name}:${task.state}`).sort()).toEqual(['base:SUCCESS', 'left:SUCCESS', 'right:SUCCESS', 'ship:SUCCESS']);
    expect((await client.task(resumed.id, 'right')).id).toBe(right.id);
  });

  it.each([
    ['no params', undefined, /^Invalid task name \[workflow=diamond_wf, task_name=None\]: a reverse workflow runs a target task: give its name in params\.task_name \(one of: audit, base, left, right, ship\)$/],
    ['no task_name', '{"env": {}}', /task_name=None\].*params\.task_name/],
    ['an unknown task_name', '{"task_name": "deploy"}', /^Invalid task name \[workflow=diamond_wf, task_name="deploy"\]: params\.task_name must name a task of the workflow/],
  ])('answers 400 naming params.task_name to a start with %s, and stores nothing', async (_case, params, message) => {
    const before = await countExecutions();
    const body: Record<string, unknown> = { workflow_name: 'diamond_wf', input: '{}' };
    if (params !== undefined) body.params = params;
    const response = await t.http.post('/v2/executions').send(body).expect(400);
    expect(response.body.faultcode).toBe('Client');
    expect(response.body.faultstring).toMatch(message);
    expect(await countExecutions()).toBe(before);
  });

  it('a cron trigger of a reverse workflow names the target in workflow_params, checked when it is created or changed', async () => {
    const trigger = { name: 'nightly_audit', workflow_name: 'diamond_wf', pattern: '0 3 * * *' };
    const refused = await t.http.post('/v2/cron_triggers').send(trigger).expect(400);
    expect(refused.body.faultstring).toMatch(/^Invalid task name \[workflow=diamond_wf, task_name=None\]: .*params\.task_name/);
    const created = await t.http
      .post('/v2/cron_triggers')
      .send({ ...trigger, workflow_params: '{"task_name": "audit"}' })
      .expect(201);
    expect(JSON.parse(created.body.workflow_params)).toEqual({ task_name: 'audit' });
    const update = await t.http.put('/v2/cron_triggers/nightly_audit').send({ workflow_params: '{"task_name": "nope"}' }).expect(400);
    expect(update.body.faultstring).toMatch(/task_name="nope"\]: params\.task_name must name a task/);
    await t.http.delete('/v2/cron_triggers/nightly_audit').expect(204);
  });

  it('refuses a reverse workflow whose requires make a cycle, with line and column', async () => {
    const text = [
      "version: '2.0'",
      'loop_wf:',
      '  type: reverse',
      '  tasks:',
      '    fetch:',
      '      requires: [verify]',
      '    unpack:',
      '      requires: fetch',
      '    verify:',
      '      requires: unpack',
      '',
    ].join('\n');
    const response = await t.http.post('/v2/workflows').set('Content-Type', 'text/plain').send(text).expect(400);
    expect(response.body.faultstring).toMatch(
      /^Invalid DSL: line 8, column 17: loop_wf\.tasks\.unpack\.requires: 'requires' makes a cycle: fetch -> verify -> unpack -> fetch/,
    );
    await t.http.get('/v2/workflows/loop_wf').expect(404);
  });

  it('refuses transitions in a reverse workflow and requires in a direct one, with line and column', async () => {
    const text = [
      "version: '2.0'",
      'mixed_up_wf:',
      '  type: reverse',
      '  tasks:',
      '    a:',
      '      action: std.noop',
      '      on-success: b',
      '    b:',
      '      requires: a',
      'plain_wf:',
      '  tasks:',
      '    a:',
      '      requires: b',
      '    b:',
      '      action: std.noop',
      '',
    ].join('\n');
    const response = await t.http.post('/v2/workflows').set('Content-Type', 'text/plain').send(text).expect(400);
    expect(response.body.faultstring).toContain("line 7, column 7: mixed_up_wf.tasks.a.on-success: 'on-success' is not allowed in a reverse workflow");
    expect(response.body.faultstring).toContain("line 13, column 7: plain_wf.tasks.a.requires: 'requires' belongs to reverse workflows");
  });
});
