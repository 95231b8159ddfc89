import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mistralCli } from '../support/mistral-cli';
import { useTestApp } from '../support/test-app';

const DEFINITION = `---
version: '2.0'

cli_wf:
  description: made by the mistral CLI
  tags: [cli]
  input:
    - server
    - keep: 3
  output:
    done: <% $.done %>
  tasks:
    first:
      action: std.echo output=<% $.server %>
      publish:
        done: <% $task().result %>
`;

/** The real python-mistralclient, as an operator runs it, pointed at Sirocco. */
describe('the mistral CLI against Sirocco', () => {
  const t = useTestApp();
  const { mistral, json: mistralJson } = mistralCli(t);
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sirocco-cli-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('workflow-create reads a file and shows the new workflow', async () => {
    const file = path.join(dir, 'cli_wf.yaml');
    writeFileSync(file, DEFINITION);
    const created = await mistralJson<Record<string, string>[]>('workflow-create', file);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ Name: 'cli_wf', Tags: 'cli', Input: 'server, keep=3', Scope: 'private' });
    expect(created[0].ID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('workflow-list shows it, as a table and as JSON', async () => {
    const table = await mistral('workflow-list');
    expect(table).toContain('cli_wf');
    const listed = await mistralJson<Record<string, string>[]>('workflow-list');
    expect(listed.map((wf) => wf.Name)).toContain('cli_wf');
  });

  it('workflow-get shows one workflow', async () => {
    const shown = await mistralJson<Record<string, string>>('workflow-get', 'cli_wf');
    expect(shown).toMatchObject({ Name: 'cli_wf', Input: 'server, keep=3', Namespace: '' });
  });

  it('workflow-get-definition prints the YAML as written', async () => {
    const text = await mistral('workflow-get-definition', 'cli_wf');
    expect(text.trim()).toBe(DEFINITION.trim());
  });

  it('workflow-update replaces the definition', async () => {
    const file = path.join(dir, 'cli_wf_v2.yaml');
    writeFileSync(file, DEFINITION.replace('made by the mistral CLI', 'updated by the CLI'));
    const updated = await mistralJson<Record<string, string>[]>('workflow-update', file);
    expect(updated[0].Name).toBe('cli_wf');
    expect(updated[0]['Updated at']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(await mistral('workflow-get-definition', 'cli_wf')).toContain('updated by the CLI');
  });

  it('workflow-validate tells valid from invalid', async () => {
    const good = path.join(dir, 'good.yaml');
    writeFileSync(good, DEFINITION);
    expect(await mistralJson<Record<string, unknown>>('workflow-validate', good)).toMatchObject({ Valid: true });
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, DEFINITION.replace('publish:', 'publsh:'));
    const result = await mistralJson<Record<string, unknown>>('workflow-validate', bad);
    expect(result.Valid).toBe(false);
    expect(String(result.Error)).toContain('publsh');
  });

  it('workflow-create of an invalid file fails with the server message', async () => {
    const bad = path.join(dir, 'broken.yaml');
    writeFileSync(bad, DEFINITION.replace('cli_wf', 'broken_wf').replace('publish:', 'publsh:'));
    await expect(mistral('workflow-create', bad)).rejects.toMatchObject({
      stderr: expect.stringContaining('publsh'),
    });
  });

  it('workflow-delete removes it', async () => {
    const out = await mistral('workflow-delete', 'cli_wf');
    expect(out).toContain('cli_wf');
    const listed = await mistralJson<Record<string, string>[]>('workflow-list');
    expect(listed.map((wf) => wf.Name)).not.toContain('cli_wf');
    await expect(mistral('workflow-get', 'cli_wf')).rejects.toMatchObject({
      stderr: expect.stringContaining('Workflow not found'),
    });
  });
});
