import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mistralCli } from '../support/mistral-cli';
import { useTestApp } from '../support/test-app';

const WORKBOOK = `---
version: '2.0'
name: cli_book
description: made by the mistral CLI
tags: [cli, book]

actions:
  shout:
    base: std.echo output=<% $.text %>
    input:
      - text

workflows:
  main:
    input:
      - who
    output:
      said: <% $.said %>
    tasks:
      call_helper:
        workflow: helper
        input:
          who: <% $.who %>
        publish:
          said: <% $task().result.said %>
  helper:
    input:
      - who
    output:
      said: <% $.said %>
    tasks:
      say:
        action: std.echo output=<% $.who %>
        publish:
          said: <% $task().result %>
`;

type Row = Record<string, unknown>;

/** The real python-mistralclient's workbook commands (and python-openstackclient's), pointed at Sirocco. */
describe('the mistral CLI: workbooks', () => {
  const t = useTestApp();
  const { mistral, json: mistralJson, openstackJson } = mistralCli(t);
  let dir: string;

  const file = (name: string, text: string): string => {
    const location = path.join(dir, name);
    writeFileSync(location, text);
    return location;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sirocco-cli-workbooks-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('workbook-create reads a file and shows the new workbook', async () => {
    const created = await mistralJson<Row>('workbook-create', file('book.yaml', WORKBOOK));
    expect(created).toMatchObject({ Name: 'cli_book', Namespace: '', Tags: 'cli, book', Scope: 'private', 'Updated at': null });
    expect(created['Created at']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it("its workflows are listed by workflow-list as <workbook>.<name>", async () => {
    const workflows = await mistralJson<Row[]>('workflow-list');
    expect(workflows.map((wf) => wf.Name)).toEqual(expect.arrayContaining(['cli_book.main', 'cli_book.helper']));
  });

  it('workbook-list shows it, as a table and as JSON', async () => {
    expect(await mistral('workbook-list')).toContain('cli_book');
    const listed = await mistralJson<Row[]>('workbook-list');
    expect(listed).toEqual([expect.objectContaining({ Name: 'cli_book', Tags: 'cli, book', Scope: 'private' })]);
  });

  it('workbook-get shows one workbook', async () => {
    expect(await mistralJson<Row>('workbook-get', 'cli_book')).toMatchObject({ Name: 'cli_book', Namespace: '', 'Updated at': null });
  });

  it('workbook-get-definition prints the YAML as written', async () => {
    expect((await mistral('workbook-get-definition', 'cli_book')).trim()).toBe(WORKBOOK.trim());
  });

  it('execution-create runs a workflow of the workbook that calls its sibling by short name', async () => {
    const started = await mistralJson<Row>('execution-create', 'cli_book.main', '{"who": "cli"}');
    const id = String(started.ID);
    const done = await t.client.waitFor(id);
    expect(done.state).toBe('SUCCESS');
    expect(done.output).toEqual({ said: 'cli' });
  });

  it('workbook-update replaces the workbook and its workflows', async () => {
    const updatedText = WORKBOOK.replace('made by the mistral CLI', 'updated by the CLI').replace(
      '  helper:\n',
      '  report:\n    tasks:\n      nothing:\n        action: std.noop\n  helper:\n',
    );
    const updated = await mistralJson<Row>('workbook-update', file('book_v2.yaml', updatedText));
    expect(updated.Name).toBe('cli_book');
    expect(updated['Updated at']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(await mistral('workbook-get-definition', 'cli_book')).toContain('updated by the CLI');
    const workflows = await mistralJson<Row[]>('workflow-list');
    expect(workflows.map((wf) => wf.Name)).toEqual(expect.arrayContaining(['cli_book.report']));
  });

  it('workbook-validate tells valid from invalid, with the line of the error', async () => {
    expect(await mistralJson<Row>('workbook-validate', file('good.yaml', WORKBOOK))).toMatchObject({ Valid: true });
    const bad = await mistralJson<Row>('workbook-validate', file('bad.yaml', WORKBOOK.replace('publish:', 'publsh:')));
    expect(bad.Valid).toBe(false);
    expect(String(bad.Error)).toContain("line 24, column 9: main.tasks.call_helper.publsh: unknown key 'publsh'");
  });

  it('workbook-create of an invalid file fails with the server message', async () => {
    const broken = WORKBOOK.replace('name: cli_book', 'name: broken_book').replace('base: std.echo output=<% $.text %>', 'base: [std.echo]');
    await expect(mistral('workbook-create', file('broken.yaml', broken))).rejects.toMatchObject({
      stderr: expect.stringContaining('line 9, column 11: actions.shout.base'),
    });
  });

  it('openstack workbook list and show (python-openstackclient with the mistral plugin) see it too', async () => {
    const listed = await openstackJson<Row[]>('workbook', 'list');
    expect(listed.map((wb) => wb.Name)).toEqual(['cli_book']);
    expect(await openstackJson<Row>('workbook', 'show', 'cli_book')).toMatchObject({ Name: 'cli_book', Tags: 'cli, book' });
  });

  it('workbook-delete removes it and its workflows', async () => {
    expect(await mistral('workbook-delete', 'cli_book')).toContain('cli_book');
    // the CLI shows an empty list as one row of blanks
    const listed = await mistralJson<Row[]>('workbook-list');
    expect(listed.filter((wb) => wb.Name !== '')).toEqual([]);
    const workflows = await mistralJson<Row[]>('workflow-list');
    expect(workflows.map((wf) => wf.Name).filter((name) => String(name).startsWith('cli_book.'))).toEqual([]);
    await expect(mistral('workbook-get', 'cli_book')).rejects.toMatchObject({
      stderr: expect.stringContaining('Workbook not found'),
    });
  });
});
