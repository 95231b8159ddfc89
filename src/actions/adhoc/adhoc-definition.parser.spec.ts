import { parseAdhocDefinition } from './adhoc-definition.parser';

describe('parseAdhocDefinition', () => {
  it('normalises actions: parameters with defaults, base-input, output, description and tags', () => {
    const result = parseAdhocDefinition(`version: '2.0'
a:
  base: std.echo
  base-input: {output: <% $.x %>}
  input: [x, {y: 2}, {z: null}]
  output: <% $ %>
  description: d
  tags: [t]
b:
  base: a
`);
    expect(result).toEqual({
      valid: true,
      actions: [
        {
          name: 'a',
          base: 'std.echo',
          baseInput: { output: '<% $.x %>' },
          input: [{ name: 'x' }, { name: 'y', default: 2 }, { name: 'z', default: null }],
          output: '<% $ %>',
          description: 'd',
          tags: ['t'],
        },
        { name: 'b', base: 'a', baseInput: {}, input: [], description: null, tags: [] },
      ],
    });
  });

  it("reads Mistral's inline parameters in base, under base-input, which wins", () => {
    const result = parseAdhocDefinition("version: '2.0'\na:\n  base: std.echo output=\"hi <% $.who %>\" other=1\n  base-input:\n    other: 2\n");
    expect(result.valid).toBe(true);
    if (!result.valid) return;
    expect(result.actions[0]).toMatchObject({ base: 'std.echo', baseInput: { output: 'hi <% $.who %>', other: 2 } });
  });

  it.each<[string, string]>([
    ['', 'Invalid DSL: the definition is empty'],
    ["version: '2.0'\na: [1\n", 'Invalid DSL: YAML syntax error'],
    ["version: '1.0'\na:\n  base: std.noop\n", "Invalid DSL: version must be '2.0'"],
    ["version: '2.0'\n", 'Invalid DSL: the definition holds no action'],
    ["version: '2.0'\n? [a, b]\n: {base: std.noop}\n", 'Invalid DSL: keys must be text'],
    ["version: '2.0'\na:\n  base: std.echo output=\"x\n", "'base':"],
    ["version: '2.0'\na:\n  base: std.noop\n  input: [x, x]\n", "'input' names x twice"],
    ["version: '2.0'\na:\n  base: std.noop\n  input: [{x: 1, y: 2}]\n", "'input' entries are names or one-key mappings"],
    ["version: '2.0'\na:\n  base: std.noop\n  tags: t\n", "'tags' must be a list of strings"],
    ["version: '2.0'\na:\n  base: std.noop\n  output: <% $. %>\n", "action 'a': output:"],
    ["version: '2.0'\na:\n  base: std.noop\n  base-input: {x: '<% 1'}\n", "base-input.x: '<%' is not closed by '%>'"],
  ])('refuses %j: %s', (text, message) => {
    const result = parseAdhocDefinition(text);
    expect(result.valid).toBe(false);
    expect(result.valid ? '' : result.error).toContain(message);
  });
});
