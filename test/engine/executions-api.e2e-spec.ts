import { useTestApp } from '../support/test-app';

const WORKFLOWS = `
version: '2.0'
api_wf:
  input:
    - name
  output:
    greeting: <% $.greeting %>
  tasks:
    greet:
      action: std.echo output=<% 'hi ' & $.name %>
      publish:
        greeting: <% $task().result %>
api_parent_wf:
  tasks:
    child:
      workflow: api_wf
      input:
        name: child
      on-success: broken
    broken:
      action: std.fail
api_slow_wf:
  tasks:
    nap:
      action: std.sleep seconds=3
`;

/** The executions, tasks, action executions, environments and actions API, as Mistral shows them. */
describe('executions API', () => {
  const t = useTestApp({}, { workflows: WORKFLOWS });
  const { client } = t;

  it('creates by workflow name or id, with input as text or object, and shows Mistral\'s fields', async () => {
    const byName = await t.http.post('/v2/executions').send({ workflow_name: 'api_wf', input: '{"name": "a"}', description: 'first' }).expect(201);
    expect(byName.body).toMatchObject({ workflow_name: 'api_wf', description: 'first', input: '{"name": "a"}', task_execution_id: null, root_execution_id: null });
    expect(typeof byName.body.params).toBe('string');
    const workflowId = byName.body.workflow_id;
    const byId = await t.http.post('/v2/executions').send({ workflow_id: workflowId, input: { name: 'b' } }).expect(201);
    const done = await client.waitFor(byId.body.id);
    expect(done.output).toEqual({ greeting: 'hi b' });
    const shown = await t.http.get(`/v2/executions/${byId.body.id}`).expect(200);
    expect(shown.body).toMatchObject({ id: byId.body.id, state: 'SUCCESS', state_info: null, workflow_id: workflowId, project_id: '<default-project>' });
    expect(JSON.parse(shown.body.output)).toEqual({ greeting: 'hi b' });
    expect(shown.body.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('makes a create with a client-supplied id idempotent', async () => {
    const id = '6f0e8a5e-8d39-4a0c-9a4e-1a2b3c4d5e6f';
    const first = await t.http.post('/v2/executions').send({ id, workflow_name: 'api_wf', input: { name: 'once' } }).expect(201);
    const again = await t.http.post('/v2/executions').send({ id, workflow_name: 'api_wf', input: { name: 'once' } });
    expect([200, 201]).toContain(again.status);
    expect(again.body.id).toBe(first.body.id);
    const listed = await t.http.get('/v2/executions').query({ id }).expect(200);
    expect(listed.body.executions).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{"workflow_name": ', 400, 'Request is not in valid JSON format'],
    ['an unknown workflow', { workflow_name: 'no_such_wf' }, 404, 'Workflow not found [workflow_identifier=no_such_wf, namespace=]'],
    ['missing input', { workflow_name: 'api_wf' }, 400, "Invalid input [name=api_wf, class=DirectWorkflowSpec, missing=['name']]"],
    ['unknown input', { workflow_name: 'api_wf', input: { name: 'x', nam: 'y' } }, 400, "unexpected=['nam']"],
    ['an unknown environment', { workflow_name: 'api_wf', input: { name: 'x' }, params: { env: 'nowhere' } }, 400, 'Environment not found [name=nowhere]'],
  ])('refuses %s, starting nothing', async (_case, body, status, message) => {
    const before = (await t.http.get('/v2/executions').expect(200)).body.executions.length;
    const request = t.http.post('/v2/executions');
    const response = typeof body === 'string' ? await request.set('Content-Type', 'application/json').send(body) : await request.send(body);
    expect(response.status).toBe(status);
    expect(response.body.faultstring).toContain(message);
    expect((await t.http.get('/v2/executions').expect(200)).body.executions).toHaveLength(before);
  });

  it('lists with filters (state, workflow_name, created_at ranges, description), fields and pages with next links', async () => {
    for (const name of ['p1', 'p2', 'p3']) {
      await t.http.post('/v2/executions').send({ workflow_name: 'api_wf', input: { name }, description: `page ${name}` }).expect(201);
    }
    const filtered = await t.http.get('/v2/executions').query({ workflow_name: 'api_wf', description: 'has:page', state: 'in:SUCCESS,ERROR', fields: 'state,description' }).expect(200);
    expect(filtered.body.executions).toHaveLength(3);
    expect(Object.keys(filtered.body.executions[0]).sort()).toEqual(['description', 'id', 'state']);
    const future = await t.http.get('/v2/executions').query({ created_at: 'gte:2999-01-01 00:00:00' }).expect(200);
    expect(future.body.executions).toEqual([]);
    const past = await t.http.get('/v2/executions').query({ created_at: 'lt:2999-01-01 00:00:00', workflow_name: 'api_wf' }).expect(200);
    expect(past.body.executions.length).toBeGreaterThanOrEqual(3);

    const page1 = await t.http.get('/v2/executions').query({ limit: 2, description: 'has:page' }).expect(200);
    expect(page1.body.executions).toHaveLength(2);
    expect(page1.body.next).toContain('marker=');
    const next = new URL(page1.body.next);
    const page2 = await t.http.get(`${next.pathname}${next.search}`).expect(200);
    expect(page2.body.executions).toHaveLength(1);
    const ids = [...page1.body.executions, ...page2.body.executions].map((execution: { id: string }) => execution.id);
    expect(new Set(ids).size).toBe(3);
    expect((await t.http.get('/v2/executions').query({ limit: -1 }).expect(400)).body.faultstring).toBe('Limit must be positive.');
  });

  it('answers 404 with Mistral\'s message for an unknown execution or task', async () => {
    const missing = '00000000-0000-0000-0000-000000000000';
    expect((await t.http.get(`/v2/executions/${missing}`).expect(404)).body.faultstring).toBe(`WorkflowExecution not found [id=${missing}]`);
    expect((await t.http.get(`/v2/tasks/${missing}`).expect(404)).body.faultstring).toContain('not found');
  });

  it('changes the description, and refuses an impossible state change', async () => {
    const done = await client.run('api_wf', { name: 'desc' });
    const updated = await t.http.put(`/v2/executions/${done.id}`).send({ description: 'renamed' }).expect(200);
    expect(updated.body.description).toBe('renamed');
    const refused = await t.http.put(`/v2/executions/${done.id}`).send({ state: 'PAUSED' }).expect(400);
    expect(refused.body.faultstring).toContain(`Can't change the state of execution ${done.id} from SUCCESS to PAUSED`);
  });

  it('forces a running execution to ERROR or SUCCESS with a state_info', async () => {
    const failing = await client.start('api_slow_wf');
    const failed = await t.http.put(`/v2/executions/${failing}`).send({ state: 'ERROR', state_info: 'stopped by the operator' }).expect(200);
    expect(failed.body.state).toBe('ERROR');
    expect(failed.body.state_info).toContain('stopped by the operator');
    const succeeding = await client.start('api_slow_wf');
    expect((await t.http.put(`/v2/executions/${succeeding}`).send({ state: 'SUCCESS' }).expect(200)).body.state).toBe('SUCCESS');
  });

  it('deletes a finished execution, and a running one only with force', async () => {
    const done = await client.run('api_wf', { name: 'gone' });
    await t.http.delete(`/v2/executions/${done.id}`).expect(204);
    await t.http.get(`/v2/executions/${done.id}`).expect(404);
    const running = await client.start('api_slow_wf');
    const refused = await t.http.delete(`/v2/executions/${running}`).expect(400);
    expect(refused.body.faultstring).toContain('force');
    await t.http.delete(`/v2/executions/${running}`).query({ force: 'true' }).expect(204);
    await t.http.get(`/v2/executions/${running}`).expect(404);
  });

  it('reports the tree of task and action executions, sub-workflows included, with statistics', async () => {
    const parent = await client.run('api_parent_wf');
    expect(parent.state).toBe('ERROR');
    const report = await t.http.get(`/v2/executions/${parent.id}/report`).expect(200);
    expect(report.body.root_workflow_execution).toMatchObject({ id: parent.id, name: 'api_parent_wf', state: 'ERROR' });
    const tasks = report.body.root_workflow_execution.task_executions as Array<Record<string, any>>;
    expect(tasks.map((task) => task.name).sort()).toEqual(['broken', 'child']);
    const child = tasks.find((task) => task.name === 'child')!;
    expect(child.workflow_executions[0]).toMatchObject({ name: 'api_wf', state: 'SUCCESS' });
    expect(child.workflow_executions[0].task_executions[0]).toMatchObject({ name: 'greet', state: 'SUCCESS' });
    const broken = tasks.find((task) => task.name === 'broken')!;
    expect(broken.action_executions[0]).toMatchObject({ name: 'std.fail', state: 'ERROR' });
    expect(report.body.statistics).toMatchObject({ total_tasks_count: 3, success_tasks_count: 2, error_tasks_count: 1 });
  });

  it("lists sub-workflow executions of an execution and of a task, as Mistral's sub-executions routes", async () => {
    const parent = await client.run('api_parent_wf');
    const subOfExecution = await t.http.get(`/v2/executions/${parent.id}/executions`).expect(200);
    expect(subOfExecution.body.executions.map((e: Record<string, string>) => e.workflow_name)).toEqual(['api_parent_wf', 'api_wf']);
    const errorsOnly = await t.http.get(`/v2/executions/${parent.id}/executions?errors_only=true`).expect(200);
    expect(errorsOnly.body.executions.map((e: Record<string, string>) => e.id)).toEqual([parent.id]);

    const tasks = (await t.http.get(`/v2/executions/${parent.id}/tasks`).expect(200)).body.tasks as Array<Record<string, string>>;
    const callTask = tasks.find((task) => task.name === 'child')!;
    const brokenTask = tasks.find((task) => task.name === 'broken')!;
    const subOfTask = await t.http.get(`/v2/tasks/${callTask.id}/executions`).expect(200);
    expect(subOfTask.body.executions).toHaveLength(1);
    expect(subOfTask.body.executions[0]).toMatchObject({ workflow_name: 'api_wf', task_execution_id: callTask.id, state: 'SUCCESS' });
    expect(JSON.parse(subOfTask.body.executions[0].output)).toEqual({ greeting: 'hi child' });
    // errors_only: the task did not fail, so nothing; an action task has no sub-workflows
    expect((await t.http.get(`/v2/tasks/${callTask.id}/executions?errors_only=true`).expect(200)).body.executions).toEqual([]);
    expect((await t.http.get(`/v2/tasks/${brokenTask.id}/executions`).expect(200)).body.executions).toEqual([]);

    const listed = await t.http.get(`/v2/tasks/${callTask.id}/workflow_executions?fields=workflow_name,state`).expect(200);
    expect(listed.body.executions).toEqual([{ id: subOfTask.body.executions[0].id, workflow_name: 'api_wf', state: 'SUCCESS' }]);
    await t.http.get('/v2/tasks/2e9d0f8c-1f4b-4c55-9d0b-6b0c1a0e7e11/executions').expect(404);
    await t.http.get('/v2/tasks/2e9d0f8c-1f4b-4c55-9d0b-6b0c1a0e7e11/workflow_executions').expect(404);
  });

  it('lists tasks (all, by execution, filtered) and action executions (all, by task, one)', async () => {
    const done = await client.run('api_wf', { name: 'tasks' });
    const own = await t.http.get(`/v2/executions/${done.id}/tasks`).expect(200);
    expect(own.body.tasks).toHaveLength(1);
    const task = own.body.tasks[0];
    expect(task).toMatchObject({ name: 'greet', state: 'SUCCESS', workflow_execution_id: done.id, type: 'ACTION' });
    expect(JSON.parse(task.result)).toBe('hi tasks');
    expect(JSON.parse(task.published)).toEqual({ greeting: 'hi tasks' });
    const filtered = await t.http.get('/v2/tasks').query({ workflow_execution_id: done.id, name: 'greet' }).expect(200);
    expect(filtered.body.tasks.map((row: { id: string }) => row.id)).toEqual([task.id]);
    expect((await t.http.get(`/v2/tasks/${task.id}`).expect(200)).body.id).toBe(task.id);

    const actions = await t.http.get(`/v2/tasks/${task.id}/action_executions`).expect(200);
    expect(actions.body.action_executions).toHaveLength(1);
    const action = actions.body.action_executions[0];
    expect(action).toMatchObject({ name: 'std.echo', state: 'SUCCESS', task_execution_id: task.id, task_name: 'greet' });
    // as in Mistral, lists leave the output out; GET of one shows it
    const one = await t.http.get(`/v2/action_executions/${action.id}`).expect(200);
    expect(JSON.parse(one.body.output)).toEqual({ result: 'hi tasks' });
    const all = await t.http.get('/v2/action_executions').query({ task_execution_id: task.id }).expect(200);
    expect(all.body.action_executions.map((row: { id: string }) => row.id)).toEqual([action.id]);
  });

  it('runs an action directly, refusing unknown actions and bad input', async () => {
    const ran = await t.http.post('/v2/action_executions').send({ name: 'std.echo', input: { output: { a: 1 } } }).expect(201);
    expect(JSON.parse(ran.body.output)).toEqual({ result: { a: 1 } });
    const unknown = await t.http.post('/v2/action_executions').send({ name: 'std.nope', input: {} }).expect(400);
    expect(unknown.body.faultstring).toContain('std.nope');
    const bad = await t.http.post('/v2/action_executions').send({ name: 'std.echo', input: { outptu: 1 } }).expect(400);
    expect(bad.body.faultstring).toContain("missing=['output']");
  });

  it('manages environments: create, read, list, update, use, delete', async () => {
    const created = await t.http
      .post('/v2/environments')
      .send({ name: 'prod', description: 'production', variables: '{"site": "cern", "smtp_password": "hidden"}' })
      .expect(201);
    expect(created.body).toMatchObject({ name: 'prod', description: 'production', scope: 'private' });
    expect(JSON.parse(created.body.variables).site).toBe('cern');
    const duplicate = await t.http.post('/v2/environments').send({ name: 'prod', variables: {} });
    expect(duplicate.status).toBe(409);
    expect((await t.http.get('/v2/environments').expect(200)).body.environments.map((env: { name: string }) => env.name)).toContain('prod');
    const updated = await t.http.put('/v2/environments').send({ name: 'prod', variables: { site: 'meyrin' } }).expect(200);
    expect(JSON.parse(updated.body.variables)).toEqual({ site: 'meyrin' });
    expect(JSON.parse((await t.http.get('/v2/environments/prod').expect(200)).body.variables)).toEqual({ site: 'meyrin' });

    await client.createWorkflow(`
version: '2.0'
env_wf:
  output:
    site: <% $env().site %>
  tasks:
    t:
      action: std.noop
`);
    const ran = await client.run('env_wf', {}, { env: 'prod' });
    expect(ran.output).toEqual({ site: 'meyrin' });

    await t.http.delete('/v2/environments/prod').expect(204);
    await t.http.get('/v2/environments/prod').expect(404);
  });

  it('lists the actions with their input signatures', async () => {
    const listed = await t.http.get('/v2/actions').expect(200);
    const byName = new Map(listed.body.actions.map((action: { name: string; input: string }) => [action.name, action.input]));
    expect(byName.get('std.echo')).toBe('output, delay=0');
    expect(byName.get('std.http')).toMatch(/^url, method="GET", params=null/);
    expect((await t.http.get('/v2/actions/std.sleep').expect(200)).body).toMatchObject({ name: 'std.sleep', input: 'seconds=1' });
    await t.http.get('/v2/actions/std.nope').expect(404);
  });
});
