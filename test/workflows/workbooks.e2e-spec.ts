import { useTestApp } from '../support/test-app';

/** A workbook whose `main` calls its sibling `helper` by its short name. */
const OPS = `---
version: '2.0'
name: ops
description: day-to-day jobs
tags: [ops, nightly]

actions:
  greet:
    base: std.echo output="hello <% $.who %>"
    input:
      - who

workflows:
  main:
    input:
      - who
    output:
      greeting: <% $.greeting %>
    tasks:
      call_helper:
        workflow: helper
        input:
          who: <% $.who %>
        publish:
          greeting: <% $task().result.greeting %>
  helper:
    input:
      - who
    output:
      greeting: <% $.greeting %>
    tasks:
      say:
        action: std.echo output="local hello <% $.who %>"
        publish:
          greeting: <% $task().result %>
`;

/** A workflow outside any workbook with the same short name as ops' helper, and one ops may call by its own name. */
const GLOBAL_WORKFLOWS = `---
version: '2.0'
helper:
  input:
    - who
  output:
    greeting: global
  tasks:
    nothing:
      action: std.noop
global_only:
  output:
    from: global_only
  tasks:
    nothing:
      action: std.noop
`;

const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

describe('/v2/workbooks', () => {
  const t = useTestApp({}, { workflows: GLOBAL_WORKFLOWS });

  const post = (text: string, query = '') => t.http.post(`/v2/workbooks${query}`).set('Content-Type', 'text/plain').send(text);
  const put = (text: string, query = '') => t.http.put(`/v2/workbooks${query}`).set('Content-Type', 'text/plain').send(text);
  const workflowNames = async (): Promise<string[]> =>
    (await t.http.get('/v2/workflows?fields=name').expect(200)).body.workflows.map((wf: { name: string }) => wf.name);

  describe('create, read, list', () => {
    it('creates a workbook and answers as Mistral does (no updated_at yet)', async () => {
      const response = await post(OPS).expect(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'ops',
        namespace: '',
        definition: OPS,
        tags: ['ops', 'nightly'],
        scope: 'private',
        project_id: '<default-project>',
        created_at: expect.stringMatching(TIMESTAMP),
      });
    });

    it('stores its workflows as <workbook>.<name>, each with its own text', async () => {
      expect(await workflowNames()).toEqual(expect.arrayContaining(['ops.main', 'ops.helper', 'helper']));
      const helper = await t.http.get('/v2/workflows/ops.helper').expect(200);
      expect(helper.body).toMatchObject({ name: 'ops.helper', namespace: '', scope: 'private', input: 'who' });
      expect(helper.body.definition).toBe(
        'helper:\n  input:\n    - who\n  output:\n    greeting: <% $.greeting %>\n  tasks:\n    say:\n' +
          '      action: std.echo output="local hello <% $.who %>"\n      publish:\n        greeting: <% $task().result %>\n',
      );
    });

    it('gets it by name, with updated_at null, and only the fields asked for', async () => {
      const shown = await t.http.get('/v2/workbooks/ops').expect(200);
      expect(shown.body).toMatchObject({ name: 'ops', definition: OPS, updated_at: null, tags: ['ops', 'nightly'] });
      const some = await t.http.get('/v2/workbooks/ops?fields=name,tags').expect(200);
      expect(some.body).toEqual({ id: shown.body.id, name: 'ops', tags: ['ops', 'nightly'] });
    });

    it('lists workbooks with fields, filters and pages', async () => {
      await post(OPS.replace('name: ops', 'name: second_book').replace('tags: [ops, nightly]', 'tags: [other]')).expect(201);
      const all = await t.http.get('/v2/workbooks').expect(200);
      expect(all.body.workbooks.map((wb: { name: string }) => wb.name)).toEqual(['ops', 'second_book']);
      expect(all.body.workbooks[0]).toMatchObject({ definition: OPS, scope: 'private', project_id: '<default-project>', updated_at: null });

      const named = await t.http.get('/v2/workbooks?name=second_book&fields=name').expect(200);
      expect(named.body.workbooks).toEqual([{ id: expect.any(String), name: 'second_book' }]);
      const tagged = await t.http.get('/v2/workbooks?tags=nightly').expect(200);
      expect(tagged.body.workbooks.map((wb: { name: string }) => wb.name)).toEqual(['ops']);
      expect((await t.http.get('/v2/workbooks?scope=public').expect(200)).body.workbooks).toEqual([]);

      const first = await t.http.get('/v2/workbooks?limit=1&sort_keys=name&sort_dirs=desc').expect(200);
      expect(first.body.workbooks.map((wb: { name: string }) => wb.name)).toEqual(['second_book']);
      expect(first.body.next).toContain('/v2/workbooks?');
      const next = new URL(first.body.next);
      const rest = await t.http.get(`${next.pathname}${next.search}`).expect(200);
      expect(rest.body.workbooks.map((wb: { name: string }) => wb.name)).toEqual(['ops']);

      await t.http.delete('/v2/workbooks/second_book').expect(204);
    });

    it('refuses unknown list parameters and sort keys with 400', async () => {
      expect((await t.http.get('/v2/workbooks?colour=red').expect(400)).body.faultstring).toContain("Unknown query parameter 'colour'");
      expect((await t.http.get('/v2/workbooks?sort_keys=definition').expect(400)).body.faultstring).toContain('Sort key supplied is invalid');
      expect((await t.http.get('/v2/workbooks/ops?fields=colour').expect(400)).body.faultstring).toContain('Unknown field(s) requested: colour');
    });

    it('keeps workbooks of one name apart in two namespaces', async () => {
      await post(OPS, '?namespace=team_b').expect(201);
      const inB = await t.http.get('/v2/workbooks/ops?namespace=team_b').expect(200);
      expect(inB.body.namespace).toBe('team_b');
      const member = await t.http.get('/v2/workflows/ops.main?namespace=team_b').expect(200);
      expect(member.body.namespace).toBe('team_b');
      await t.http.delete('/v2/workbooks/ops?namespace=team_b').expect(204);
      await t.http.get('/v2/workflows/ops.main?namespace=team_b').expect(404);
      await t.http.get('/v2/workflows/ops.main').expect(200);
    });
  });

  describe('running a workflow of a workbook', () => {
    it("finds a sibling by its short name before a workflow of that name outside the workbook", async () => {
      const done = await t.client.run('ops.main', { who: 'ops team' });
      expect(done.state).toBe('SUCCESS');
      expect(done.output).toEqual({ greeting: 'local hello ops team' });
      const call = await t.client.task(done.id, 'call_helper');
      const children = await t.http.get(`/v2/executions?task_execution_id=${call.id}`).expect(200);
      expect(children.body.executions.map((execution: { workflow_name: string }) => execution.workflow_name)).toEqual(['ops.helper']);
    });

    it('falls back to the name as written when the workbook has no such workflow', async () => {
      const book = `version: '2.0'\nname: caller_book\nworkflows:\n  caller:\n    output:\n      from: <% $.from %>\n    tasks:\n      call:\n        workflow: global_only\n        publish:\n          from: <% $task().result.from %>\n`;
      await post(book).expect(201);
      const done = await t.client.run('caller_book.caller');
      expect(done.state).toBe('SUCCESS');
      expect(done.output).toEqual({ from: 'global_only' });
      await t.http.delete('/v2/workbooks/caller_book').expect(204);
    });
  });

  describe('update', () => {
    const UPDATED = OPS.replace('description: day-to-day jobs', 'description: changed').replace(
      /  helper:\n[\s\S]*$/,
      '  helper:\n    input:\n      - who\n    output:\n      greeting: new helper\n    tasks:\n      nothing:\n        action: std.noop\n' +
        '  report:\n    tasks:\n      nothing:\n        action: std.noop\n',
    );

    it('replaces its workflows: kept ones keep their id, removed ones go, new ones come', async () => {
      const mainBefore = await t.http.get('/v2/workflows/ops.main').expect(200);
      const withoutHelper = UPDATED.replace(/  helper:\n[\s\S]*?(?=  report:)/, '');
      const response = await put(withoutHelper).expect(200);
      expect(response.body).toMatchObject({ name: 'ops', definition: withoutHelper, updated_at: expect.stringMatching(TIMESTAMP) });
      const names = await workflowNames();
      expect(names).toEqual(expect.arrayContaining(['ops.main', 'ops.report']));
      expect(names).not.toContain('ops.helper');
      const mainAfter = await t.http.get('/v2/workflows/ops.main').expect(200);
      expect(mainAfter.body.id).toBe(mainBefore.body.id);
      expect(mainAfter.body.updated_at).toMatch(TIMESTAMP);

      // main's helper is gone from the workbook: it now finds the workflow outside it
      expect((await t.client.run('ops.main', { who: 'x' })).output).toEqual({ greeting: 'global' });

      await put(UPDATED).expect(200);
      expect(await workflowNames()).toEqual(expect.arrayContaining(['ops.main', 'ops.helper', 'ops.report']));
      expect((await t.client.run('ops.main', { who: 'x' })).output).toEqual({ greeting: 'new helper' });
    });

    it('refuses to drop a workflow that a cron trigger starts, and changes nothing', async () => {
      const trigger = await t.http
        .post('/v2/cron_triggers')
        .send({ name: 'nightly_report', workflow_name: 'ops.report', pattern: '0 3 1 1 *' })
        .expect(201);
      const before = await t.http.get('/v2/workbooks/ops').expect(200);
      const withoutReport = UPDATED.replace(/  report:\n[\s\S]*$/, '');
      const response = await put(withoutReport).expect(400);
      expect(response.body.faultstring).toBe(
        `Can't delete workflow that has cron triggers associated. [workflow_identifier=ops.report, namespace=], [cron_trigger_id(s)=${trigger.body.id}]`,
      );
      expect((await t.http.get('/v2/workbooks/ops').expect(200)).body.definition).toBe(before.body.definition);
      await t.http.get('/v2/workflows/ops.report').expect(200);

      const deleting = await t.http.delete('/v2/workbooks/ops').expect(400);
      expect(deleting.body.faultstring).toContain("Can't delete workflow that has cron triggers associated.");
      await t.http.get('/v2/workbooks/ops').expect(200);
      await t.http.delete('/v2/cron_triggers/nightly_report').expect(204);
    });

    it('answers 404 for a workbook that does not exist', async () => {
      const response = await put(OPS.replace('name: ops', 'name: nowhere_book')).expect(404);
      expect(response.body.faultstring).toBe('Workbook not found [name=nowhere_book, namespace=]');
      expect(await workflowNames()).not.toContain('nowhere_book.main');
    });
  });

  describe('name conflicts', () => {
    it('refuses a second workbook of the same name with 409', async () => {
      const response = await post(OPS).expect(409);
      expect(response.body.faultstring).toBe("Duplicate entry for WorkbookDefinition ['name', 'namespace', 'project_id']: ops, , <default-project>");
    });

    it('refuses a workbook whose workflow would take the name of a workflow outside it, and stores nothing', async () => {
      await t.client.createWorkflow("version: '2.0'\nclash.main:\n  tasks:\n    t:\n      action: std.noop\n");
      const response = await post(OPS.replace('name: ops', 'name: clash')).expect(409);
      expect(response.body.faultstring).toContain("Duplicate entry for WorkflowDefinition ['name', 'namespace', 'project_id']: clash.main, , <default-project>");
      await t.http.get('/v2/workbooks/clash').expect(404);
      expect(await workflowNames()).not.toContain('clash.helper');
    });
  });

  describe('invalid workbooks', () => {
    it('validates a good workbook', async () => {
      const response = await t.http.post('/v2/workbooks/validate').set('Content-Type', 'text/plain').send(OPS).expect(200);
      expect(response.body).toEqual({ valid: true });
    });

    it("reports an error of a member workflow at its line in the workbook's text", async () => {
      const text = OPS.replace('        workflow: helper', '        workflow: helper\n        on-success: nowhere');
      const validation = await t.http.post('/v2/workbooks/validate').set('Content-Type', 'text/plain').send(text).expect(200);
      expect(validation.body).toEqual({ valid: false, error: "Invalid DSL: line 22, column 21: main.tasks.call_helper.on-success: unknown task 'nowhere'" });
      const created = await post(text.replace('name: ops', 'name: broken')).expect(400);
      expect(created.body.faultstring).toBe(validation.body.error);
      expect(created.body.errors).toEqual([expect.objectContaining({ line: 22, column: 21, workflow: 'main', path: 'tasks.call_helper.on-success' })]);
      await t.http.get('/v2/workbooks/broken').expect(404);
    });

    it.each([
      ['a base that is not a name', 'base: std.echo output="hello <% $.who %>"', 'base: [std.echo]', /line 9, column 11: actions\.greet\.base: must be the name of the action/],
      ['no base', 'base: std.echo output="hello <% $.who %>"', 'description: no base', /line 8, column 3: actions\.greet\.base: missing required key 'base'/],
      ['an unknown action key', '    input:\n      - who\n', '    inputs: [who]\n', /line 10, column 5: actions\.greet\.inputs: unknown key 'inputs' \(did you mean 'input'\?\)/],
    ])('refuses an action with %s (400, with the line)', async (_case, from, to, message) => {
      const text = OPS.replace('name: ops', 'name: bad_actions').replace(from, to);
      const response = await post(text).expect(400);
      expect(response.body.faultstring).toMatch(message);
      const validation = await t.http.post('/v2/workbooks/validate').set('Content-Type', 'text/plain').send(text).expect(200);
      expect(validation.body.valid).toBe(false);
      await t.http.get('/v2/workbooks/bad_actions').expect(404);
    });

    it.each([
      ['malformed YAML', "version: '2.0'\nname: [unclosed\n", /^Invalid DSL: line \d+, column \d+: YAML syntax error/],
      ['no name', "version: '2.0'\nworkflows:\n  wf:\n    tasks:\n      t:\n        action: std.noop\n", /missing required key 'name'/],
      ['an unknown key', "version: '2.0'\nname: odd\nworkflow:\n  wf:\n    tasks:\n      t:\n        action: std.noop\n", /line 3, column 1: workflow: unknown key 'workflow' \(did you mean 'workflows'\?\)/],
      ['a wrong version', "version: '1.0'\nname: old\n", /line 1, column 10: version: unsupported version '1\.0'/],
      ['a blank body', '  \n', /empty/],
    ])('answers 400 to %s', async (_case, text, message) => {
      const response = await post(text).expect(400);
      expect(response.body.faultcode).toBe('Client');
      expect(response.body.faultstring).toMatch(message);
    });

    it('reads a body sent as JSON or without Content-Type as YAML, as Mistral does', async () => {
      const text = "version: '2.0'\nname: untyped_book\nworkflows:\n  wf:\n    tasks:\n      t:\n        action: std.noop\n";
      await t.http.post('/v2/workbooks').set('Content-Type', 'application/json').send(text).expect(201);
      await t.http.put('/v2/workbooks').set('Content-Type', 'application/x-www-form-urlencoded').send(text).expect(200);
      await t.http.delete('/v2/workbooks/untyped_book').expect(204);
    });

    it("refuses a scope other than 'private' or 'public'", async () => {
      expect((await post(OPS, '?scope=everyone').expect(400)).body.faultstring).toContain("scope must be 'private' or 'public'");
    });
  });

  describe('delete', () => {
    it('deletes the workbook and its workflows', async () => {
      await t.http.delete('/v2/workbooks/ops').expect(204);
      await t.http.get('/v2/workbooks/ops').expect(404);
      const names = await workflowNames();
      expect(names.filter((name) => name.startsWith('ops.'))).toEqual([]);
      expect(names).toContain('helper');
    });

    it('answers 404 in Mistral error shape for a workbook that does not exist', async () => {
      const shown = await t.http.get('/v2/workbooks/ops').expect(404);
      expect(shown.body).toEqual({ faultcode: 'Client', faultstring: 'Workbook not found [name=ops, namespace=]', debuginfo: null });
      const deleted = await t.http.delete('/v2/workbooks/ops').expect(404);
      expect(deleted.body.faultstring).toBe('Workbook not found [workbook_name=ops, namespace=]');
    });
  });

  describe('ad-hoc actions of a workbook', () => {
    const BOOK = `version: '2.0'
name: tools
actions:
  greet:
    base: std.echo
    base-input:
      output: <% 'hello ' & $.who %>
    input:
      - who
    output: <% $ & '!' %>
workflows:
  say_hi:
    output:
      said: <% $.said %>
    tasks:
      hi:
        action: greet who=ops
        publish:
          said: <% $task().result %>
`;

    it('are stored as <workbook>.<name>, run by their short name inside the workbook, and go with it', async () => {
      const created = await post(BOOK);
      expect(created.body.faultstring).toBeUndefined();
      expect(created.status).toBe(201);
      const action = await t.http.get('/v2/actions/tools.greet').expect(200);
      expect(action.body).toMatchObject({ name: 'tools.greet', is_system: false, input: 'who' });
      const started = await t.http.post('/v2/executions').send({ workflow_name: 'tools.say_hi' }).expect(201);
      const done = await t.client.waitFor(started.body.id);
      expect(done).toMatchObject({ state: 'SUCCESS', output: { said: 'hello ops!' } });
      // outside the workbook, its full name
      const ran = await t.http.post('/v2/action_executions').send({ name: 'tools.greet', input: { who: 'cli' } }).expect(201);
      expect(JSON.parse(ran.body.output)).toEqual({ result: 'hello cli!' });

      // an update that drops the action deletes it; the workbook's delete takes the rest
      await put(BOOK.replace(/actions:[\s\S]*?workflows:/, 'workflows:').replace('action: greet who=ops', 'action: std.echo output=x')).expect(200);
      await t.http.get('/v2/actions/tools.greet').expect(404);
      await put(BOOK).expect(200);
      await t.http.get('/v2/actions/tools.greet').expect(200);
      await t.http.delete('/v2/workbooks/tools').expect(204);
      await t.http.get('/v2/actions/tools.greet').expect(404);
    });
  });
});
