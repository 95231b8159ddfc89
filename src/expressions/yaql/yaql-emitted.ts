import { YaqlConversionError } from './yaql-ast';

/** What the converter knows of a value's type: enough to pick JSONata's operator of the same meaning. */
export type YaqlType = 'boolean' | 'integer' | 'float' | 'number' | 'string' | 'list' | 'dict' | 'datetime' | 'regex' | 'null' | 'unknown';

/** Precedence of the JSONata text, to add parentheses only where they are needed. */
export const PRECEDENCE = { ternary: 1, or: 2, and: 3, compare: 4, add: 5, multiply: 6, unary: 7, atom: 9 } as const;

/** One converted sub-expression. */
export interface Emitted {
  text: string;
  type: YaqlType;
  precedence: number;
  /** true when it can never be JSONata's "nothing" (undefined), which YAQL knows as null */
  defined: boolean;
  /** a datetime: JSONata text of its milliseconds since the epoch */
  millis?: string;
  /** a regex(): the pattern, as JSONata regex literal text */
  regex?: string;
}

export function emitted(text: string, type: YaqlType, precedence: number = PRECEDENCE.atom, defined = true): Emitted {
  return { text, type, precedence, defined };
}

/** The text, in parentheses when its precedence is below `minimum`. */
export function operand(value: Emitted, minimum: number): string {
  return value.precedence >= minimum ? value.text : `(${value.text})`;
}

/**
 * The text to put a `[n]` or `.name` after: `$`, `$.x` or `$item.x` as it is, anything else in
 * parentheses: `[a][0].b` would not read as meant, and in `$.a.b[0]` the index would apply to
 * each `b` rather than to the list of them.
 */
export function indexable(value: Emitted): string {
  return /^\$[A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\.`[^`]*`)?$/.test(value.text) ? value.text : `(${value.text})`;
}

/** The value with nothing (undefined) read as null, as YAQL reads a missing key. */
export function nullable(value: Emitted): string {
  return value.defined ? operand(value, PRECEDENCE.atom) : `(${value.text} ?? null)`;
}

export function isNumeric(type: YaqlType): boolean {
  return type === 'integer' || type === 'float' || type === 'number';
}

/** JSONata's truth test of a value with Python's rules (the `$boolean` of JSONata differs). */
export function truthTest(value: Emitted): string {
  return value.type === 'boolean' && value.defined ? value.text : `$truthy(${value.text})`;
}

export function stringLiteral(value: string): string {
  return JSON.stringify(value);
}

const RESERVED = new Set(['and', 'or', 'in', 'true', 'false', 'null', 'function']);

/** A field name as a JSONata path step. */
export function fieldName(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name)) return name;
  if (name.includes('`')) return `$lookup($, ${stringLiteral(name)})`;
  return `\`${name}\``;
}

/** A JSONata regex literal of a Python pattern; refuses the Python-only syntax. */
export function regexLiteral(pattern: string, at: number): string {
  if (/\(\?P[<=]|\(\?#|\\[AZ]|\(\?[aiLmsux]+\)/.test(pattern)) {
    throw new YaqlConversionError('the pattern uses Python-only regular expression syntax', at);
  }
  if (/[\n\r]/.test(pattern)) throw new YaqlConversionError('a pattern with a line break is not converted', at);
  return `/${pattern.replace(/\\\//g, '/').replace(/\//g, '\\/')}/`;
}
