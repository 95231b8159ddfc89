import { ExecutionsClient } from '../support/executions-client';
import { useTestApp } from '../support/test-app';

/** A Mistral definition in YAQL, with the forms users write most. */
const YAQL_WORKFLOW = `---
version: '2.0'

pick_servers:
  description: Picks the active servers (written for Mistral)
  input:
    - servers
    - prefix: web
  output:
    names: <% $.active.select($.name) %>
    count: <% len($.active) %>
    first: <% $.active.first().name %>
    label: <% '{0}-{1}'.format($.prefix, len($.active)) %>
    busy: <% len($.active) > 1 and not $.prefix in ['db', 'cache'] %>
    fallback: <% $.missing or 'none' %>
  tasks:
    list_them:
      action: std.echo
      input:
        output: <% $.servers.where($.status = ACTIVE and $.name.startsWith(execution().input.prefix)) %>
      publish:
        active: <% task(list_them).result %>
      on-success:
        - report: <% task(list_them).result.len() > 0 %>
    report:
      action: std.echo output=<% task(list_them).state %>
`;

const SERVERS = [
  { name: 'web1', status: 'ACTIVE' },
  { name: 'web2', status: 'SHUTOFF' },
  { name: 'web3', status: 'ACTIVE' },
  { name: 'db1', status: 'ACTIVE' },
];

function unconvertible(name: string): string {
  return [
    "version: '2.0'",
    `${name}:`,
    '  input:',
    '    - a',
    '    - b',
    '  tasks:',
    '    t:',
    '      action: std.echo output=<% len($.a) %>',
    '      publish:',
    '        total: <% $.a + $.b %>',
    '        half: <% $.a / 2 %>',
    '',
  ].join('\n');
}

describe('definitions written in YAQL', () => {
  const t = useTestApp();
  const client = new ExecutionsClient(() => t.http);
  const send = (method: 'post' | 'put', path: string, text: string) =>
    t.http[method](path).set('Content-Type', 'text/plain').send(text);

  it('POST /v2/workflows/convert answers the definition in JSONata and what changed, storing nothing', async () => {
    const response = await send('post', '/v2/workflows/convert', YAQL_WORKFLOW).expect(200);
    expect(response.body.language).toBe('yaql');
    expect(response.body.definition).toContain('count: <% $len($.active) %>');
    expect(response.body.definition).toContain('active: <% $task("list_them").result %>');
    expect(response.body.definition).toContain('description: Picks the active servers (written for Mistral)');
    expect(response.body.changes).toContainEqual({
      line: 11,
      column: 12,
      path: 'pick_servers.output.count',
      from: '<% len($.active) %>',
      to: '<% $len($.active) %>',
      notes: [],
    });
    await t.http.get('/v2/workflows/pick_servers').expect(404);
  });

  it('POST /v2/workflows/convert leaves a JSONata definition as it is', async () => {
    const jsonata = "version: '2.0'\nplain:\n  tasks:\n    t:\n      action: std.echo output=<% $count([1, 2]) %>\n";
    const response = await send('post', '/v2/workflows/convert', jsonata).expect(200);
    expect(response.body).toEqual({ language: 'jsonata', definition: jsonata, changes: [] });
  });

  it('POST /v2/workflows/convert refuses with 400 naming the first unconvertible expression by line and column', async () => {
    const response = await send('post', '/v2/workflows/convert', unconvertible('sums')).expect(400);
    expect(response.body.faultstring).toBe(
      "Invalid DSL: the definition is Mistral's YAQL or Jinja and not every expression can be converted to JSONata: " +
        "line 10, column 23: sums.tasks.t.publish.total: cannot convert <% $.a + $.b %>: YAQL's + adds numbers, joins strings or lists " +
        'depending on the values, and the converter cannot tell which here: write str(x) around a string, or a number literal on one side (and 1 more)',
    );
    expect(response.body.errors.map((error: { line: number; column: number }) => [error.line, error.column])).toEqual([
      [10, 23],
      [11, 22],
    ]);
  });

  it('an upload in YAQL runs converted, while GET shows the text as the user wrote it', async () => {
    const created = await send('post', '/v2/workflows', YAQL_WORKFLOW).expect(201);
    expect(created.body.workflows[0].definition).toBe(YAQL_WORKFLOW);
    const read = await t.http.get('/v2/workflows/pick_servers').expect(200);
    expect(read.body.definition).toBe(YAQL_WORKFLOW);
    expect(read.body.input).toBe('servers, prefix="web"');

    const execution = await client.run('pick_servers', { servers: SERVERS });
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({
      names: ['web1', 'web3'],
      count: 2,
      first: 'web1',
      label: 'web-2',
      busy: true,
      fallback: 'none',
    });
    expect((await client.task(execution.id, 'report')).result).toBe('SUCCESS');

    // one match is still a list, as YAQL's where() gives
    const single = await client.run('pick_servers', { servers: SERVERS.slice(0, 1), prefix: 'web' });
    expect(single.output).toMatchObject({ names: ['web1'], count: 1, busy: false });
  });

  it('PUT converts too and keeps the new text; validate accepts a convertible YAQL definition', async () => {
    const changed = YAQL_WORKFLOW.replace("fallback: <% $.missing or 'none' %>", "fallback: <% $.missing or 'nothing' %>");
    const updated = await send('put', '/v2/workflows/pick_servers', changed).expect(200);
    expect(updated.body.definition).toBe(changed);
    const execution = await client.run('pick_servers', { servers: SERVERS });
    expect(execution.output.fallback).toBe('nothing');
    expect((await send('post', '/v2/workflows/validate', changed).expect(200)).body).toEqual({ valid: true });
  });

  it('refuses an upload whose YAQL cannot all be converted with 400 naming the first expression, storing nothing', async () => {
    const response = await send('post', '/v2/workflows', unconvertible('not_stored')).expect(400);
    expect(response.body.faultstring).toMatch(/^Invalid DSL: the definition is Mistral's YAQL or Jinja .*: line 10, column 23: not_stored\.tasks\.t\.publish\.total: cannot convert <% \$\.a \+ \$\.b %>/);
    await t.http.get('/v2/workflows/not_stored').expect(404);
    const validated = await send('post', '/v2/workflows/validate', unconvertible('not_stored')).expect(200);
    expect(validated.body.valid).toBe(false);
    expect(validated.body.error).toContain('line 10, column 23');
  });

  it("refuses Mistral's Jinja expressions instead of keeping them as text", async () => {
    const jinja = "version: '2.0'\njinja_wf:\n  tasks:\n    t:\n      action: std.echo output=\"{{ _.name }}\"\n";
    const response = await send('post', '/v2/workflows', jinja).expect(400);
    expect(response.body.faultstring).toContain("line 5, column 32: jinja_wf.tasks.t.action: cannot convert {{ _.name }}: Jinja expressions are not converted");
    await t.http.get('/v2/workflows/jinja_wf').expect(404);
  });

  it('points other errors of a YAQL definition at their place in the text sent', async () => {
    const text = YAQL_WORKFLOW.replace('    report:\n      action: std.echo output=', '    report:\n      actoin: std.echo\n      action: std.echo output=');
    const response = await send('post', '/v2/workflows', text).expect(400);
    expect(response.body.faultstring).toMatch(/^Invalid DSL: line 26, column 7: pick_servers\.tasks\.report\.actoin: unknown key 'actoin'/);
  });
});
