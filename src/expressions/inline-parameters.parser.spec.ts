import { parseCommandLine, parseInlineParameters } from './inline-parameters.parser';

function valuesOf(text: string): Record<string, unknown> {
  const { parameters, problems } = parseInlineParameters(text);
  expect(problems).toEqual([]);
  return Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.value]));
}

describe('parseInlineParameters', () => {
  it('reads quoted strings as written, without escapes', () => {
    expect(valuesOf(`a="x y" b='it is' c="C:\\tmp" d=""`)).toEqual({ a: 'x y', b: 'it is', c: 'C:\\tmp', d: '' });
  });

  it('reads expressions with blanks and quotes inside, alone or in text', () => {
    expect(valuesOf(`a=<% $.x = "a b" %> b="<% $join(["x", 'y'], " ") %>!" c=<% $.p %>-<% $.q %>`)).toEqual({
      a: '<% $.x = "a b" %>',
      b: `<% $join(["x", 'y'], " ") %>!`,
      c: '<% $.p %>-<% $.q %>',
    });
  });

  it('reads bare words as JSON scalars, else strings', () => {
    expect(valuesOf('n=5 f=-1.5e2 t=true no=false z=null word=ACTIVE dotted=a.b')).toEqual({
      n: 5,
      f: -150,
      t: true,
      no: false,
      z: null,
      word: 'ACTIVE',
      dotted: 'a.b',
    });
  });

  it('reads lists and mappings, with blanks inside', () => {
    expect(valuesOf('l=[1, "two", [3]] m={"a": 1, b: [x, y]}')).toEqual({ l: [1, 'two', [3]], m: { a: 1, b: ['x', 'y'] } });
  });

  it('separates by commas in the function form', () => {
    const { parameters, problems } = parseInlineParameters('msg="a, b", code=3', 0, { commaSeparated: true });
    expect(problems).toEqual([]);
    expect(parameters).toEqual([
      { name: 'msg', value: 'a, b', offset: 0 },
      { name: 'code', value: 3, offset: 12 },
    ]);
  });

  it.each([
    ['a="open', 2, "parameter 'a': missing closing \""],
    ['a=', 0, "parameter 'a' has no value"],
    ['a=1 a=2', 4, "parameter 'a' is given twice"],
    ['a=1 junk b=2', 4, "expected a parameter like name=value, found 'junk'"],
    ['l=[1, 2', 2, "parameter 'l': missing closing ']'"],
    ['l=[1,,]]', 2, "parameter 'l': '[1,,]]' is not a valid list"],
    [`a='x'y`, 2, "parameter 'a': unexpected text after the closing '"],
  ])('reports %j at offset %i', (text, offset, message) => {
    expect(parseInlineParameters(text, 0).problems).toContainEqual({ offset, message });
  });

  it('adds the base offset', () => {
    expect(parseInlineParameters(' junk', 10).problems).toEqual([
      { offset: 11, message: "expected a parameter like name=value, found 'junk'" },
    ]);
  });
});

describe('parseCommandLine', () => {
  it('splits the command from its parameters, with offsets in the whole line', () => {
    expect(parseCommandLine('  std.echo output=<% $.x %>')).toEqual({
      command: 'std.echo',
      commandOffset: 2,
      parameters: [{ name: 'output', value: '<% $.x %>', offset: 11 }],
      problems: [],
    });
  });

  it('reads a command alone', () => {
    expect(parseCommandLine('std.noop')).toMatchObject({ command: 'std.noop', parameters: [], problems: [] });
  });
});
