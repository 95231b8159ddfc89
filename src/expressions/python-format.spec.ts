import { FormatError, pythonFormat, textOf } from './python-format';

describe('pythonFormat', () => {
  it.each<[string, unknown[], string]>([
    ['{0} and {1}', ['a', 'b'], 'a and b'],
    ['{1}{0}{1}', ['a', 'b'], 'bab'],
    ['{} then {}', [1, 2], '1 then 2'],
    ['{{literal}} {} }}{{', ['x'], '{literal} x }{'],
    ['no fields', [], 'no fields'],
    ['{0.name} in {0[zone]} #{1[1]}', [{ name: 'vm', zone: 'az1' }, [7, 8]], 'vm in az1 #8'],
    ['{!r} {!s} {}', ['x', 'y', null], '"x" y null'],
    ['{} {} {}', [{ a: 1 }, [1, 'b'], true], '{"a":1} [1,"b"] true'],
    ['[{}]', [undefined], '[]'],
  ])('%s', (template, args, expected) => {
    expect(pythonFormat(template, args)).toBe(expected);
  });

  // expected values produced by CPython's str.format
  it.each<[string, unknown[], string]>([
    ['{0:>5}', [42], '   42'],
    ['{0:03d}', [7], '007'],
    ['{:,.2f}', [1234567.891], '1,234,567.89'],
    ['{:x}', [255], 'ff'],
    ['{:#X}', [255], '0XFF'],
    ['{:#b}', [5], '0b101'],
    ['{:o}', [8], '10'],
    ['{:c}', [65], 'A'],
    ['{:e}', [12345.678], '1.234568e+04'],
    ['{:.1%}', [0.256], '25.6%'],
    ['{:^7}', ['ab'], '  ab   '],
    ['{:*^8}', ['ab'], '***ab***'],
    ['{:=+6}', [42], '+   42'],
    ['{:+d}', [5], '+5'],
    ['{: d}', [5], ' 5'],
    ['{:g}', [0.00001], '1e-05'],
    ['{:g}', [1234567], '1.23457e+06'],
    ['{:g}', [100], '100'],
    ['{:g}', [1.5], '1.5'],
    ['{:.3g}', [3.14159], '3.14'],
    ['{:.2}', [3.14159], '3.1'],
    ['{:05}', [-42], '-0042'],
    ['{:08.3f}', [-3.14159], '-003.142'],
    ['{:_d}', [1234567], '1_234_567'],
    ['{:.3}', ['abcdef'], 'abc'],
    ['{:05}', ['ab'], 'ab000'],
    ['{0:{1}}', [3.5, '>8'], '     3.5'],
    ['{:{}}|', ['ab', 4], 'ab  |'],
  ])('%s with %j gives what Python gives', (template, args, expected) => {
    expect(pythonFormat(template, args)).toBe(expected);
  });

  it.each<[string, unknown[], RegExp]>([
    ['a } b', [], /single '}' at position 2/],
    ['a { b', [], /unmatched '{' at position 2/],
    ['{0} {1}', ['x'], /position 4 refers to argument 1 but 1 were given/],
    ['{}', [], /argument 0 but 0 were given/],
    ['{} {0}', [1], /cannot switch from automatic to manual/],
    ['{0} {}', [1], /cannot switch from manual to automatic/],
    ['{name}', [1], /named fields are not supported/],
    ['{0:d}', ['text'], /format code 'd' needs a number/],
    ['{0:d}', [1.5], /format code 'd' needs an integer/],
    ['{0:s}', [1], /format code 's' needs a string/],
    ['{0:q}', [1], /invalid format spec/],
    ['{0!x}', [1], /unknown conversion/],
    ['{0.missing}', [{}], /names a key or index its argument does not have/],
    ['{0:{1:{2}}}', [1, 2, 3], /nest too deeply/],
  ])('rejects %s', (template, args, reason) => {
    expect(() => pythonFormat(template, args)).toThrow(FormatError);
    expect(() => pythonFormat(template, args)).toThrow(reason);
  });

  it('never quotes the template or an argument in its errors', () => {
    expect(() => pythonFormat('hunter2 {0.hunter2}', [{ other: 'hunter2' }])).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});

describe('textOf', () => {
  it('writes strings as they are, nothing as empty and the rest as JSON', () => {
    expect([textOf('a'), textOf(undefined), textOf(null), textOf(1.5), textOf(false), textOf({ a: [1] })]).toEqual([
      'a',
      '',
      'null',
      '1.5',
      'false',
      '{"a":[1]}',
    ]);
  });
});
