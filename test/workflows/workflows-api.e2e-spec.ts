import type { Response } from 'supertest';
import { MISTRAL_SAMPLE } from '../support/fixtures/workflow-definitions';
import { useTestApp } from '../support/test-app';

function workflowYaml(name: string, extra = ''): string {
  return `version: '2.0'\n${name}:\n  tasks:\n    t1:\n      action: std.noop${extra}\n`;
}

describe('/v2/workflows', () => {
  const t = useTestApp();

  function create(text: string, query = '') {
    return t.http.post(`/v2/workflows${query}`).set('Content-Type', 'text/plain').send(text);
  }

  async function count(): Promise<number> {
    const response = await t.http.get('/v2/workflows').expect(200);
    return response.body.workflows.length;
  }

  it('creates a workflow from YAML and answers as Mistral does', async () => {
    const response = await create(MISTRAL_SAMPLE).expect(201);
    expect(response.body.workflows).toHaveLength(1);
    const wf = response.body.workflows[0];
    expect(wf).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'sample_wf',
      namespace: '',
      input: 'name, greeting="Hello"',
      interface: { input: ['name', { greeting: 'Hello' }], output: ['message'] },
      definition: MISTRAL_SAMPLE,
      tags: ['sample', 'peer-study'],
      scope: 'private',
      project_id: '<default-project>',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
    });
  });

  it('gets a workflow by name and by id, with interface as JSON text', async () => {
    const byName = await t.http.get('/v2/workflows/sample_wf').expect(200);
    expect(byName.body.interface).toBe('{"input": ["name", {"greeting": "Hello"}], "output": ["message"]}');
    expect(byName.body.updated_at).toBeNull();
    const byId = await t.http.get(`/v2/workflows/${byName.body.id}`).expect(200);
    expect(byId.body.name).toBe('sample_wf');
  });

  it('answers 404 in Mistral error shape for an unknown workflow', async () => {
    const response = await t.http.get('/v2/workflows/no_such_wf').expect(404);
    expect(response.body).toEqual({
      faultcode: 'Client',
      faultstring: 'Workflow not found [workflow_identifier=no_such_wf, namespace=]',
      debuginfo: null,
    });
  });

  it('refuses a duplicate with 409 and leaves the first untouched', async () => {
    const response = await create(MISTRAL_SAMPLE).expect(409);
    expect(response.body.faultstring).toContain('Duplicate entry for WorkflowDefinition');
    expect(response.body.faultstring).toContain('sample_wf');
  });

  it('creates every workflow of a multi-workflow definition, each with its own text', async () => {
    const text = `version: '2.0'\nfirst_wf:\n  tasks:\n    a:\n      action: std.noop\nsecond_wf:\n  tasks:\n    b:\n      action: std.noop\n`;
    const response = await create(text).expect(201);
    expect(response.body.workflows.map((wf: { name: string }) => wf.name)).toEqual(['first_wf', 'second_wf']);
    const second = await t.http.get('/v2/workflows/second_wf').expect(200);
    expect(second.body.definition).toContain('second_wf:');
    expect(second.body.definition).not.toContain('first_wf');
    expect(second.body.definition).toContain("version: '2.0'");
  });

  it('creates nothing when one workflow of a definition is invalid', async () => {
    const before = await count();
    const text = `version: '2.0'\ngood_wf:\n  tasks:\n    a:\n      action: std.noop\nbad_wf:\n  tasks:\n    b:\n      action: std.noop\n      on-success: nowhere\n`;
    const response = await create(text).expect(400);
    expect(response.body.faultstring).toMatch(/^Invalid DSL: /);
    expect(response.body.faultstring).toContain("line 10, column 19");
    expect(response.body.faultstring).toContain('nowhere');
    expect(response.body.errors).toEqual([
      expect.objectContaining({ line: 10, column: 19, workflow: 'bad_wf', path: 'tasks.b.on-success' }),
    ]);
    expect(await count()).toBe(before);
    await t.http.get('/v2/workflows/good_wf').expect(404);
  });

  it('reports a YAML syntax error with line and column', async () => {
    const text = "---\nversion: '2.0'\nbroken_wf:\n  tasks:\n    t1:\n      action: std.noop\n     on-success: t2\n   - oops\n";
    const response = await create(text).expect(400);
    expect(response.body.faultstring).toMatch(/Invalid DSL: line \d+, column \d+/);
  });

  it('refuses an empty body, and reads a JSON body as YAML text (as Mistral)', async () => {
    expect((await create('').expect(400)).body.faultstring).toContain('empty');
    const json = await t.http.post('/v2/workflows').send({ version: '2.0' }).expect(400);
    expect(json.body.faultstring).toMatch(/^Invalid DSL/);
  });

  const ALIAS_BOMB = [
    "version: '2.0'",
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    '',
  ].join('\n');

  it.each([
    ['malformed YAML', "version: '2.0'\nwf: [unclosed\n", /^Invalid DSL: line \d+, column \d+: YAML syntax error/],
    ['an alias bomb', ALIAS_BOMB, /alias/i],
    ['a blank body', '   \n\n', /empty/],
    ['a wrong version', "version: '1.0'\nv_wf:\n  tasks:\n    t1:\n      action: std.noop\n", /line 1, column 10: version/],
    [
      'an unknown action',
      "version: '2.0'\nact_wf:\n  tasks:\n    t1:\n      action: std.echoo output=1\n",
      /line 5, column 15: act_wf\.tasks\.t1\.action: unknown action 'std\.echoo' \(did you mean 'std\.echo'\?\)/,
    ],
    [
      'a reverse workflow with a cycle',
      "version: '2.0'\nrev_wf:\n  type: reverse\n  tasks:\n    t1:\n      requires: t2\n    t2:\n      requires: t1\n",
      /line 8, column 17: rev_wf\.tasks\.t2\.requires: 'requires' makes a cycle: t1 -> t2 -> t1/,
    ],
  ])('answers 400 to %s and stores nothing', async (_case, text, message) => {
    const before = await count();
    for (const method of ['post', 'put'] as const) {
      const response = await t.http[method]('/v2/workflows').set('Content-Type', 'text/plain').send(text).expect(400);
      expect(response.body.faultcode).toBe('Client');
      expect(response.body.faultstring).toMatch(message);
    }
    const validation = await t.http.post('/v2/workflows/validate').set('Content-Type', 'text/plain').send(text).expect(200);
    expect(validation.body.valid).toBe(false);
    expect(await count()).toBe(before);
  });

  it('answers 400 to malformed JSON, read as YAML text', async () => {
    const before = await count();
    const response = await t.http
      .post('/v2/workflows')
      .set('Content-Type', 'application/json')
      .send('{"definition": ')
      .expect(400);
    expect(response.body.faultcode).toBe('Client');
    expect(response.body.faultstring).toMatch(/^Invalid DSL: line \d+, column \d+/);
    expect(await count()).toBe(before);
  });

  it.each([
    ['get', '/v2/workflows/00000000-0000-4000-8000-000000000000'],
    ['put', '/v2/workflows/00000000-0000-4000-8000-000000000000'],
    ['delete', '/v2/workflows/00000000-0000-4000-8000-000000000000'],
    ['delete', '/v2/workflows/no_such_wf'],
  ] as const)('answers 404 to %s %s', async (method, url) => {
    const request = t.http[method](url);
    const response = await (method === 'put' ? request.set('Content-Type', 'text/plain').send(workflowYaml('ghost_wf')) : request).expect(404);
    expect(response.body.faultstring).toMatch(/not found/i);
  });

  it('refuses an unknown scope', async () => {
    const response = await create(workflowYaml('scoped_wf'), '?scope=galactic').expect(400);
    expect(response.body.faultstring).toContain("scope must be 'private' or 'public'");
  });

  it('creates a public workflow with ?scope=public', async () => {
    const response = await create(workflowYaml('public_wf'), '?scope=public').expect(201);
    expect(response.body.workflows[0].scope).toBe('public');
  });

  it('updates a workflow in place with PUT', async () => {
    const before = await t.http.get('/v2/workflows/sample_wf').expect(200);
    const changed = MISTRAL_SAMPLE.replace('seconds=2', 'seconds=3');
    const response = await t.http.put('/v2/workflows').set('Content-Type', 'text/plain').send(changed).expect(200);
    const wf = response.body.workflows[0];
    expect(wf.id).toBe(before.body.id);
    expect(wf.definition).toContain('seconds=3');
    expect(wf.updated_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const after = await t.http.get('/v2/workflows/sample_wf').expect(200);
    expect(after.body.definition).toContain('seconds=3');
  });

  it('PUT of an unknown workflow is 404 and PUT of an invalid one changes nothing', async () => {
    await t.http.put('/v2/workflows').set('Content-Type', 'text/plain').send(workflowYaml('never_created')).expect(404);
    const invalid = MISTRAL_SAMPLE.replace('on-success: pause_a_bit', 'on-success: nowhere');
    await t.http.put('/v2/workflows').set('Content-Type', 'text/plain').send(invalid).expect(400);
    const after = await t.http.get('/v2/workflows/sample_wf').expect(200);
    expect(after.body.definition).toContain('on-success: pause_a_bit');
  });

  it('validates without storing', async () => {
    const ok = await t.http.post('/v2/workflows/validate').set('Content-Type', 'text/plain').send(workflowYaml('validated_only')).expect(200);
    expect(ok.body).toEqual({ valid: true });
    const bad = await t.http
      .post('/v2/workflows/validate')
      .set('Content-Type', 'text/plain')
      .send("version: '2.0'\ninvalid_wf:\n  type: direct\n  tasks:\n    t1:\n      action: std.noop\n      on-succes: t2\n")
      .expect(200);
    expect(bad.body.valid).toBe(false);
    expect(bad.body.error).toContain("line 7, column 7");
    expect(bad.body.error).toContain("on-succes");
    await t.http.get('/v2/workflows/validated_only').expect(404);
  });

  it('deletes a workflow: 204, then 404', async () => {
    await create(workflowYaml('doomed_wf')).expect(201);
    await t.http.delete('/v2/workflows/doomed_wf').expect(204);
    await t.http.get('/v2/workflows/doomed_wf').expect(404);
    const again = await t.http.delete('/v2/workflows/doomed_wf').expect(404);
    expect(again.body.faultstring).toContain('Workflow not found');
  });
});

describe('/v2/workflows listing', () => {
  const t = useTestApp();
  const names = ['list_e', 'list_b', 'list_d', 'list_a', 'list_c'];

  beforeAll(async () => {
    for (const name of names) {
      await t.http.post('/v2/workflows').set('Content-Type', 'text/plain').send(workflowYaml(name)).expect(201);
    }
    await t.http
      .post('/v2/workflows')
      .set('Content-Type', 'text/plain')
      .send(`version: '2.0'\ntagged_wf:\n  tags: [nightly, backup]\n  tasks:\n    t1:\n      action: std.noop\n`)
      .expect(201);
  });

  it('lists in creation order by default', async () => {
    const response = await t.http.get('/v2/workflows').expect(200);
    expect(response.body.workflows.map((wf: { name: string }) => wf.name)).toEqual([...names, 'tagged_wf']);
    expect(response.body.next).toBeUndefined();
  });

  it('pages with limit, sort and marker, following the next link to the end', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/v2/workflows?limit=2&sort_keys=name&sort_dirs=asc&fields=name,created_at';
    let pages = 0;
    while (url) {
      const response: Response = await t.http.get(url.replace(t.baseUrl, '')).expect(200);
      pages += 1;
      for (const wf of response.body.workflows) {
        expect(Object.keys(wf).sort()).toEqual(['created_at', 'id', 'name']);
        seen.push(wf.name);
      }
      url = response.body.next;
      if (url) {
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2\/workflows\?sort_keys=name,id&sort_dirs=asc,asc&limit=2&marker=[0-9a-f-]{36}&fields=id,name,created_at$/);
      }
    }
    expect(seen).toEqual(['list_a', 'list_b', 'list_c', 'list_d', 'list_e', 'tagged_wf']);
    expect(pages).toBe(4); // three full pages, and an empty one that ends the walk
  });

  it('sorts descending', async () => {
    const response = await t.http.get('/v2/workflows?sort_keys=name&sort_dirs=desc&limit=3').expect(200);
    expect(response.body.workflows.map((wf: { name: string }) => wf.name)).toEqual(['tagged_wf', 'list_e', 'list_d']);
  });

  it('filters by name with eq, in and has, and by tags', async () => {
    const eq = await t.http.get('/v2/workflows?name=list_c').expect(200);
    expect(eq.body.workflows.map((wf: { name: string }) => wf.name)).toEqual(['list_c']);
    const inList = await t.http.get('/v2/workflows?name=in:list_a,list_e&sort_keys=name').expect(200);
    expect(inList.body.workflows.map((wf: { name: string }) => wf.name)).toEqual(['list_a', 'list_e']);
    const has = await t.http.get('/v2/workflows?name=has:tagg').expect(200);
    expect(has.body.workflows.map((wf: { name: string }) => wf.name)).toEqual(['tagged_wf']);
    const tags = await t.http.get('/v2/workflows?tags=nightly').expect(200);
    expect(tags.body.workflows.map((wf: { name: string }) => wf.name)).toEqual(['tagged_wf']);
    const since = await t.http.get('/v2/workflows?created_at=gte:2020-01-01 00:00:00&limit=1').expect(200);
    expect(since.body.workflows).toHaveLength(1);
  });

  it.each([
    ['limit=-1', 'Limit must be positive.'],
    ['limit=abc', 'Limit must be an integer'],
    ['sort_keys=nope', 'Sort key supplied is invalid: nope'],
    ['sort_dirs=sideways', "Unknown sort direction 'sideways', must be 'desc' or 'asc'."],
    ['fields=name,colour', 'Unknown field(s) requested: colour'],
    ['colour=blue', "Unknown query parameter 'colour'"],
    ['marker=00000000-0000-0000-0000-000000000000', 'Marker'],
    ['created_at=gte:yesterday', "Filter created_at: 'yesterday' is not a time"],
  ])('refuses %s with 400', async (query, message) => {
    const response = await t.http.get(`/v2/workflows?${query}`).expect(400);
    expect(response.body.faultcode).toBe('Client');
    expect(response.body.faultstring).toContain(message);
  });
});

describe('API root and docs', () => {
  const t = useTestApp();

  it('GET / lists the v2 version', async () => {
    const response = await t.http.get('/').expect(200);
    expect(response.body.versions[0]).toMatchObject({ id: 'v2.0', status: 'CURRENT' });
    expect(response.body.versions[0].links[0].href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
  });

  it('GET /v2 redirects to /v2/, which names the API', async () => {
    const redirect = await t.http.get('/v2').expect(302);
    expect(redirect.headers.location).toBe('/v2/');
    const root = await t.http.get('/v2/').expect(200);
    expect(root.body.uri).toMatch(/\/v2$/);
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = await t.http.get('/docs/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v2/workflows', '/v2/workflows/{identifier}', '/v2/workflows/validate']));
    const ui = await t.http.get('/docs').redirects(1).expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('answers an unknown path with 404 in Mistral error shape', async () => {
    const response = await t.http.get('/v2/nothing_here').expect(404);
    expect(response.body.faultcode).toBe('Client');
    expect(typeof response.body.faultstring).toBe('string');
  });
});
