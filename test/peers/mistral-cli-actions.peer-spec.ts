import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mistralCli } from '../support/mistral-cli';
import { useTestApp } from '../support/test-app';

const DEFINITION = `---
version: '2.0'

cli_greet:
  description: greets from the CLI
  tags: [cli]
  base: std.echo
  base-input:
    output: <% 'Hello, ' & $.name %>
  input:
    - name
    - polite: true
`;

/** Ad-hoc actions through the real python-mistralclient, as an operator manages them. */
describe('the mistral CLI: ad-hoc actions', () => {
  const t = useTestApp();
  const { mistral, json: mistralJson } = mistralCli(t);
  let dir: string;
  const file = (name: string, text: string): string => {
    const target = path.join(dir, name);
    writeFileSync(target, text);
    return target;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sirocco-cli-actions-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('action-create reads a file and shows the new action', async () => {
    const created = await mistralJson<Record<string, unknown>[]>('action-create', file('greet.yaml', DEFINITION));
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ Name: 'cli_greet', 'Is system': false, Input: 'name, polite=true', Description: 'greets from the CLI', Tags: 'cli' });
    expect(created[0].ID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('action-list shows it beside the system actions', async () => {
    const listed = await mistralJson<Array<Record<string, unknown>>>('action-list');
    const names = listed.map((action) => action.Name);
    expect(names).toEqual(expect.arrayContaining(['cli_greet', 'std.echo', 'std.mistral_http']));
    expect(await mistral('action-list')).toContain('cli_greet');
  });

  it('action-get shows one action; action-get-definition prints its YAML as written', async () => {
    const shown = await mistralJson<Record<string, unknown>>('action-get', 'cli_greet');
    expect(shown).toMatchObject({ Name: 'cli_greet', Input: 'name, polite=true', 'Is system': false, Description: 'greets from the CLI' });
    const definition = await mistral('action-get-definition', 'cli_greet');
    expect(definition.trim()).toBe(DEFINITION.trim());
  });

  it('action-validate says valid or why not', async () => {
    expect(await mistralJson('action-validate', file('ok.yaml', DEFINITION))).toMatchObject({ Valid: true });
    const bad = await mistralJson<Record<string, unknown>>('action-validate', file('bad.yaml', "version: '2.0'\nno_base:\n  input: [a]\n"));
    expect(bad.Valid).toBe(false);
    expect(String(bad.Error)).toContain("'base' is required");
  });

  it('run-action runs the ad-hoc action and prints its result', async () => {
    const ran = await mistralJson<Record<string, unknown>>('run-action', 'cli_greet', '{"name": "Grace"}');
    expect(ran).toEqual({ result: 'Hello, Grace' });
  });

  it('run-action -t is refused: Sirocco has no executors to target', async () => {
    await expect(mistral('run-action', '-t', 'workers-eu', 'std.noop')).rejects.toMatchObject({
      stderr: expect.stringContaining('params.target is not supported'),
    });
  });

  it('action-update replaces the definition; the next run uses it', async () => {
    const changed = DEFINITION.replace("'Hello, '", "'Goodbye, '");
    const updated = await mistralJson<Record<string, unknown>[]>('action-update', file('greet2.yaml', changed));
    expect(updated[0]).toMatchObject({ Name: 'cli_greet' });
    expect((await mistral('action-get-definition', 'cli_greet')).trim()).toBe(changed.trim());
    expect(await mistralJson('run-action', 'cli_greet', '{"name": "Grace"}')).toEqual({ result: 'Goodbye, Grace' });
  });

  it('action-delete removes it; deleting std.echo is refused with Mistral\'s message', async () => {
    // the CLI prints each failure's message, then fails as a whole
    await expect(mistral('action-delete', 'std.echo')).rejects.toMatchObject({
      stdout: expect.stringContaining('Attempt to delete a system action: std.echo'),
      stderr: expect.stringContaining('Unable to delete the specified action(s).'),
    });
    expect(await mistral('action-delete', 'cli_greet')).toContain('Request to delete action cli_greet has been accepted.');
    await expect(mistral('action-get', 'cli_greet')).rejects.toMatchObject({ stderr: expect.stringContaining('Action not found') });
  });
});
