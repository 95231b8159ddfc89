import { randomUUID } from 'node:crypto';
import { useTestApp } from '../support/test-app';

const MISTRAL_ERROR = { faultcode: 'Client', faultstring: expect.any(String), debuginfo: null };

/** Paths and methods Sirocco has no route for answer in Mistral's error shape, saying why. */
describe('unknown paths, unsupported Mistral features, wrong methods', () => {
  const t = useTestApp({}, {
    workflows: "version: '2.0'\nfirst_wf:\n  tasks:\n    t1:\n      action: std.noop\nsecond_wf:\n  tasks:\n    t1:\n      action: std.noop\n",
  });

  it.each<[string, string, string]>([
    ['get', '/v2/services', 'The services API is not supported by Sirocco yet'],
    ['get', '/v2/code_sources', 'Code sources are not supported by Sirocco yet'],
    ['get', '/v2/dynamic_actions/', 'Dynamic actions are not supported by Sirocco yet'],
  ])('%s %s: 501 naming the feature', async (method, path, faultstring) => {
    const response = await t.http[method as 'get'](path).set('Accept', 'application/json');
    expect(response.status).toBe(501);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({ faultcode: 'Server', faultstring, debuginfo: null }); // Mistral's code for a 5xx
  });

  it.each<[string, string]>([
    ['get', '/v2/no_such_collection'],
    ['get', '/v2/members'],
    ['get', `/v2/executions/${randomUUID()}/no_such_subpath`],
    ['get', '/v2/workflows/first_wf/no/such/thing'],
    ['post', '/v3/workflows'],
    ['get', '/favicon.ico'],
  ])('%s %s: Mistral-shaped 404 naming the path', async (method, path) => {
    const response = await t.http[method as 'get'](path);
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual(MISTRAL_ERROR);
    expect(response.body.faultstring).toBe(`Unknown path: ${method.toUpperCase()} ${path} (the API is described at /docs)`);
    expect(response.text).not.toContain('Cannot');
  });

  it.each<[string, string, string]>([
    ['delete', '/v2/workflows', 'GET, HEAD, POST, PUT'],
    ['delete', '/v2/workbooks', 'GET, HEAD, POST, PUT'],
    ['patch', '/v2/executions', 'GET, HEAD, POST'],
    ['post', `/v2/executions/${randomUUID()}`, 'DELETE, GET, HEAD, PUT'],
    ['delete', '/v2/tasks', 'GET, HEAD'],
    ['put', '/v2/cron_triggers', 'GET, HEAD, POST'],
    ['post', '/v2/environments/prod', 'DELETE, GET, HEAD'],
  ])('%s %s: Mistral-shaped 405 with Allow: %s', async (method, path, allow) => {
    const response = await t.http[method as 'get'](path).send({});
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe(allow);
    expect(response.body).toEqual(MISTRAL_ERROR);
    expect(response.body.faultstring).toBe(`Method ${method.toUpperCase()} is not allowed on ${path} (allowed: ${allow})`);
  });

  it('keeps the known routes and their own 404s', async () => {
    await t.http.get('/v2/workflows/first_wf').expect(200);
    const missing = await t.http.get('/v2/workflows/no_such_wf').expect(404);
    expect(missing.body.faultstring).toBe('Workflow not found [workflow_identifier=no_such_wf, namespace=]');
  });

  describe('POST /v2/executions with a client-supplied id', () => {
    it('returns the existing execution for the same workflow (idempotent create)', async () => {
      const id = randomUUID();
      const first = await t.http.post('/v2/executions').send({ id, workflow_name: 'first_wf' }).expect(201);
      const again = await t.http.post('/v2/executions').send({ id, workflow_name: 'first_wf' });
      expect(again.status).toBeLessThan(300);
      expect(again.body.id).toBe(id);
      expect(again.body.created_at).toBe(first.body.created_at);
      const byId = await t.http.post('/v2/executions').send({ id, workflow_id: first.body.workflow_id });
      expect(byId.body.id).toBe(id);
    });

    it('answers 409 when the id belongs to an execution of another workflow, and changes nothing', async () => {
      const id = randomUUID();
      await t.http.post('/v2/executions').send({ id, workflow_name: 'first_wf' }).expect(201);
      const before = (await t.http.get('/v2/executions?workflow_name=second_wf').expect(200)).body.executions.length;
      const other = await t.http.post('/v2/executions').send({ id, workflow_name: 'second_wf' });
      expect(other.status).toBe(409);
      expect(other.body).toEqual(MISTRAL_ERROR);
      expect(other.body.faultstring).toBe(`Execution ${id} already exists for another workflow (first_wf); choose another id`);
      const shown = await t.http.get(`/v2/executions/${id}`).expect(200);
      expect(shown.body.workflow_name).toBe('first_wf');
      expect((await t.http.get('/v2/executions?workflow_name=second_wf').expect(200)).body.executions).toHaveLength(before);
    });
  });
});
