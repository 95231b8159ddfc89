import { mistralCli } from '../support/mistral-cli';
import { useTestApp } from '../support/test-app';

/** The real mistral CLI's event-trigger commands against Sirocco. */
describe('the mistral CLI: event triggers', () => {
  const t = useTestApp({}, {
    workflows: `
version: '2.0'
cli_event_wf:
  input:
    - vm: none
  tasks:
    t:
      action: std.echo output=<% $.vm %>
`,
  });
  const { mistral, json } = mistralCli(t);
  let workflowId: string;
  let triggerId: string;

  beforeAll(async () => {
    const listed = await t.http.get('/v2/workflows').expect(200);
    workflowId = listed.body.workflows.find((workflow: { name: string }) => workflow.name === 'cli_event_wf').id;
  });

  it('event-trigger-create shows the trigger', async () => {
    const created = await json<Record<string, unknown>>(
      'event-trigger-create', 'on_create', workflowId, 'nova', 'notifications', 'compute.instance.create.end', '{"vm": "vm1"}', '--params', '{"env": {"k": 1}}',
    );
    expect(created).toMatchObject({ Name: 'on_create', 'Workflow ID': workflowId, Exchange: 'nova', Topic: 'notifications', Event: 'compute.instance.create.end' });
    expect(JSON.parse(String(created.Params))).toEqual({ env: { k: 1 } });
    triggerId = String(created.ID);
  });

  it('event-trigger-create refuses an unknown workflow with the server message', async () => {
    await expect(mistral('event-trigger-create', 'bad', '00000000-0000-4000-8000-000000000000', 'nova', 'notifications', 'x.y')).rejects.toMatchObject({
      stderr: expect.stringContaining('Workflow not found'),
    });
  });

  it('event-trigger-list and event-trigger-get show it', async () => {
    const listed = await json<Array<Record<string, unknown>>>('event-trigger-list');
    expect(listed.map((trigger) => trigger.ID)).toEqual([triggerId]);
    const shown = await json<Record<string, unknown>>('event-trigger-get', triggerId);
    expect(shown).toMatchObject({ ID: triggerId, Name: 'on_create', Event: 'compute.instance.create.end' });
  });

  it('event-trigger-delete removes it', async () => {
    const out = await mistral('event-trigger-delete', triggerId);
    expect(out).toContain(triggerId);
    const left = await json<Array<Record<string, unknown>>>('event-trigger-list');
    expect(left.filter((trigger) => trigger.ID !== '')).toEqual([]);
    await expect(mistral('event-trigger-get', triggerId)).rejects.toMatchObject({ stderr: expect.stringContaining('Event trigger not found') });
  });
});
