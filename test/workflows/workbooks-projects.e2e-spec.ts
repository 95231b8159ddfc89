import { startFakeOpenStack, type FakeOpenStack } from '../support/fake-openstack/fake-openstack';
import { startTestApp, type TestApp, keystoneModeEnv } from '../support/test-app';

function workbookYaml(name: string): string {
  return `version: '2.0'\nname: ${name}\nworkflows:\n  main:\n    tasks:\n      t:\n        action: std.noop\n`;
}

/** Workbooks belong to a project (keystone mode): public ones are seen by all, changed only by their own. */
describe('workbooks and projects (keystone mode)', () => {
  let cloud: FakeOpenStack;
  let app: TestApp;
  const as = (user: string) => ({
    post: (text: string, query = '') => app.http.post(`/v2/workbooks${query}`).set('X-Auth-Token', cloud.tokenFor(user)).set('Content-Type', 'text/plain').send(text),
    put: (text: string) => app.http.put('/v2/workbooks').set('X-Auth-Token', cloud.tokenFor(user)).set('Content-Type', 'text/plain').send(text),
    get: (path: string) => app.http.get(path).set('X-Auth-Token', cloud.tokenFor(user)),
    delete: (path: string) => app.http.delete(path).set('X-Auth-Token', cloud.tokenFor(user)),
  });
  const names = (body: { workbooks?: { name: string }[]; workflows?: { name: string }[] }) =>
    (body.workbooks ?? body.workflows ?? []).map((item) => item.name).sort();

  beforeAll(async () => {
    cloud = await startFakeOpenStack({ transitionMs: 5 });
    app = await startTestApp({
      ...keystoneModeEnv(cloud),
    });
    const shared = await as('demo').post(workbookYaml('shared_book'), '?scope=public').expect(201);
    expect(shared.body).toMatchObject({ scope: 'public', project_id: cloud.projectId('demo') });
    await as('demo').post(workbookYaml('own_book')).expect(201);
  });

  afterAll(async () => {
    await app?.close();
    await cloud?.close();
  });

  it("shows another project's public workbook and its workflows, never a private one", async () => {
    expect(names((await as('alt').get('/v2/workbooks').expect(200)).body)).toEqual(['shared_book']);
    expect(names((await as('alt').get('/v2/workflows').expect(200)).body)).toEqual(['shared_book.main']);
    expect((await as('alt').get('/v2/workbooks/shared_book').expect(200)).body.project_id).toBe(cloud.projectId('demo'));
    await as('alt').get('/v2/workbooks/own_book').expect(404);
  });

  it("lets no other project change or delete it", async () => {
    await as('alt').put(workbookYaml('shared_book')).expect(404);
    await as('alt').delete('/v2/workbooks/shared_book').expect(404);
    await as('demo').get('/v2/workbooks/shared_book').expect(200);
  });

  it('lets another project have a workbook of the same name, with its own workflows', async () => {
    const created = await as('alt').post(workbookYaml('own_book')).expect(201);
    expect(created.body.project_id).toBe(cloud.projectId('alt'));
    expect(names((await as('alt').get('/v2/workflows').expect(200)).body)).toEqual(['own_book.main', 'shared_book.main']);
    await as('alt').delete('/v2/workbooks/own_book').expect(204);
    await as('demo').get('/v2/workflows/own_book.main').expect(200);
  });

  it("lists a project's workbooks for an admin asking ?project_id=P", async () => {
    expect(names((await as('admin').get('/v2/workbooks').expect(200)).body)).toEqual(['shared_book']);
    const demo = await as('admin').get(`/v2/workbooks?project_id=${cloud.projectId('demo')}`).expect(200);
    expect(names(demo.body)).toEqual(['own_book', 'shared_book']);
  });
});
