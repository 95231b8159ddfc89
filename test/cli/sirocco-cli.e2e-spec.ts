import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { parseWorkflowDefinition } from '../../src/workflows/language';
import { buildOnce, runSirocco } from '../support/sirocco-cli';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/yaql');

/** The built bin, offline: `workflows convert` needs no server. */
const sirocco = (args: string[], input?: string) => runSirocco(args, {}, { input });

beforeAll(() => buildOnce(), 300_000);

const scratch = mkdtempSync(path.join(tmpdir(), 'sirocco-cli-'));

describe('sirocco workflows convert', () => {
  it('prints the JSONata version of a YAQL definition, offline, and says how many expressions changed', async () => {
    const run = await sirocco(['workflows', 'convert', path.join(FIXTURES, 'instance_snapshot.yaml')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/instance_snapshot\.yaml: \d+ expression\(s\) converted from YAQL to JSONata/);
    const converted = parse(run.stdout);
    expect(converted.instance_snapshot.tasks.find_by_name.publish.server).toBe('<% $task().result %>');
    expect(parseWorkflowDefinition(run.stdout)).toMatchObject({ valid: true });
  });

  it('lists each change with its line and column on request, and writes to a file with -o', async () => {
    const source = path.join(scratch, 'hello.yaml');
    writeFileSync(source, "version: '2.0'\nhello:\n  tasks:\n    greet:\n      action: std.echo output=<% len($.names) %>\n");
    const target = path.join(scratch, 'hello.jsonata.yaml');
    const run = await sirocco(['workflows', 'convert', source, '--changes', '-o', target]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${source}:5:31: <% len($.names) %> -> <% $len($.names) %>`);
    expect(readFileSync(target, 'utf8')).toBe("version: '2.0'\nhello:\n  tasks:\n    greet:\n      action: std.echo output=<% $len($.names) %>\n");
  });

  it('reads standard input with -', async () => {
    const run = await sirocco(['workflows', 'convert', '-'], "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.echo output=<% task(t).state %>\n");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('output=<% $task("t").state %>');
  });

  it('exits 1 naming file:line:column of every expression it cannot convert, printing no YAML', async () => {
    const source = path.join(scratch, 'sums.yaml');
    writeFileSync(source, "version: '2.0'\nsums:\n  tasks:\n    t:\n      action: std.echo output=<% len($.a) %>\n      publish:\n        total: <% $.a + $.b %>\n        half: <% $.a / 2 %>\n");
    const run = await sirocco(['workflows', 'convert', source]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${source.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:7:23: sums\\.tasks\\.t\\.publish\\.total: cannot convert <% \\$\\.a \\+ \\$\\.b %>: YAQL's \\+`));
    expect(lines[1]).toContain(`${source}:8:22: sums.tasks.t.publish.half`);
    expect(lines[2]).toBe('2 expression(s) cannot be converted; nothing was written');
  });

  it('prints a JSONata definition unchanged, saying so', async () => {
    const source = path.join(scratch, 'plain.yaml');
    const text = "version: '2.0'\nplain:\n  tasks:\n    t:\n      action: std.echo output=<% $count($.x) %>\n";
    writeFileSync(source, text);
    const run = await sirocco(['workflows', 'convert', source]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(text);
    expect(run.stderr).toContain('no YAQL expression found; the definition is unchanged');
  });

  it('exits 1 with a message for a file that does not exist, and 2 (usage) with help for a missing argument', async () => {
    const missing = await sirocco(['workflows', 'convert', path.join(scratch, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^sirocco: ENOENT/);
    const usage = await sirocco(['workflows', 'convert']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'file'");
  });
});
