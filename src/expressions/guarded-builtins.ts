import jsonata from 'jsonata';
import { ExpressionLimitError, tooLarge } from './expression-functions';
import { scanJsonYielding } from './json-size';

type Implementation = (this: Focus, ...args: never[]) => unknown;

/** What jsonata passes a built-in as `this`. */
export interface Focus {
  createSequence(): unknown[];
  options?: { sequence?: number };
  /** `base` is the evaluation's frame; `guardrails()` throws D1012 past the time limit */
  environment: { base: { guardrails(): void; timestamp?: Date } };
}

interface Builtin {
  implementation: Implementation;
  signature: string;
}

/** Strings with no surrogate pair: one UTF-16 unit per character, so jsonata's code-point indexing is String's. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Replacements for jsonata built-ins that, unguarded, block the event loop inside one call (the
 * time limit is only checked between two nodes of the expression): `$pad` builds its padding
 * before anything can check its size, `$length`/`$substring` split the whole string into an array
 * of characters, `$sort` (without a comparator), `$distinct` and `$spread` are quadratic, `$join` and
 * `$string` can write far past the result limit. Same names, signatures and results; sizes are
 * checked before anything is built, against the evaluator's result limit.
 */
export function guardedBuiltins(maxResultBytes: number): Record<string, Builtin> {
  return {
    pad: {
      signature: '<s-ns?:s>',
      implementation(str: string | undefined, width: number, char?: string): string | undefined {
        if (str === undefined) return undefined;
        const fill = char === undefined || char.length === 0 ? ' ' : char;
        const target = Math.abs(Math.trunc(width));
        if (target > maxResultBytes) throw tooLarge('$pad', maxResultBytes);
        const padLength = target - codePoints(str);
        if (padLength <= 0) return str;
        let padding = fill.repeat(padLength);
        if (fill.length > 1) padding = substring(padding, 0, padLength);
        return width > 0 ? str + padding : padding + str;
      },
    },
    length: {
      signature: '<s-:n>',
      implementation: (str: string | undefined): number | undefined => (str === undefined ? undefined : codePoints(str)),
    },
    substring: {
      signature: '<s-nn?:s>',
      implementation: (str: string | undefined, start: number, length?: number): string | undefined =>
        str === undefined ? undefined : substring(str, start, length),
    },
    join: {
      signature: '<a<s>s?:s>',
      implementation(strs: string[] | undefined, separator?: string): string | undefined {
        if (strs === undefined) return undefined;
        const sep = separator ?? '';
        let size = Math.max(strs.length - 1, 0) * sep.length;
        for (const s of strs) {
          size += s.length;
          if (size > maxResultBytes) throw tooLarge('$join', maxResultBytes);
        }
        return strs.join(sep);
      },
    },
    string: {
      signature: '<x-b?:s>',
      async implementation(arg: unknown, prettify?: boolean): Promise<string | undefined> {
        if (typeof arg !== 'object' || arg === null) return (await original('string')).call(this, arg as never, prettify as never) as string | undefined;
        const scan = await scanJsonYielding(arg, maxResultBytes);
        if (scan.size > maxResultBytes) throw tooLarge('$string', maxResultBytes);
        if (!scan.functions && !scan.imprecise) {
          // what jsonata's replacer would give, natively: several times faster on a large value
          const value = Array.isArray(arg) && (arg as { outerWrapper?: boolean }).outerWrapper === true ? (arg[0] as unknown) : arg;
          return JSON.stringify(value, undefined, prettify === true ? 2 : 0);
        }
        return (await original('string')).call(this, arg as never, prettify as never) as string | undefined;
      },
    },
    sort: {
      signature: '<af?:a>',
      async implementation(arr: unknown[] | undefined, comparator?: unknown): Promise<unknown> {
        if (arr === undefined || arr.length <= 1 || comparator !== undefined || !sortable(arr)) {
          // a comparator function is evaluated node by node: the time limit applies between two calls
          return (await original('sort')).call(this, arr as never, comparator as never);
        }
        // jsonata's default order (stable, `a > b` swaps), without its quadratic merge
        return [...arr].sort((a, b) => ((a as number) > (b as number) ? 1 : (a as number) < (b as number) ? -1 : 0));
      },
    },
    spread: {
      signature: '<x-:a<o>>',
      implementation(arg: unknown): unknown {
        return spread(this, arg);
      },
    },
    ...pictureGuards(),
    keys: {
      signature: '<x-:a<s>>',
      implementation(arg: unknown): unknown {
        // jsonata's, without a sequence made per item of an array (100,000 objects took 0.2 s)
        const result = this.createSequence();
        const merged = Object.create(null) as Record<string, true>;
        const collect = (value: unknown): void => {
          if (Array.isArray(value)) for (const item of value) collect(item);
          else if (value !== null && typeof value === 'object' && !isFunctionValue(value)) for (const key of Object.keys(value)) merged[key] = true;
        };
        if (Array.isArray(arg)) collect(arg);
        else if (arg !== null && typeof arg === 'object' && !isFunctionValue(arg)) {
          for (const key of Object.keys(arg)) result.push(key);
          return result;
        }
        for (const key of Object.keys(merged)) result.push(key);
        return result;
      },
    },
    distinct: {
      signature: '<x:x>',
      implementation(arr: unknown): unknown {
        if (!Array.isArray(arr) || arr.length <= 1) return arr;
        const results = (arr as { sequence?: boolean }).sequence === true ? this.createSequence() : [];
        const seen = new Set<unknown>(); // primitives as they are, objects and arrays as canonical JSON
        for (const value of arr) {
          const key = typeof value === 'object' && value !== null ? canonicalKey(value) : value;
          if (seen.has(key)) continue;
          seen.add(key);
          results.push(value);
        }
        return results;
      },
    },
  };
}

/** Longest picture string of `$fromMillis` and co.: parsing one costs ~5 µs a character. */
export const MAX_PICTURE_LENGTH = 1000;

/** The date and number functions taking a picture, which they parse character by character (and `$now`). */
function pictureGuards(): Record<string, Builtin> {
  const functions: Array<[string, string, number]> = [
    // name, jsonata's signature, index of the picture argument
    ['fromMillis', '<n-s?s?:s>', 1],
    ['toMillis', '<s-s?:n>', 1],
    ['formatNumber', '<n-so?:s>', 1],
    ['formatInteger', '<n-s:s>', 1],
    ['parseInteger', '<s-s:n>', 1],
  ];
  const checkPicture = (name: string, picture: unknown): void => {
    if (typeof picture === 'string' && picture.length > MAX_PICTURE_LENGTH) {
      throw new ExpressionLimitError(`$${name}(): the picture is longer than ${MAX_PICTURE_LENGTH} characters`);
    }
  };
  const now: Builtin = {
    signature: '<s?s?:s>',
    // jsonata's `$now` is `$fromMillis` of the evaluation's timestamp
    async implementation(this: Focus, picture?: string, timezone?: string): Promise<unknown> {
      checkPicture('now', picture);
      const millis = (this.environment.base.timestamp ?? new Date()).getTime();
      return (await original('fromMillis')).call(this, millis as never, picture as never, timezone as never);
    },
  };
  return Object.fromEntries([
    ['now', now],
    ...functions.map(([name, signature, index]): [string, Builtin] => [
      name,
      {
        signature,
        async implementation(this: Focus, ...args: unknown[]): Promise<unknown> {
          checkPicture(name, args[index]);
          return (await original(name)).apply(this, args as never[]);
        },
      },
    ]),
  ]);
}

/** How many times the result limit the strings built by one evaluation may add up to. */
export const BUILT_BYTES_FACTOR = 64;

interface EvaluationFrame {
  builtBytes?: number;
}

/**
 * Fails when a string built by one node of an expression is larger than the result limit, or when
 * the strings one evaluation built add up to more than BUILT_BYTES_FACTOR times it (a map that
 * pads a million strings would fill the memory before the time limit). `evaluation` is jsonata's
 * per-evaluation frame (`environment.base`).
 */
export function checkStringSize(result: unknown, maxResultBytes: number, evaluation: EvaluationFrame): void {
  // `.length` of a concatenation is known without flattening it; a UTF-16 unit is at least one byte
  if (typeof result !== 'string') return;
  if (result.length > maxResultBytes) throw new ExpressionLimitError(`a string grows larger than ${maxResultBytes} bytes`);
  evaluation.builtBytes = (evaluation.builtBytes ?? 0) + result.length;
  if (evaluation.builtBytes > BUILT_BYTES_FACTOR * maxResultBytes) {
    throw new ExpressionLimitError(`the strings built add up to more than ${BUILT_BYTES_FACTOR * maxResultBytes} bytes`);
  }
}

/** jsonata's `$spread`, without its quadratic copy of the result per item. */
function spread(focus: Focus, arg: unknown): unknown {
  if (Array.isArray(arg)) {
    const empty = focus.createSequence();
    let result: unknown[] | undefined; // jsonata's concat makes a plain array once anything was appended
    const max = focus.options?.sequence ?? Infinity;
    for (const item of arg) {
      const spread_ = spread(focus, item);
      if (spread_ === undefined) continue;
      result ??= [];
      if (Array.isArray(spread_)) for (const one of spread_) result.push(one);
      else result.push(spread_);
      if (result.length > max) throw { code: 'D2015', stack: new Error().stack, value: result.length };
    }
    return result ?? empty;
  }
  if (arg !== null && typeof arg === 'object' && (arg as { _jsonata_lambda?: unknown })._jsonata_lambda !== true) {
    const result = focus.createSequence();
    for (const key of Object.keys(arg)) {
      const one = Object.create(null) as Record<string, unknown>;
      one[key] = (arg as Record<string, unknown>)[key];
      result.push(one);
    }
    return result;
  }
  return arg;
}

function isFunctionValue(value: object): boolean {
  const marked = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return marked._jsonata_lambda === true || marked._jsonata_function === true;
}

function codePoints(str: string): number {
  if (!SURROGATE.test(str)) return str.length;
  let count = 0;
  for (const _ of str) count++;
  return count;
}

/** jsonata's `$substring`: code-point indexes, a negative start counts from the end. */
function substring(str: string, start: number, length?: number): string {
  const chars: string | string[] = SURROGATE.test(str) ? Array.from(str) : str;
  const total = chars.length;
  const from = total + start < 0 ? 0 : start;
  if (length !== undefined) {
    if (length <= 0) return '';
    const end = from >= 0 ? from + length : total + from + length;
    return typeof chars === 'string' ? chars.slice(from, end) : chars.slice(from, end).join('');
  }
  return typeof chars === 'string' ? chars.slice(from) : chars.slice(from).join('');
}

function sortable(arr: unknown[]): boolean {
  const kind = typeof arr[0];
  if (kind !== 'number' && kind !== 'string') return false;
  return arr.every((item) => typeof item === kind);
}

/** Equal keys for values jsonata's deep equality calls equal: object keys in any order. */
function canonicalKey(value: object): string {
  return `json:${JSON.stringify(value, (_key, member: unknown) =>
    typeof member === 'object' && member !== null && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  )}`;
}

const originals = new Map<string, Promise<Implementation>>();

/** jsonata's own implementation of a built-in (read once from an expression that returns it). */
export function original(name: string): Promise<Implementation> {
  let found = originals.get(name);
  if (found === undefined) {
    found = jsonata(`$${name}`)
      .evaluate({})
      .then((fn: { implementation: Implementation }) => fn.implementation);
    originals.set(name, found);
  }
  return found;
}
