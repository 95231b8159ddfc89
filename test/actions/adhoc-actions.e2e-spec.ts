import { startTestApp, useTestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const GREETINGS = `version: '2.0'
greet:
  description: Says hello to someone
  tags: [demo]
  base: std.echo
  base-input:
    output: <% 'Hello, ' & $.name & $.mark %>
  input:
    - name
    - mark: '!'
shout:
  base: greet
  base-input:
    name: <% $uppercase($.who) %>
    mark: '!!!'
  input: [who]
  output:
    shouted: <% $ %>
    length: <% $length($) %>
`;

/** Mistral's ad-hoc actions: actions defined over other actions, run from workflows and on their own. */
describe('ad-hoc actions: /v2/actions', () => {
  const t = useTestApp();
  const yaml = (method: 'post' | 'put', path: string, body: string) => t.http[method](path).set('content-type', 'text/plain').send(body);

  beforeAll(async () => {
    await yaml('post', '/v2/actions', GREETINGS).expect(201);
  });

  it('creates the actions of a definition and shows them as Mistral does', async () => {
    const listed = await t.http.get('/v2/actions?name=greet').expect(200);
    expect(listed.body.actions).toHaveLength(1);
    const [greet] = listed.body.actions;
    expect(greet).toMatchObject({
      name: 'greet',
      namespace: '',
      is_system: false,
      input: 'name, mark="!"',
      description: 'Says hello to someone',
      tags: ['demo'],
      definition: GREETINGS,
      scope: 'private',
      project_id: '<default-project>',
      updated_at: null,
    });
    expect(greet.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(greet.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const byName = await t.http.get('/v2/actions/greet').expect(200);
    expect(byName.body).toEqual(greet);
    const byId = await t.http.get(`/v2/actions/${greet.id}`).expect(200);
    expect(byId.body.name).toBe('greet');
    // system actions are listed beside them
    const all = await t.http.get('/v2/actions?fields=name').expect(200);
    const names = all.body.actions.map((action: { name: string }) => action.name);
    expect(names).toEqual(expect.arrayContaining(['std.echo', 'greet', 'shout']));
  });

  it('POST answers 201 with every action created; a definition read as YAML whatever its Content-Type', async () => {
    const created = await t.http
      .post('/v2/actions')
      .set('content-type', 'application/json')
      .send("version: '2.0'\nplain_noop:\n  base: std.noop\n")
      .expect(201);
    expect(created.body.actions).toEqual([
      expect.objectContaining({ name: 'plain_noop', input: null, is_system: false, scope: 'private', definition: "version: '2.0'\nplain_noop:\n  base: std.noop\n" }),
    ]);
    await yaml('post', '/v2/actions', "version: '2.0'\nplain_noop:\n  base: std.noop\n")
      .expect(409)
      .expect((response) => expect(response.body.faultstring).toBe("Duplicate entry for Action ['name', 'namespace', 'project_id']: plain_noop, , <default-project>"));
  });

  it('runs from a workflow task: base-input rendered with the input and defaults, output over the result, chains of ad-hoc actions', async () => {
    await t.client.createWorkflow(`version: '2.0'
greeter:
  input: [who]
  output:
    hello: <% $.hello %>
    shouted: <% $.shouted %>
  tasks:
    hello:
      action: greet name=<% $.who %>
      publish:
        hello: <% $task().result %>
      on-success: loud
    loud:
      action: shout who=<% $.who %>
      publish:
        shouted: <% $task().result %>
`);
    const done = await t.client.run('greeter', { who: 'Ada' });
    expect(done.state).toBe('SUCCESS');
    expect(done.output).toEqual({ hello: 'Hello, Ada!', shouted: { shouted: 'Hello, ADA!!!', length: 13 } });
  });

  it('runs on its own with POST /v2/action_executions; a missing parameter is refused with Mistral\'s message', async () => {
    const ran = await t.http.post('/v2/action_executions').send({ name: 'shout', input: { who: 'bob' } }).expect(201);
    expect(ran.body.state).toBe('SUCCESS');
    expect(JSON.parse(ran.body.output)).toEqual({ result: { shouted: 'Hello, BOB!!!', length: 13 } });
    const missing = await t.http.post('/v2/action_executions').send({ name: 'greet', input: {} }).expect(400);
    expect(missing.body.faultstring).toBe("Invalid input [name=greet, missing=['name']]; parameters: name, mark");
  });

  it('a workflow naming an action that does not exist is refused at upload; one that exists is accepted', async () => {
    const refused = await yaml('post', '/v2/workflows', "version: '2.0'\nuses_missing:\n  tasks:\n    one:\n      action: greeet name=x\n").expect(400);
    expect(refused.body.faultstring).toContain("unknown action 'greeet'");
    await yaml('post', '/v2/workflows', "version: '2.0'\nuses_greet:\n  tasks:\n    one:\n      action: greet name=x\n").expect(201);
  });

  it('PUT replaces an action; the next runs use the new definition', async () => {
    const changed = `version: '2.0'\nplain_noop:\n  base: std.echo\n  base-input:\n    output: changed\n`;
    const updated = await yaml('put', '/v2/actions', changed).expect(200);
    expect(updated.body.actions[0]).toMatchObject({ name: 'plain_noop', definition: changed });
    expect(updated.body.actions[0].updated_at).toMatch(/^\d{4}-/);
    const ran = await t.http.post('/v2/action_executions').send({ name: 'plain_noop' }).expect(201);
    expect(JSON.parse(ran.body.output)).toEqual({ result: 'changed' });
    const unknown = await yaml('put', '/v2/actions', "version: '2.0'\nnever_made:\n  base: std.noop\n").expect(404);
    expect(unknown.body.faultstring).toBe('Action definition not found [action_name=never_made, namespace=]');
  });

  it('refuses invalid definitions, unknown bases and cycles with a 400 naming the problem; nothing is stored', async () => {
    const cases: Array<[string, string]> = [
      ["version: '2.0'\nno_base:\n  input: [a]\n", "Invalid DSL: action 'no_base': 'base' is required: the action it runs"],
      ["version: '2.0'\nbad_key:\n  base: std.noop\n  bse-input: {}\n", "Invalid DSL: action 'bad_key': unknown key(s) 'bse-input'; allowed: base, base-input, input, output, description, tags"],
      ["version: '2.0'\nbad_expr:\n  base: std.echo\n  base-input:\n    output: <% $.a + %>\n", "Invalid DSL: action 'bad_expr': base-input.output:"],
      ["bad_version:\n  base: std.noop\n", "Invalid DSL: 'version' is required ('2.0')"],
      ["version: '2.0'\nno_such_base:\n  base: std.nope\n", 'Failed to find base action [action_name=std.nope namespace=] (base of action no_such_base)'],
      ["version: '2.0'\nloop_a:\n  base: loop_b\nloop_b:\n  base: loop_a\n", 'Found a cycle in an ad-hoc action chain [action_name=loop_a, duplicate_action_name=loop_a]'],
      ["version: '2.0'\nstd.echo:\n  base: std.noop\n", 'Attempt to modify a system action: std.echo'],
    ];
    for (const [definition, message] of cases) {
      const refused = await yaml('post', '/v2/actions', definition).expect(400);
      expect(refused.body.faultstring).toContain(message);
      const validated = await yaml('post', '/v2/actions/validate', definition).expect(200);
      expect(validated.body).toEqual({ valid: false, error: expect.stringContaining(message) });
    }
    const names = (await t.http.get('/v2/actions?fields=name').expect(200)).body.actions.map((action: { name: string }) => action.name);
    expect(names).not.toEqual(expect.arrayContaining(['no_base', 'loop_a', 'no_such_base']));
    expect((await yaml('post', '/v2/actions/validate', GREETINGS.replace(/greet/g, 'other')).expect(200)).body).toEqual({ valid: true });
  });

  it('an update that would close a loop over stored actions is refused', async () => {
    const refused = await yaml('put', '/v2/actions', "version: '2.0'\ngreet:\n  base: shout\n").expect(400);
    expect(refused.body.faultstring).toBe('Found a cycle in an ad-hoc action chain [action_name=greet, duplicate_action_name=greet]');
  });

  it('a failing base fails the task with its error', async () => {
    await yaml('post', '/v2/actions', "version: '2.0'\nalways_fails:\n  base: std.fail\n  base-input:\n    error_data: <% 'broken by ' & $.why %>\n  input: [why]\n").expect(201);
    const ran = await t.http.post('/v2/action_executions').send({ name: 'always_fails', input: { why: 'disk' } }).expect(201);
    expect(ran.body.state).toBe('ERROR');
    expect(JSON.parse(ran.body.output)).toEqual({ result: 'broken by disk' });
  });

  it('DELETE removes an ad-hoc action; a system action is refused with Mistral\'s message; an unknown one is 404', async () => {
    await yaml('post', '/v2/actions', "version: '2.0'\nshort_lived:\n  base: std.noop\n").expect(201);
    await t.http.delete('/v2/actions/short_lived').expect(204);
    await t.http.get('/v2/actions/short_lived').expect(404);
    const system = await t.http.delete('/v2/actions/std.echo').expect(400);
    expect(system.body.faultstring).toBe('Attempt to delete a system action: std.echo');
    const unknown = await t.http.delete('/v2/actions/short_lived').expect(404);
    expect(unknown.body.faultstring).toBe('Action definition not found [action_name=short_lived, namespace=]');
    const run = await t.http.post('/v2/action_executions').send({ name: 'short_lived' }).expect(400);
    expect(run.body.faultstring).toBe('Action not found [action_name=short_lived]');
  });

  it('over an asynchronous action: waits for PUT /v2/action_executions/{id}, and passes the given result through output', async () => {
    await yaml('post', '/v2/actions', "version: '2.0'\nwait_for_size:\n  base: std.async_noop\n  output: <% $.size_gb * 1024 %>\n").expect(201);
    await t.client.createWorkflow(`version: '2.0'
waits_wf:
  output:
    size_mb: <% $.size_mb %>
  tasks:
    wait:
      action: wait_for_size
      publish:
        size_mb: <% $task().result %>
`);
    const id = await t.client.start('waits_wf');
    const task = await waitFor('the waiting task', async () => (await t.client.tasks(id)).find((one) => one.name === 'wait'));
    const action = await waitFor('its running action', async () => (await t.client.actions(task.id)).find((one) => one.state === 'RUNNING'));
    await t.http.put(`/v2/action_executions/${action.id}`).send({ state: 'SUCCESS', output: { size_gb: 2 } }).expect(200);
    const done = await t.client.waitFor(id);
    expect(done.state).toBe('SUCCESS');
    expect(done.output).toEqual({ size_mb: 2048 });
  });

  it('another instance on the same database learns of new and deleted actions', async () => {
    const other = await startTestApp({}, { databaseUrl: t.databaseUrl });
    try {
      await yaml('post', '/v2/actions', "version: '2.0'\nshared_echo:\n  base: std.echo\n  base-input:\n    output: from A\n").expect(201);
      const ran = await waitFor('the other instance to run shared_echo', async () => {
        const response = await other.http.post('/v2/action_executions').send({ name: 'shared_echo' });
        return response.status === 201 ? response : undefined;
      });
      expect(JSON.parse(ran.body.output)).toEqual({ result: 'from A' });
      await t.http.delete('/v2/actions/shared_echo').expect(204);
      await waitFor('the other instance to forget shared_echo', async () => (await other.http.post('/v2/action_executions').send({ name: 'shared_echo' })).status === 400);
    } finally {
      await other.close();
    }
  });

  it('run-action with a target is refused: Sirocco has no executors', async () => {
    const refused = await t.http.post('/v2/action_executions').send({ name: 'std.noop', params: { target: 'workers-eu' } }).expect(400);
    expect(refused.body.faultstring).toBe("params.target is not supported: Sirocco runs every action itself and has no executors to target (got 'workers-eu')");
  });
});
