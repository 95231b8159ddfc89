import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ExecutionsClient } from '../support/executions-client';
import { mistralCli } from '../support/mistral-cli';
import { useTestApp } from '../support/test-app';

/** A definition as a Mistral user keeps it in a repository: YAQL. */
const YAQL_DEFINITION = `---
version: '2.0'

cli_yaql_wf:
  input:
    - servers
  output:
    active: <% $.active %>
    count: <% len($.active) %>
  tasks:
    pick:
      action: std.echo output=<% $.servers.where($.status = ACTIVE).select($.name) %>
      publish:
        active: <% task(pick).result %>
`;

/** The real python-mistralclient with a YAQL definition: converted on upload, shown as written. */
describe('the mistral CLI with a definition written in YAQL', () => {
  const t = useTestApp();
  const { mistral, json } = mistralCli(t);
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sirocco-cli-yaql-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('workflow-create accepts it, workflow-get-definition prints it as written, and it runs converted', async () => {
    const file = path.join(dir, 'cli_yaql_wf.yaml');
    writeFileSync(file, YAQL_DEFINITION);
    const created = await json<Record<string, string>[]>('workflow-create', file);
    expect(created[0]).toMatchObject({ Name: 'cli_yaql_wf', Input: 'servers' });
    expect((await mistral('workflow-get-definition', 'cli_yaql_wf')).trim()).toBe(YAQL_DEFINITION.trim());

    const started = await json<Record<string, string>>('execution-create', 'cli_yaql_wf', JSON.stringify({ servers: [{ name: 'a', status: 'ACTIVE' }, { name: 'b', status: 'ERROR' }] }));
    const finished = await new ExecutionsClient(() => t.http).waitFor(started.ID);
    expect(finished.state).toBe('SUCCESS');
    expect(JSON.parse(await mistral('execution-get-output', started.ID))).toEqual({ active: ['a'], count: 1 });
  });

  it('workflow-create of an expression that cannot be converted fails with its line and column', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, YAQL_DEFINITION.replace('cli_yaql_wf:', 'cli_yaql_bad:').replace('count: <% len($.active) %>', 'count: <% $.active + $.extra %>'));
    await expect(mistral('workflow-create', file)).rejects.toMatchObject({
      stderr: expect.stringContaining("line 9, column 24: cli_yaql_bad.output.count: cannot convert <% $.active + $.extra %>: YAQL's +"),
    });
  });
});
