/**
 * Python's `str.format` for `$format(template, args...)`, which Mistral workflows use through YAQL:
 * positional `{0}` and automatic `{}` fields, `{{`/`}}` escapes, `.attr`/`[key]` accessors, `!s`/`!r`
 * conversions and the common format specs (`{0:>5}`, `{0:03d}`, `{0:,.2f}`, `{0:x}`...). Keyword
 * fields (`{name}`) are not supported: a JSONata call has no keyword arguments.
 *
 * Error messages name positions and argument numbers only, never the template text or an argument's
 * value, which may come from the workflow's context.
 */
export class FormatError extends Error {}

/** The text would grow past the caller's limit; checked before the text is built. */
export class FormatLimitError extends FormatError {}

/** How a value reads in text: strings as they are, undefined as nothing, anything else as JSON. */
export function textOf(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? '';
}

/** `maxLength`: the longest text (in UTF-16 units) the call may build, widths included. */
export function pythonFormat(template: string, args: readonly unknown[], maxLength = Infinity): string {
  return new Formatter(args, maxLength).format(template, 0, 0);
}

type Numbering = 'none' | 'automatic' | 'manual';

interface FormatSpec {
  fill: string;
  align?: '<' | '>' | '=' | '^';
  sign: '+' | '-' | ' ';
  alternate: boolean;
  zero: boolean;
  width: number;
  grouping?: ',' | '_';
  precision?: number;
  type?: string;
}

const SPEC = /^(?:([\s\S])?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

/** Replacement fields in one template: each costs ~1 µs, and a template may be a megabyte long. */
export const MAX_FORMAT_FIELDS = 10_000;

class Formatter {
  private numbering: Numbering = 'none';
  private nextIndex = 0;
  private fields = 0;

  constructor(
    private readonly args: readonly unknown[],
    private readonly maxLength: number,
  ) {}

  /** `depth` counts format specs around `template`: Python allows one level of nested fields (`{0:{1}}`). */
  format(template: string, depth: number, offset: number): string {
    let out = '';
    let literalStart = 0;
    let i = 0;
    while (i < template.length) {
      const char = template[i];
      if (char !== '{' && char !== '}') {
        i++;
        continue;
      }
      out += template.slice(literalStart, i);
      if (template[i + 1] === char) {
        out += char;
        i += 2;
      } else if (char === '}') {
        throw new FormatError(`single '}' at position ${offset + i} of the template`);
      } else {
        if (++this.fields > MAX_FORMAT_FIELDS) {
          throw new FormatLimitError(`the template has more than ${MAX_FORMAT_FIELDS} replacement fields`);
        }
        const end = closingBrace(template, i, offset);
        if (depth > 1) {
          throw new FormatError(`replacement fields nest too deeply at position ${offset + i} of the template`);
        }
        out += this.field(template.slice(i + 1, end), offset + i, depth);
        if (out.length > this.maxLength) throw new FormatLimitError(`the text grows longer than ${this.maxLength} characters`);
        i = end + 1;
      }
      literalStart = i;
    }
    return out + template.slice(literalStart);
  }

  private field(field: string, position: number, depth: number): string {
    const nameEnd = fieldNameEnd(field, position);
    const name = field.slice(0, nameEnd);
    let rest = field.slice(nameEnd);
    let conversion: string | undefined;
    if (rest.startsWith('!')) {
      conversion = rest[1];
      rest = rest.slice(2);
      if (conversion !== 's' && conversion !== 'r' && conversion !== 'a') {
        throw new FormatError(`unknown conversion in the field at position ${position} (use !s or !r)`);
      }
      if (rest !== '' && !rest.startsWith(':')) {
        throw new FormatError(`expected ':' after the conversion in the field at position ${position}`);
      }
    }
    let value = this.lookup(name, position); // before the spec's own fields, for automatic numbering
    const specOffset = position + 1 + field.length - rest.length + 1;
    const specText = rest.startsWith(':') ? this.format(rest.slice(1), depth + 1, specOffset) : '';
    if (conversion !== undefined) value = conversion === 's' ? textOf(value) : JSON.stringify(value ?? null);
    const spec = parseSpec(specText, position);
    if (spec.width > this.maxLength) {
      throw new FormatLimitError(`the width in the field at position ${position} is larger than ${this.maxLength} characters`);
    }
    return applySpec(value, spec, position);
  }

  private lookup(name: string, position: number): unknown {
    const accessorStart = name.search(/[.[]/);
    const argName = accessorStart < 0 ? name : name.slice(0, accessorStart);
    let value = this.args[this.argumentIndex(argName, position)];
    let accessors = accessorStart < 0 ? '' : name.slice(accessorStart);
    while (accessors !== '') {
      const match = /^(?:\.([^.[]+)|\[([^\]]+)\])/.exec(accessors);
      if (!match) throw new FormatError(`invalid field name at position ${position} of the template`);
      value = member(value, match[1] ?? match[2], position);
      accessors = accessors.slice(match[0].length);
    }
    return value;
  }

  private argumentIndex(argName: string, position: number): number {
    let index: number;
    if (argName === '') {
      if (this.numbering === 'manual') {
        throw new FormatError(`cannot switch from manual to automatic field numbering (position ${position})`);
      }
      this.numbering = 'automatic';
      index = this.nextIndex++;
    } else if (/^\d+$/.test(argName)) {
      if (this.numbering === 'automatic') {
        throw new FormatError(`cannot switch from automatic to manual field numbering (position ${position})`);
      }
      this.numbering = 'manual';
      index = Number(argName);
    } else {
      throw new FormatError(`named fields are not supported (position ${position}); use {0}, {1} or {}`);
    }
    if (index >= this.args.length) {
      throw new FormatError(
        `the field at position ${position} refers to argument ${index} but ${this.args.length} were given`,
      );
    }
    return index;
  }
}

function closingBrace(template: string, open: number, offset: number): number {
  let depth = 0;
  for (let i = open; i < template.length; i++) {
    if (template[i] === '{') depth++;
    else if (template[i] === '}' && --depth === 0) return i;
  }
  throw new FormatError(`unmatched '{' at position ${offset + open} of the template`);
}

/** The field name ends at the first `!` or `:` outside square brackets. */
function fieldNameEnd(field: string, position: number): number {
  for (let i = 0; i < field.length; i++) {
    if (field[i] === '[') {
      i = field.indexOf(']', i);
      if (i < 0) throw new FormatError(`missing ']' in the field at position ${position}`);
    } else if (field[i] === '!' || field[i] === ':') {
      return i;
    }
  }
  return field.length;
}

function member(value: unknown, key: string, position: number): unknown {
  if (Array.isArray(value) && /^\d+$/.test(key) && Number(key) < value.length) return value[Number(key)];
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, key)) {
    return (value as Record<string, unknown>)[key];
  }
  throw new FormatError(`the field at position ${position} names a key or index its argument does not have`);
}

function parseSpec(text: string, position: number): FormatSpec {
  const match = SPEC.exec(text);
  if (!match) throw new FormatError(`invalid format spec in the field at position ${position}`);
  const [, fill, align, sign, alternate, zero, width, grouping, precision, type] = match;
  return {
    fill: fill ?? (zero && !align ? '0' : ' '),
    align: (align ?? (zero ? '=' : undefined)) as FormatSpec['align'],
    sign: (sign ?? '-') as FormatSpec['sign'],
    alternate: alternate !== undefined,
    zero: zero !== undefined,
    width: width === undefined ? 0 : Number(width),
    grouping: grouping as FormatSpec['grouping'],
    precision: precision === undefined ? undefined : Number(precision),
    type,
  };
}

function applySpec(value: unknown, spec: FormatSpec, position: number): string {
  if (typeof value === 'number') return formatNumber(value, spec, position);
  if (spec.type !== undefined && spec.type !== 's') {
    throw new FormatError(`format code '${spec.type}' needs a number (field at position ${position})`);
  }
  if (spec.align === '=' && !spec.zero) {
    throw new FormatError(`'=' alignment needs a number (field at position ${position})`);
  }
  if (spec.sign !== '-' || spec.grouping !== undefined || spec.alternate) {
    throw new FormatError(`sign, '#' and grouping need a number (field at position ${position})`);
  }
  let text = textOf(value);
  if (spec.precision !== undefined) text = text.slice(0, spec.precision);
  return pad('', text, spec.width, spec.fill, spec.align === '=' ? '<' : (spec.align ?? '<'));
}

function formatNumber(value: number, spec: FormatSpec, position: number): string {
  const type = spec.type ?? '';
  if (type === 's') throw new FormatError(`format code 's' needs a string (field at position ${position})`);
  if ('bcdoxXn'.includes(type) && type !== '' && !Number.isInteger(value)) {
    throw new FormatError(`format code '${type}' needs an integer (field at position ${position})`);
  }
  const negative = value < 0;
  const magnitude = Math.abs(value);
  let digits: string;
  let prefix = '';
  switch (type) {
    case 'b':
    case 'o':
    case 'x':
    case 'X':
      digits = magnitude.toString({ b: 2, o: 8, x: 16, X: 16 }[type]);
      if (type === 'X') digits = digits.toUpperCase();
      if (spec.alternate) prefix = `0${type}`;
      break;
    case 'c':
      return pad('', String.fromCodePoint(value), spec.width, spec.fill, spec.align ?? '<');
    case 'd':
    case 'n':
      digits = String(magnitude);
      break;
    case 'f':
    case 'F':
      digits = finite(magnitude, type) ?? magnitude.toFixed(spec.precision ?? 6);
      break;
    case 'e':
    case 'E':
      digits = finite(magnitude, type) ?? exponential(magnitude, spec.precision ?? 6);
      if (type === 'E') digits = digits.toUpperCase();
      break;
    case '%':
      digits = finite(magnitude, 'f') ?? `${(magnitude * 100).toFixed(spec.precision ?? 6)}`;
      digits += '%';
      break;
    case 'g':
    case 'G':
      digits = finite(magnitude, type) ?? general(magnitude, spec.precision ?? 6);
      if (type === 'G') digits = digits.toUpperCase();
      break;
    default:
      digits =
        spec.precision === undefined
          ? (finite(magnitude, 'g') ?? String(magnitude))
          : (finite(magnitude, 'g') ?? general(magnitude, spec.precision));
  }
  if (spec.grouping !== undefined) digits = group(digits, spec.grouping);
  const sign = negative ? '-' : spec.sign === '-' ? '' : spec.sign;
  return pad(sign + prefix, digits, spec.width, spec.fill, spec.align ?? '>');
}

function finite(magnitude: number, type: string): string | undefined {
  if (Number.isFinite(magnitude)) return undefined;
  const text = Number.isNaN(magnitude) ? 'nan' : 'inf';
  return type === type.toUpperCase() && type !== '%' ? text.toUpperCase() : text;
}

/** Python writes at least two exponent digits: `1.5e+03`, not `1.5e+3`. */
function exponential(magnitude: number, precision: number): string {
  return magnitude.toExponential(precision).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Python's `g`: `precision` significant digits, exponent form outside 1e-4..1e`precision`, no trailing zeros. */
function general(magnitude: number, precision: number): string {
  const significant = Math.max(precision, 1);
  if (magnitude === 0) return '0';
  const exponent = Number(magnitude.toExponential(significant - 1).split('e')[1]);
  const text =
    exponent < -4 || exponent >= significant
      ? exponential(magnitude, significant - 1)
      : magnitude.toFixed(Math.max(significant - 1 - exponent, 0));
  return text.replace(/\.0*(?=e|$)|(\.\d*?)0+(?=e|$)/, '$1');
}

function group(digits: string, separator: string): string {
  const match = /^(\d+)(.*)$/s.exec(digits);
  if (!match) return digits;
  return match[1].replace(/\B(?=(\d{3})+$)/g, separator) + match[2];
}

function pad(sign: string, body: string, width: number, fill: string, align: '<' | '>' | '=' | '^'): string {
  const missing = width - sign.length - body.length;
  if (missing <= 0) return sign + body;
  const filler = (count: number): string => fill.repeat(count);
  switch (align) {
    case '<':
      return sign + body + filler(missing);
    case '^':
      return filler(Math.floor(missing / 2)) + sign + body + filler(missing - Math.floor(missing / 2));
    case '=':
      return sign + filler(missing) + body;
    default:
      return filler(missing) + sign + body;
  }
}
