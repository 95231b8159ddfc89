import { startFakeOpenStack, type FakeOpenStack } from '../support/fake-openstack/fake-openstack';
import { startTestApp, useTestApp, type TestApp, keystoneModeEnv } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * Edge behaviour where Sirocco answers as a real Mistral does (issue 14), checked against the recorded
 * exchanges in the reference: definition uploads whatever their Content-Type, sort parameter checks,
 * deleting a workflow in use, project_id for admins, remaining_executions as a numeric string.
 */

function workflowYaml(name: string, action = 'std.noop'): string {
  return `version: '2.0'\n${name}:\n  tasks:\n    t1:\n      action: ${action}\n`;
}

describe('Mistral edges: definition uploads, sorting, deleting, triggers', () => {
  const t = useTestApp({ SIROCCO_MAX_DEFINITION_BYTES: '4096' });

  /** A raw request: `contentType` undefined sends no Content-Type header at all. */
  async function send(method: 'POST' | 'PUT', path: string, body: string, contentType?: string) {
    const headers: Record<string, string> = contentType ? { 'Content-Type': contentType } : {};
    const response = await fetch(`${t.baseUrl}${path}`, { method, headers, body: Buffer.from(body, 'utf8') });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  async function workflowNames(): Promise<string[]> {
    const response = await t.http.get('/v2/workflows?fields=name&sort_keys=name').expect(200);
    return response.body.workflows.map((workflow: { name: string }) => workflow.name);
  }

  describe('a definition upload is YAML text whatever its Content-Type', () => {
    it.each([
      ['no Content-Type', undefined],
      ['application/json', 'application/json'],
      ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
      ['application/octet-stream', 'application/octet-stream'],
    ])('with %s: create, replace, replace one, validate', async (label, contentType) => {
      const name = `upload_${label.replace(/[^a-z]/gi, '_').toLowerCase()}`;
      // a form body would be mangled (`=`, `&`, `+`) by a form parser: keep them in the text
      const created = await send('POST', '/v2/workflows', workflowYaml(name, 'std.echo output="a=b&c+d"'), contentType);
      expect(created.status).toBe(201);
      expect(created.body.workflows[0].name).toBe(name);
      const got = await t.http.get(`/v2/workflows/${name}`).expect(200);
      expect(got.body.definition).toContain('output="a=b&c+d"');

      const replaced = await send('PUT', '/v2/workflows', workflowYaml(name, 'std.echo output=two'), contentType);
      expect(replaced.status).toBe(200);
      const one = await send('PUT', `/v2/workflows/${name}`, workflowYaml(name, 'std.echo output=three'), contentType);
      expect(one.status).toBe(200);
      expect((await t.http.get(`/v2/workflows/${name}`).expect(200)).body.definition).toContain('output=three');

      const valid = await send('POST', '/v2/workflows/validate', workflowYaml('validated_only'), contentType);
      expect(valid).toEqual({ status: 200, body: { valid: true } });
      const invalid = await send('POST', '/v2/workflows/validate', "version: '2.0'\nwf: [unclosed\n", contentType);
      expect(invalid.status).toBe(200);
      expect(invalid.body.valid).toBe(false);
    });

    it('refuses bad or oversized text with a 400 and stores nothing', async () => {
      const before = await workflowNames();
      const big = workflowYaml('too_big_wf', `std.echo output="${'x'.repeat(5000)}"`);
      for (const contentType of [undefined, 'application/json']) {
        const tooBig = await send('POST', '/v2/workflows', big, contentType);
        expect(tooBig.status).toBe(400);
        expect(tooBig.body.faultstring).toContain('SIROCCO_MAX_DEFINITION_BYTES');
        const json = await send('POST', '/v2/workflows', '{"definition": ', contentType);
        expect(json.status).toBe(400);
        expect(json.body).toMatchObject({ faultcode: 'Client', debuginfo: null });
        const empty = await send('POST', '/v2/workflows', '', contentType);
        expect(empty.status).toBe(400);
        expect(empty.body.faultstring).toContain('empty');
      }
      expect(await workflowNames()).toEqual(before);
    });

    it('leaves the JSON endpoints JSON', async () => {
      await t.client.createWorkflow(workflowYaml('json_still_wf'));
      const started = await t.http.post('/v2/executions').send({ workflow_name: 'json_still_wf' }).expect(201);
      expect(started.body.workflow_name).toBe('json_still_wf');
      const text = await send('POST', '/v2/executions', 'workflow_name: json_still_wf', 'text/plain');
      expect(text.status).toBeGreaterThanOrEqual(400);
      expect(text.status).toBeLessThan(500);
    });
  });

  describe('sorting as Mistral checks it', () => {
    beforeAll(async () => {
      for (const name of ['sort_a', 'sort_b', 'sort_c']) await t.client.createWorkflow(workflowYaml(name));
    });

    it.each([
      ['sort_keys=created_at&sort_dirs=sideways', "Unknown sort direction 'sideways', must be 'desc' or 'asc'."],
      ['sort_keys=created_at&sort_dirs=asc,desc', 'Length of sort_keys must be equal or greater than sort_dirs.'],
      ['sort_dirs=desc,asc', 'Length of sort_keys must be equal or greater than sort_dirs.'],
      ['sort_keys=created_at,updated_at,created_at', 'Sort keys must be unique (repeated: created_at).'],
    ])('refuses %s with 400', async (query, message) => {
      for (const collection of ['workflows', 'executions', 'cron_triggers', 'environments']) {
        const response = await t.http.get(`/v2/${collection}?${query}`).expect(400);
        expect(response.body).toEqual({ faultcode: 'Client', faultstring: message, debuginfo: null });
      }
    });

    it('sorts the id it adds for paging ascending, as the next link says', async () => {
      const first = await t.http.get('/v2/workflows?sort_keys=name&sort_dirs=desc&limit=1&name=has:sort_').expect(200);
      expect(first.body.workflows.map((workflow: { name: string }) => workflow.name)).toEqual(['sort_c']);
      expect(first.body.next).toMatch(/\?sort_keys=name,id&sort_dirs=desc,asc&name=has:sort_&limit=1&marker=/);
      const second = await t.http.get(String(first.body.next).slice(t.baseUrl.length)).expect(200);
      expect(second.body.workflows.map((workflow: { name: string }) => workflow.name)).toEqual(['sort_b']);
      // a missing direction is asc, as Mistral fills them in
      const mixed = await t.http.get('/v2/workflows?sort_keys=scope,name&sort_dirs=desc&limit=1&name=has:sort_').expect(200);
      expect(mixed.body.next).toContain('sort_keys=scope,name,id&sort_dirs=desc,asc,asc');
      expect(mixed.body.workflows[0].name).toBe('sort_a');
    });
  });

  describe('filters and task order', () => {
    it('filters tags with eq, neq, in, nin and has (a substring of any tag)', async () => {
      await t.client.createWorkflow(`version: '2.0'\ntags_a_wf:\n  tags: [nightly, prod]\n  tasks:\n    t1:\n      action: std.noop\n`);
      await t.client.createWorkflow(`version: '2.0'\ntags_b_wf:\n  tags: [weekly]\n  tasks:\n    t1:\n      action: std.noop\n`);
      const names = async (query: string) =>
        (await t.http.get(`/v2/workflows?name=has:tags_&sort_keys=name&${query}`).expect(200)).body.workflows.map((wf: { name: string }) => wf.name);
      expect(await names('tags=has:night')).toEqual(['tags_a_wf']);
      expect(await names('tags=has:LY')).toEqual(['tags_a_wf', 'tags_b_wf']);
      expect(await names('tags=has:%25')).toEqual([]);
      expect(await names('tags=prod')).toEqual(['tags_a_wf']);
      expect(await names('tags=neq:prod')).toEqual(['tags_b_wf']);
      expect(await names('tags=in:weekly,prod')).toEqual(['tags_a_wf', 'tags_b_wf']);
      expect(await names('tags=nin:weekly')).toEqual(['tags_a_wf']);
      const refused = await t.http.get('/v2/workflows?tags=gt:a').expect(400);
      expect(refused.body.faultstring).toContain("Filter 'tags' (a list) takes eq, neq, in, nin or has, not 'gt'");
    });

    it('lists the tasks one transition starts in the order it started them', async () => {
      await t.client.createWorkflow(`version: '2.0'
fan_order_wf:
  tasks:
    first:
      action: std.noop
      on-success: [b6, b2, b4, b1, b5, b3]
${['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map((name) => `    ${name}:\n      action: std.noop\n`).join('')}`);
      for (let run = 0; run < 3; run++) {
        const execution = await t.client.run('fan_order_wf');
        expect(execution.state).toBe('SUCCESS');
        const listed = await t.http.get(`/v2/executions/${execution.id}/tasks`).expect(200);
        expect(listed.body.tasks.map((task: { name: string }) => task.name)).toEqual(['first', 'b6', 'b2', 'b4', 'b1', 'b5', 'b3']);
      }
    });
  });

  describe('deleting a workflow that is in use', () => {
    it('deletes one a running execution uses: the execution finishes SUCCESS on its own copy', async () => {
      await t.client.createWorkflow(`version: '2.0'
deleted_while_running:
  tasks:
    t1:
      action: std.noop
      on-success: t2
    t2:
      pause-before: true
      action: std.echo output=done
      publish:
        said: <% $task().result %>
  output:
    said: <% $.said %>
`);
      const id = await t.client.start('deleted_while_running');
      await t.client.waitFor(id, ['PAUSED']);
      await t.http.delete('/v2/workflows/deleted_while_running').expect(204);
      await t.http.get('/v2/workflows/deleted_while_running').expect(404);
      await t.client.setState(id, 'RUNNING');
      const done = await t.client.waitFor(id);
      expect([done.state, done.state_info]).toEqual(['SUCCESS', null]);
      expect(done.output).toEqual({ said: 'done' });
    });

    it("refuses one that cron triggers start with Mistral's 400, and keeps both", async () => {
      await t.client.createWorkflow(workflowYaml('cron_used_wf'));
      const trigger = await t.http
        .post('/v2/cron_triggers')
        .send({ name: 'uses_wf', workflow_name: 'cron_used_wf', pattern: '0 0 1 1 *' })
        .expect(201);
      const refused = await t.http.delete('/v2/workflows/cron_used_wf').expect(400);
      expect(refused.body).toEqual({
        faultcode: 'Client',
        faultstring:
          "Can't delete workflow that has cron triggers associated. " +
          `[workflow_identifier=cron_used_wf, namespace=], [cron_trigger_id(s)=${trigger.body.id}]`,
        debuginfo: null,
      });
      await t.http.get('/v2/workflows/cron_used_wf').expect(200);
      await t.http.get('/v2/cron_triggers/uses_wf').expect(200);
      await t.http.delete('/v2/cron_triggers/uses_wf').expect(204);
      await t.http.delete('/v2/workflows/cron_used_wf').expect(204);
    });
  });

  describe('cron trigger requests', () => {
    beforeAll(async () => {
      await t.client.createWorkflow(workflowYaml('counted_wf'));
    });

    it('takes remaining_executions as a numeric string, as Mistral converts it', async () => {
      const created = await t.http
        .post('/v2/cron_triggers')
        .send({ name: 'counted', workflow_name: 'counted_wf', pattern: '0 0 1 1 *', remaining_executions: '42' })
        .expect(201);
      expect(created.body.remaining_executions).toBe(42);
    });

    it.each(['forty-two', '4.5', '', '0'])('refuses remaining_executions %j with 400 and creates nothing', async (value) => {
      const response = await t.http
        .post('/v2/cron_triggers')
        .send({ name: 'not_counted', workflow_name: 'counted_wf', pattern: '0 0 1 1 *', remaining_executions: value })
        .expect(400);
      expect(response.body.faultcode).toBe('Client');
      await t.http.get('/v2/cron_triggers/not_counted').expect(404);
    });

    it("answers a duplicate name with Mistral's 409", async () => {
      const body = { name: 'twice', workflow_name: 'counted_wf', pattern: '*/5 * * * *' };
      await t.http.post('/v2/cron_triggers').send(body).expect(201);
      const duplicate = await t.http.post('/v2/cron_triggers').send({ ...body, pattern: '0 * * * *' }).expect(409);
      expect(duplicate.body).toEqual({
        faultcode: 'Client',
        faultstring: "Duplicate entry for cron trigger ['name', 'project_id']: twice, None",
        debuginfo: null,
      });
      expect((await t.http.get('/v2/cron_triggers/twice').expect(200)).body.pattern).toBe('*/5 * * * *');
    });
  });
});

describe('Mistral edges: an admin filtering lists by project_id (keystone mode)', () => {
  let cloud: FakeOpenStack;
  let app: TestApp;

  beforeAll(async () => {
    cloud = await startFakeOpenStack({ transitionMs: 5 });
    app = await startTestApp({
      ...keystoneModeEnv(cloud),
    });
  });

  afterAll(async () => {
    await app?.close();
    await cloud?.close();
  });

  it("lists another project's resources with ?project_id=P, without all_projects", async () => {
    const demo = cloud.tokenFor('demo');
    const admin = cloud.tokenFor('admin');
    const demoProject = cloud.projectId('demo');
    await app.http.post('/v2/workflows').set('X-Auth-Token', demo).set('Content-Type', 'text/plain').send(workflowYaml('demo_only_wf')).expect(201);
    await app.http.post('/v2/environments').set('X-Auth-Token', demo).send({ name: 'demo_env', variables: { a: 1 } }).expect(201);
    const started = await app.http.post('/v2/executions').set('X-Auth-Token', demo).send({ workflow_name: 'demo_only_wf' }).expect(201);
    await waitFor('the demo execution to finish', async () => {
      const got = await app.http.get(`/v2/executions/${started.body.id}`).set('X-Auth-Token', demo).expect(200);
      return got.body.state === 'SUCCESS' || undefined;
    });

    for (const [collection, name] of [['workflows', 'demo_only_wf'], ['environments', 'demo_env'], ['executions', undefined]] as const) {
      const own = await app.http.get(`/v2/${collection}`).set('X-Auth-Token', admin).expect(200);
      expect(own.body[collection]).toEqual([]);
      const filtered = await app.http.get(`/v2/${collection}?project_id=${demoProject}`).set('X-Auth-Token', admin).expect(200);
      expect(filtered.body[collection]).toHaveLength(1);
      expect(filtered.body[collection][0].project_id).toBe(demoProject);
      if (name) expect(filtered.body[collection][0].name).toBe(name);
      else expect(filtered.body[collection][0].id).toBe(started.body.id);
    }

    // a member naming another project sees nothing of it
    const alt = await app.http.get(`/v2/workflows?project_id=${demoProject}`).set('X-Auth-Token', cloud.tokenFor('alt')).expect(200);
    expect(alt.body.workflows).toEqual([]);
  });
});
