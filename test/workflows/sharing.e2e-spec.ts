import { randomUUID } from 'node:crypto';
import { DEFAULT_USERS } from '../support/fake-openstack/cloud';
import { startFakeOpenStack, type FakeOpenStack } from '../support/fake-openstack/fake-openstack';
import { startTestApp, useTestApp, type TestApp, keystoneModeEnv } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * Resource sharing as Mistral has it (`/v2/workflows/{id}/members`), in keystone mode against the
 * fake Keystone: the owner project `demo` shares with `alt`, which accepts or rejects; `third`
 * never gets anything.
 */

const WORKFLOWS = `
version: '2.0'
shared_wf:
  input:
    - who: nobody
  output:
    greeting: <% $.greeting %>
  tasks:
    greet:
      action: std.echo output="hello <% $.who %>"
      publish:
        greeting: <% $task().result %>
parent_wf:
  tasks:
    call:
      workflow: child_wf
child_wf:
  tasks:
    t1:
      action: std.noop
public_wf:
  tasks:
    t1:
      action: std.noop
`;

const NOAUTH_REFUSAL = 'Resource sharing feature can only be supported with authentication enabled.';

describe('sharing a workflow with another project (keystone mode)', () => {
  let cloud: FakeOpenStack;
  let app: TestApp;
  let demo: string;
  let alt: string;
  let third: string;
  let demoProject: string;
  let altProject: string;
  const ids: Record<string, string> = {};

  const as = (token: string) => ({
    get: (path: string) => app.http.get(path).set('X-Auth-Token', token),
    post: (path: string, body?: object) => app.http.post(path).set('X-Auth-Token', token).send(body ?? {}),
    put: (path: string, body: object) => app.http.put(path).set('X-Auth-Token', token).send(body),
    delete: (path: string) => app.http.delete(path).set('X-Auth-Token', token),
  });
  const members = (workflow: string) => `/v2/workflows/${ids[workflow]}/members`;
  const visibleNames = async (token: string): Promise<string[]> =>
    (await as(token).get('/v2/workflows').expect(200)).body.workflows.map((wf: { name: string }) => wf.name);

  async function runToEnd(token: string, body: object): Promise<Record<string, any>> {
    const started = await as(token).post('/v2/executions', body).expect(201);
    return waitFor('the execution to end', async () => {
      const got = await as(token).get(`/v2/executions/${started.body.id}`).expect(200);
      return ['SUCCESS', 'ERROR'].includes(got.body.state) ? got.body : undefined;
    });
  }

  beforeAll(async () => {
    const users = [...DEFAULT_USERS, { name: 'third', password: 'third-pass', project: 'third', roles: ['member', 'reader'] }];
    cloud = await startFakeOpenStack({ transitionMs: 5, users });
    app = await startTestApp({
      ...keystoneModeEnv(cloud),
    });
    [demo, alt, third] = [cloud.tokenFor('demo'), cloud.tokenFor('alt'), cloud.tokenFor('third')];
    [demoProject, altProject] = [cloud.projectId('demo'), cloud.projectId('alt')];
    const created = await app.http.post('/v2/workflows').set('X-Auth-Token', demo).set('Content-Type', 'text/plain').send(WORKFLOWS).expect(201);
    for (const wf of created.body.workflows) ids[wf.name] = wf.id;
    await app.http.put('/v2/workflows?scope=public').set('X-Auth-Token', demo).set('Content-Type', 'text/plain')
      .send("version: '2.0'\npublic_wf:\n  tasks:\n    t1:\n      action: std.noop\n").expect(200);
  });

  afterAll(async () => {
    await app?.close();
    await cloud?.close();
  });

  it('the owner shares: a pending membership, which the member sees but which shows it nothing yet', async () => {
    const shared = await as(demo).post(members('shared_wf'), { member_id: altProject }).expect(201);
    expect(shared.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      resource_id: ids.shared_wf,
      resource_type: 'workflow',
      project_id: demoProject,
      member_id: altProject,
      status: 'pending',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      updated_at: null,
    });

    expect((await as(demo).get(members('shared_wf')).expect(200)).body).toEqual({ members: [shared.body] });
    expect((await as(demo).get(`${members('shared_wf')}/${altProject}`).expect(200)).body).toEqual(shared.body);
    // the member finds the share offered to it
    expect((await as(alt).get(members('shared_wf')).expect(200)).body).toEqual({ members: [shared.body] });
    expect((await as(alt).get(`${members('shared_wf')}/${altProject}`).expect(200)).body.status).toBe('pending');

    expect(await visibleNames(alt)).not.toContain('shared_wf');
    await as(alt).get(`/v2/workflows/${ids.shared_wf}`).expect(404);
    await as(alt).post('/v2/executions', { workflow_id: ids.shared_wf }).expect(404);
  });

  it('once the member accepts, it lists, gets and runs the workflow; the execution is its own', async () => {
    const accepted = await as(alt).put(`${members('shared_wf')}/${altProject}`, { status: 'accepted' }).expect(200);
    expect(accepted.body).toMatchObject({ member_id: altProject, project_id: demoProject, status: 'accepted' });
    expect(accepted.body.updated_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/));
    expect((await as(demo).get(`${members('shared_wf')}/${altProject}`).expect(200)).body.status).toBe('accepted');

    const listed = (await as(alt).get('/v2/workflows').expect(200)).body.workflows;
    expect(listed.find((wf: { name: string }) => wf.name === 'shared_wf')).toMatchObject({ id: ids.shared_wf, project_id: demoProject, scope: 'private' });
    expect(await visibleNames(alt)).not.toContain('child_wf');
    expect((await as(alt).get(`/v2/workflows/${ids.shared_wf}`).expect(200)).body.name).toBe('shared_wf');
    expect((await as(alt).get('/v2/workflows/shared_wf').expect(200)).body.id).toBe(ids.shared_wf);

    const execution = await runToEnd(alt, { workflow_id: ids.shared_wf, input: { who: 'alt' } });
    expect(execution).toMatchObject({ state: 'SUCCESS', project_id: altProject, workflow_id: ids.shared_wf });
    expect(JSON.parse(execution.output)).toEqual({ greeting: 'hello alt' });
    const byName = await runToEnd(alt, { workflow_name: 'shared_wf' });
    expect(byName.state).toBe('SUCCESS');
    // the owner does not see the member's executions
    await as(demo).get(`/v2/executions/${execution.id}`).expect(404);
    expect(await visibleNames(third)).not.toContain('shared_wf');
  });

  it('only the owner changes or deletes the workflow', async () => {
    const changed = "version: '2.0'\nshared_wf:\n  tasks:\n    t1:\n      action: std.noop\n";
    const put = await app.http.put(`/v2/workflows/${ids.shared_wf}`).set('X-Auth-Token', alt).set('Content-Type', 'text/plain').send(changed);
    expect(put.status).toBe(403);
    expect(put.body.faultstring).toBe('Workflow shared_wf belongs to another project and can only be read.');
    expect((await as(alt).delete(`/v2/workflows/${ids.shared_wf}`)).status).toBe(403);
    expect((await as(demo).get(`/v2/workflows/${ids.shared_wf}`).expect(200)).body.definition).toContain('std.echo');
  });

  it("a sub-workflow runs for the member only when it is shared with it too", async () => {
    await as(demo).post(members('parent_wf'), { member_id: altProject }).expect(201);
    await as(alt).put(`${members('parent_wf')}/${altProject}`, { status: 'accepted' }).expect(200);
    const alone = await runToEnd(alt, { workflow_name: 'parent_wf' });
    expect(alone.state).toBe('ERROR');
    expect(alone.state_info).toContain('child_wf');

    await as(demo).post(members('child_wf'), { member_id: altProject }).expect(201);
    await as(alt).put(`${members('child_wf')}/${altProject}`, { status: 'accepted' }).expect(200);
    expect((await runToEnd(alt, { workflow_name: 'parent_wf' })).state).toBe('SUCCESS');
  });

  it('a rejected share hides the workflow again; accepting again shows it', async () => {
    const rejected = await as(alt).put(`${members('shared_wf')}/${altProject}`, { status: 'rejected' }).expect(200);
    expect(rejected.body.status).toBe('rejected');
    expect(await visibleNames(alt)).not.toContain('shared_wf');
    await as(alt).get(`/v2/workflows/${ids.shared_wf}`).expect(404);
    await as(alt).post('/v2/executions', { workflow_id: ids.shared_wf }).expect(404);

    await as(alt).put(`${members('shared_wf')}/${altProject}`, { status: 'accepted' }).expect(200);
    expect(await visibleNames(alt)).toContain('shared_wf');
  });

  it('the owner takes the member off: the workflow is gone for it, and so is the membership', async () => {
    await as(demo).delete(`${members('shared_wf')}/${altProject}`).expect(204);
    expect(await visibleNames(alt)).not.toContain('shared_wf');
    await as(alt).get(`/v2/workflows/${ids.shared_wf}`).expect(404);
    expect((await as(alt).get(members('shared_wf')).expect(200)).body).toEqual({ members: [] });
    expect((await as(demo).get(members('shared_wf')).expect(200)).body).toEqual({ members: [] });
    const again = await as(demo).delete(`${members('shared_wf')}/${altProject}`).expect(404);
    expect(again.body.faultstring).toBe(`Resource member not found [resource_id=${ids.shared_wf}, member_id=${altProject}]`);
  });

  it("deleting a workflow deletes its memberships", async () => {
    const created = await app.http.post('/v2/workflows').set('X-Auth-Token', demo).set('Content-Type', 'text/plain')
      .send("version: '2.0'\nshort_lived_wf:\n  tasks:\n    t1:\n      action: std.noop\n").expect(201);
    const id = created.body.workflows[0].id;
    await as(demo).post(`/v2/workflows/${id}/members`, { member_id: altProject }).expect(201);
    await as(alt).put(`/v2/workflows/${id}/members/${altProject}`, { status: 'accepted' }).expect(200);
    await as(demo).delete(`/v2/workflows/${id}`).expect(204);
    expect((await as(alt).get(`/v2/workflows/${id}/members`).expect(200)).body).toEqual({ members: [] });
    await as(alt).get(`/v2/workflows/${id}/members/${altProject}`).expect(404);
  });

  describe('refusals, as Mistral words them', () => {
    const fault = (status: number, faultstring: string) => ({ status, body: { faultcode: 'Client', faultstring, debuginfo: null } });
    const answer = async (request: PromiseLike<{ status: number; body: unknown }>) => {
      const response = await request;
      return { status: response.status, body: response.body };
    };

    it('a members URL names the workflow by UUID', async () => {
      const expected = fault(400, 'Only support UUID as resource identifier in resource sharing feature.');
      expect(await answer(as(demo).get('/v2/workflows/shared_wf/members'))).toEqual(expected);
      expect(await answer(as(demo).post('/v2/workflows/shared_wf/members', { member_id: altProject }))).toEqual(expected);
    });

    it('creating: the member id is required, the body has Member fields, the workflow exists, is private and is the caller\'s', async () => {
      expect(await answer(as(demo).post(members('child_wf'), {}))).toEqual(fault(400, 'Member id must be provided.'));
      expect(await answer(as(demo).post(members('child_wf'), { member_id: 42 }))).toEqual(
        fault(400, "Invalid input for field/attribute member_id. Value: '42'. Value should be a string (a project id)"),
      );
      expect(await answer(as(demo).post(members('child_wf'), { member: altProject }))).toEqual(
        fault(400, 'Unknown attribute for argument member_info: member'),
      );
      const missing = randomUUID();
      expect(await answer(as(demo).post(`/v2/workflows/${missing}/members`, { member_id: altProject }))).toEqual(
        fault(404, `Workflow not found [workflow_identifier=${missing}, namespace=]`),
      );
      expect(await answer(as(demo).post(members('public_wf'), { member_id: altProject }))).toEqual(fault(400, 'Only private resource could be shared.'));
      expect(await answer(as(demo).post(members('child_wf'), { member_id: altProject }))).toEqual(
        fault(409, `Duplicate entry for ResourceMember ['resource_id', 'resource_type', 'member_id']: ${ids.child_wf}, workflow, ${altProject}`),
      );
      // a member that accepted may run the workflow, not pass it on; a stranger does not even see it
      expect(await answer(as(alt).post(members('child_wf'), { member_id: cloud.projectId('third') }))).toEqual(
        fault(403, `Only the project that owns workflow ${ids.child_wf} can share it.`),
      );
      expect((await as(third).post(members('child_wf'), { member_id: cloud.projectId('third') })).status).toBe(404);
    });

    it('reading: an unknown workflow has no members, a stranger sees none', async () => {
      expect((await as(demo).get(`/v2/workflows/${randomUUID()}/members`).expect(200)).body).toEqual({ members: [] });
      expect((await as(third).get(members('child_wf')).expect(200)).body).toEqual({ members: [] });
      expect(await answer(as(third).get(`${members('child_wf')}/${altProject}`))).toEqual(
        fault(404, `Resource member not found [resource_id=${ids.child_wf}, member_id=${altProject}]`),
      );
    });

    it('updating: only the member sets its status, to pending, accepted or rejected', async () => {
      expect(await answer(as(demo).put(`${members('child_wf')}/${altProject}`, { status: 'accepted' }))).toEqual(
        fault(404, `Resource member not found [resource_id=${ids.child_wf}, member_id=${altProject}]`),
      );
      expect(await answer(as(alt).put(`${members('child_wf')}/${altProject}`, {}))).toEqual(fault(400, 'Status must be provided.'));
      expect(await answer(as(alt).put(`${members('child_wf')}/${altProject}`, { status: 'invalid' }))).toEqual(
        fault(400, "Invalid input for field/attribute status. Value: 'invalid'. Value should be one of: pending, accepted, rejected"),
      );
      expect(await answer(as(alt).put(`${members('shared_wf')}/${altProject}`, { status: 'accepted' }))).toEqual(
        fault(404, `Resource member not found [resource_id=${ids.shared_wf}, member_id=${altProject}]`),
      );
    });

    it('deleting: only the owner takes a member off', async () => {
      expect((await as(alt).delete(`${members('child_wf')}/${altProject}`)).status).toBe(404);
      expect((await as(alt).get(`${members('child_wf')}/${altProject}`).expect(200)).body.status).toBe('accepted');
    });

    it('every call needs a token', async () => {
      expect((await app.http.get(members('child_wf'))).status).toBe(401);
      expect((await app.http.post(members('child_wf')).send({ member_id: altProject })).status).toBe(401);
    });
  });
});

describe('sharing a workbook with another project (keystone mode)', () => {
  let cloud: FakeOpenStack;
  let app: TestApp;
  const WORKBOOK = "version: '2.0'\nname: ops_book\nworkflows:\n  nightly:\n    tasks:\n      t1:\n        action: std.noop\n";

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

  it('the owner shares it, the member accepts and then lists and reads it; rejecting or deleting hides it', async () => {
    const [demo, alt] = [cloud.tokenFor('demo'), cloud.tokenFor('alt')];
    const altProject = cloud.projectId('alt');
    const created = await app.http.post('/v2/workbooks').set('X-Auth-Token', demo).set('Content-Type', 'text/plain').send(WORKBOOK).expect(201);
    const members = `/v2/workbooks/${created.body.id}/members`;
    const altNames = async () => (await app.http.get('/v2/workbooks').set('X-Auth-Token', alt).expect(200)).body.workbooks.map((wb: { name: string }) => wb.name);

    await app.http.post('/v2/workbooks/ops_book/members').set('X-Auth-Token', demo).send({ member_id: altProject }).expect(400);
    const shared = await app.http.post(members).set('X-Auth-Token', demo).send({ member_id: altProject }).expect(201);
    expect(shared.body).toMatchObject({ resource_id: created.body.id, resource_type: 'workbook', member_id: altProject, status: 'pending' });
    expect(await altNames()).toEqual([]);
    await app.http.get('/v2/workbooks/ops_book').set('X-Auth-Token', alt).expect(404);
    // the member cannot share it on, nor accept for someone else
    await app.http.put(`${members}/${cloud.projectId('demo')}`).set('X-Auth-Token', alt).send({ status: 'accepted' }).expect(404);

    await app.http.put(`${members}/${altProject}`).set('X-Auth-Token', alt).send({ status: 'accepted' }).expect(200);
    expect(await altNames()).toEqual(['ops_book']);
    const read = await app.http.get('/v2/workbooks/ops_book').set('X-Auth-Token', alt).expect(200);
    expect(read.body).toMatchObject({ id: created.body.id, project_id: cloud.projectId('demo'), definition: WORKBOOK });
    // only the owner changes or deletes it
    await app.http.delete('/v2/workbooks/ops_book').set('X-Auth-Token', alt).expect(404);

    await app.http.put(`${members}/${altProject}`).set('X-Auth-Token', alt).send({ status: 'rejected' }).expect(200);
    expect(await altNames()).toEqual([]);
    await app.http.put(`${members}/${altProject}`).set('X-Auth-Token', alt).send({ status: 'accepted' }).expect(200);
    await app.http.delete('/v2/workbooks/ops_book').set('X-Auth-Token', demo).expect(204);
    expect((await app.http.get(members).set('X-Auth-Token', demo).expect(200)).body.members).toEqual([]);
    expect(await altNames()).toEqual([]);
  });
});

describe('sharing in noauth mode', () => {
  const t = useTestApp({}, { workflows: "version: '2.0'\nlonely_wf:\n  tasks:\n    t1:\n      action: std.noop\n" });

  it("answers Mistral's refusal on every members call, and workflows work as before", async () => {
    const id = (await t.http.get('/v2/workflows/lonely_wf').expect(200)).body.id;
    const refusal = { faultcode: 'Client', faultstring: NOAUTH_REFUSAL, debuginfo: null };
    const calls = [
      t.http.get(`/v2/workflows/${id}/members`),
      t.http.post(`/v2/workflows/${id}/members`).send({ member_id: 'some-project' }),
      t.http.get(`/v2/workflows/${id}/members/some-project`),
      t.http.put(`/v2/workflows/${id}/members/some-project`).send({ status: 'accepted' }),
      t.http.delete(`/v2/workflows/${id}/members/some-project`),
    ];
    for (const call of calls) {
      const response = await call;
      expect({ status: response.status, body: response.body }).toEqual({ status: 400, body: refusal });
    }
    expect((await t.http.get('/v2/workflows').expect(200)).body.workflows.map((wf: { name: string }) => wf.name)).toEqual(['lonely_wf']);
    await t.http.delete(`/v2/workflows/${id}`).expect(204);
  });
});
