import { useTestApp } from '../support/test-app';

const child = (says: string) => `
version: '2.0'
ns_child_wf:
  output:
    from: ${says}
  tasks:
    nothing:
      action: std.noop
`;

const PARENT = `
version: '2.0'
ns_parent_wf:
  output:
    child: <% $.child %>
  tasks:
    call:
      workflow: ns_child_wf
      publish:
        child: <% $task().result.from %>
`;

/** Mistral's lookup of a sub-workflow: in the execution's namespace first, then the default one. */
describe('sub-workflows and namespaces', () => {
  const t = useTestApp();
  const { client } = t;

  const store = async (yaml: string, namespace: string) =>
    t.http.post(namespace ? `/v2/workflows?namespace=${namespace}` : '/v2/workflows').set('Content-Type', 'text/plain').send(yaml).expect(201);
  const runIn = async (namespace: string) => {
    const created = await t.http.post('/v2/executions').send({ workflow_name: 'ns_parent_wf', workflow_namespace: namespace }).expect(201);
    return client.waitFor(created.body.id);
  };

  beforeAll(async () => {
    await store(child('default'), '');
    await store(child('ns1'), 'ns1');
    for (const namespace of ['', 'ns1', 'ns2']) await store(PARENT, namespace);
  });

  it("runs the child of the parent's own namespace when there is one", async () => {
    const done = await runIn('ns1');
    expect(done.state).toBe('SUCCESS');
    expect(done.output).toEqual({ child: 'ns1' });
  });

  it('falls back to the default namespace, never to another one', async () => {
    expect((await runIn('ns2')).output).toEqual({ child: 'default' });
    expect((await runIn('')).output).toEqual({ child: 'default' });
  });

  it('the child execution runs in the namespace it was found in, and tells where it came from', async () => {
    const done = await runIn('ns1');
    const call = await client.task(done.id, 'call');
    const children = await t.http.get(`/v2/executions?task_execution_id=${call.id}`).expect(200);
    expect(children.body.executions).toHaveLength(1);
    expect(children.body.executions[0]).toMatchObject({ workflow_name: 'ns_child_wf', workflow_namespace: 'ns1' });
  });
});
