import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { parseWorkflowDefinition } from './definition.parser';
import { convertYaqlDefinition, formatYaqlProblems } from './yaql-definition.converter';

const YAQL_DEFINITION = `---
version: '2.0'

# Mistral's YAQL, as CERN wrote it
create_vm:
  description: Creates a VM (<% task(x) %> in prose stays as written)
  input:
    - vm_name
    - servers: []
  tasks:
    find:
      action: std.echo output=<% $.servers.where($.name = $.vm_name) %>
      publish:
        found: <% task(find).result.len() > 0 %>
        first_name: "<% task(find).result.select($.name).first() %>"
      on-success:
        - report: <% $.found and not $.missing %>
    report:
      action: std.echo
      input:
        output: 'VM <% $.vm_name %> found: <% $.found %>'
`;

describe('convertYaqlDefinition', () => {
  it('converts every expression of a YAQL definition and keeps comments, prose and layout', () => {
    const result = convertYaqlDefinition(YAQL_DEFINITION);
    expect(result.language).toBe('yaql');
    expect(result.problems).toEqual([]);
    expect(result.text).toContain("# Mistral's YAQL, as CERN wrote it");
    expect(result.text).toContain('description: Creates a VM (<% task(x) %> in prose stays as written)');
    const data = parse(result.text);
    const tasks = data.create_vm.tasks;
    // inside where(), YAQL's $ is the item, also in $.vm_name; a missing key is null on both sides
    expect(tasks.find.action).toBe('std.echo output=<% [$filter($.servers, function($item) { ($item.name ?? null) = ($item.vm_name ?? null) })] %>');
    expect(tasks.find.publish.found).toBe('<% $len($task("find").result) > 0 %>');
    expect(tasks.find.publish.first_name).toBe('<% ([$map($task("find").result, function($item) { ($item.name ?? null) })])[0] %>');
    expect(tasks.find['on-success'][0].report).toBe('<% $truthy($.found) ? $not($truthy($.missing)) : ($.found ?? null) %>');
    // both sides read the same in JSONata: unchanged, and not listed
    expect(tasks.report.input.output).toBe('VM <% $.vm_name %> found: <% $.found %>');
    expect(result.changes.map((change) => change.path)).toEqual([
      'create_vm.tasks.find.action',
      'create_vm.tasks.find.publish.found',
      'create_vm.tasks.find.publish.first_name',
      'create_vm.tasks.find.on-success[0].report',
    ]);
    expect(result.changes[1]).toMatchObject({ line: 14, column: 16, from: '<% task(find).result.len() > 0 %>' });
    expect(result.changes[2]).toMatchObject({ line: 15, column: 22 });
    // the converted definition is valid Sirocco
    expect(parseWorkflowDefinition(result.text)).toMatchObject({ valid: true });
  });

  it('leaves a JSONata definition, and one whose expressions read the same in both, as written', () => {
    const jsonata = "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.echo output=<% $count($.x) %>\n      publish:\n        a: <% $.a and $.b %>\n";
    expect(convertYaqlDefinition(jsonata)).toEqual({ language: 'jsonata', text: jsonata, changes: [], problems: [] });
    const ambiguous = "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.echo output=<% $.x = 1 %>\n      publish:\n        a: <% $.a and $.b %>\n        b: <% $.list[0] %>\n";
    expect(convertYaqlDefinition(ambiguous)).toEqual({ language: 'jsonata', text: ambiguous, changes: [], problems: [] });
  });

  it('reads the ambiguous expressions of a YAQL definition as YAQL (Python truthiness of and/or)', () => {
    const text = "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.echo output=<% len($.x) %>\n      publish:\n        a: <% $.a or 'none' %>\n";
    const result = convertYaqlDefinition(text);
    expect(parse(result.text).wf.tasks.t.publish.a).toBe('<% $truthy($.a) ? ($.a ?? null) : "none" %>');
  });

  it('reports every expression it cannot convert with its line and column in the file, and converts nothing', () => {
    const text = [
      "version: '2.0'",
      'wf:',
      '  tasks:',
      '    t:',
      '      action: std.echo output=<% len($.a) %>',
      '      publish:',
      '        sum: <% $.a + $.b %>',
      "        quoted: '<% $.x.groupBy($.y) %>'",
      '        block: |',
      '          first line',
      '          total <% $.n / 2 %>',
      '        mixed: <% $count($.x) %>',
      '',
    ].join('\n');
    const result = convertYaqlDefinition(text);
    expect(result.text).toBe(text);
    expect(result.problems).toEqual([
      expect.objectContaining({ line: 7, column: 21, path: 'wf.tasks.t.publish.sum', expression: '<% $.a + $.b %>' }),
      expect.objectContaining({ line: 8, column: 25, path: 'wf.tasks.t.publish.quoted', message: 'the YAQL function groupBy() is not converted' }),
      expect.objectContaining({ line: 11, column: 24, path: 'wf.tasks.t.publish.block' }),
      expect.objectContaining({ line: 12, column: 25, path: 'wf.tasks.t.publish.mixed', message: "unexpected '('" }),
    ]);
    expect(formatYaqlProblems(result.problems.slice(0, 1))).toMatch(/^line 7, column 21: wf\.tasks\.t\.publish\.sum: cannot convert <% \$\.a \+ \$\.b %>: YAQL's \+/);
  });

  it('converts expressions in guard keys and leaves text that is not YAML to the parser', () => {
    const text = "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.noop\n      on-complete:\n        - fail(msg=<% task().state_info %>): <% task().state = ERROR %>\n";
    const result = convertYaqlDefinition(text);
    expect(parse(result.text).wf.tasks.t['on-complete'][0]).toEqual({ 'fail(msg=<% $task().state_info %>)': '<% $task().state = "ERROR" %>' });
    expect(convertYaqlDefinition('a: [').language).toBe('jsonata');
  });

  it("refuses Mistral's Jinja expressions, which would otherwise stay text, at their position", () => {
    const text = "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.echo output=\"{{ _.name }} and {{ task('t').result }}\"\n      publish:\n        braces: 'a {{ literal }} text'\n";
    const result = convertYaqlDefinition(text);
    expect(result.language).toBe('jinja');
    expect(result.problems.map((problem) => [problem.line, problem.column, problem.expression])).toEqual([
      [5, 32, '{{ _.name }}'],
      [5, 49, "{{ task('t').result }}"],
    ]);
    expect(result.problems[0].message).toMatch(/^Jinja expressions are not converted/);
  });

  it('refuses an expression nested too deeply for the parser instead of failing', () => {
    const deep = `${'('.repeat(20000)}1${')'.repeat(20000)}`;
    const result = convertYaqlDefinition(`version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.echo output=<% len($.a) %>\n      publish:\n        x: <% ${deep} %>\n`, 10_000_000);
    expect(result.problems).toEqual([expect.objectContaining({ line: 7, column: 15, message: 'the expression is nested too deeply' })]);
  });

  it.each(readdirSync(path.resolve(__dirname, '../../../definitions')))('leaves the shipped JSONata definition %s as it is', (file) => {
    const text = readFileSync(path.resolve(__dirname, '../../../definitions', file), 'utf8');
    expect(convertYaqlDefinition(text)).toEqual({ language: 'jsonata', text, changes: [], problems: [] });
  });
});
