import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { mistralCli } from '../support/mistral-cli';
import { useTestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const run = promisify(execFile);

const DEFINITION = `---
version: '2.0'

osc_wf:
  description: made with openstack workflow create
  tags: [osc]
  input:
    - server
  output:
    image: <% $.image %>
  tasks:
    name_it:
      action: std.echo output=<% $.server & '_snap' %>
      publish:
        image: <% $task().result %>
`;

/** `openstack workflow ...` (python-openstackclient + the mistralclient plugin) and python-mistralclient as a library. */
describe('the openstack client and python-mistralclient as a library against Sirocco', () => {
  const t = useTestApp();
  const { openstack, openstackJson } = mistralCli(t);
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sirocco-osc-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('workflow create, list, show, definition show, validate', async () => {
    const file = path.join(dir, 'osc_wf.yaml');
    writeFileSync(file, DEFINITION);
    const created = await openstackJson<Record<string, string>[]>('workflow', 'create', file);
    expect(created[0]).toMatchObject({ Name: 'osc_wf', Tags: 'osc', Input: 'server', Scope: 'private' });
    const listed = await openstackJson<Record<string, string>[]>('workflow', 'list');
    expect(listed.map((wf) => wf.Name)).toContain('osc_wf');
    expect(await openstackJson('workflow', 'show', 'osc_wf')).toMatchObject({ Name: 'osc_wf', Input: 'server' });
    expect((await openstack('workflow', 'definition', 'show', 'osc_wf')).trim()).toBe(DEFINITION.trim());
    expect(await openstackJson('workflow', 'validate', file)).toMatchObject({ Valid: true });
  });

  it('workflow execution create, show, output show, list; task execution list', async () => {
    const started = await openstackJson<Record<string, string>>('workflow', 'execution', 'create', 'osc_wf', '{"server": "vm7"}');
    expect(started['Workflow name']).toBe('osc_wf');
    const id = started.ID;
    const ended = await waitFor('the execution to succeed', async () => {
      const shown = await openstackJson<Record<string, string>>('workflow', 'execution', 'show', id);
      return shown.State === 'SUCCESS' ? shown : undefined;
    }, { intervalMs: 200 });
    expect(ended.ID).toBe(id);
    expect(JSON.parse(await openstack('workflow', 'execution', 'output', 'show', id))).toEqual({ image: 'vm7_snap' });
    const executions = await openstackJson<Record<string, string>[]>('workflow', 'execution', 'list');
    expect(executions.map((e) => e.ID)).toContain(id);
    const tasks = await openstackJson<Record<string, string>[]>('task', 'execution', 'list', id);
    expect(tasks.map((task) => [task.Name, task.State])).toEqual([['name_it', 'SUCCESS']]);
  });

  it('workflow env create and show; cron trigger create, list, delete', async () => {
    const envFile = path.join(dir, 'env.json');
    writeFileSync(envFile, JSON.stringify({ name: 'osc_env', variables: { region: 'zone-b' } }));
    const env = await openstackJson<Record<string, string>>('workflow', 'env', 'create', envFile);
    expect(JSON.parse(env.Variables)).toEqual({ region: 'zone-b' });
    const trigger = await openstackJson<Record<string, string>>(
      'cron', 'trigger', 'create', 'osc_nightly', 'osc_wf', '{"server": "vm8"}', '--pattern', '0 5 * * *',
    );
    expect(trigger).toMatchObject({ Name: 'osc_nightly', Workflow: 'osc_wf', Pattern: '0 5 * * *' });
    const triggers = await openstackJson<Record<string, string>[]>('cron', 'trigger', 'list');
    expect(triggers.map((tr) => tr.Name)).toContain('osc_nightly');
    await openstack('cron', 'trigger', 'delete', 'osc_nightly');
    expect((await openstackJson<Record<string, string>[]>('cron', 'trigger', 'list')).map((tr) => tr.Name)).not.toContain('osc_nightly');
  });

  it('action execution run gives the result of a std action', async () => {
    const result = await openstackJson<Record<string, unknown>>('action', 'execution', 'run', 'std.echo', '{"output": "osc"}');
    expect(result).toEqual({ result: 'osc' });
  });

  it('workflow delete removes it and a missing one is an error with the server message', async () => {
    await openstack('workflow', 'delete', 'osc_wf');
    await expect(openstack('workflow', 'show', 'osc_wf')).rejects.toMatchObject({
      stderr: expect.stringContaining('Workflow not found'),
    });
  });

  it('python-mistralclient as a library creates, runs, reads and deletes', async () => {
    const script = path.join(__dirname, 'scripts', 'mistralclient_library.py');
    // Debian's interpreter: the one python3-mistralclient is installed for
    const { stdout } = await run('/usr/bin/python3', [script, `${t.baseUrl}/v2`]);
    expect(JSON.parse(stdout)).toEqual({
      created: ['lib_wf'],
      listed: true,
      state: 'SUCCESS',
      output: { snapshot: 'vm1_nightly' },
      tasks: [['name_it', 'SUCCESS']],
      environment: { region: 'zone-a' },
      trigger: { pattern: '0 5 * * *', next: expect.stringMatching(/^\d{4}-\d\d-\d\d 05:00:00$/) },
      action: { state: 'SUCCESS', output: { result: 'from the library' } },
      deleted: true,
    });
  });
});
