import { ExpressionLimitError } from './expression-functions';
import { original, type Focus } from './guarded-builtins';

/** What jsonata's regex literal evaluates to: a matcher with one match and a `next` for the following. */
type Matcher = (str: string) => MatchResult | undefined | Promise<MatchResult | undefined>;
interface MatchResult {
  match: string;
  start: number;
  end: number;
  groups: string[];
  next: () => MatchResult | undefined | Promise<MatchResult | undefined>;
}

/** How often (in matches or pieces) the clock is read. */
const CHECK_EVERY = 128;
/** How long one call may keep the event loop before it lets other work run. */
const YIELD_AFTER_MS = 20;

/**
 * `$match`, `$split`, `$replace` and `$contains` whose loops over matches cannot block the event loop:
 * jsonata runs them to the end inside one call, 100,000 RE2 matches take most of a second. A match
 * past the sequence cap fails at once, the time limit is checked every CHECK_EVERY matches, and the
 * loop yields to the event loop every YIELD_AFTER_MS. Splitting and replacing a string (not a regex)
 * are bounded the same way. Same names, signatures and results as jsonata's.
 */
export function guardedMatching(maxResultBytes: number): Record<string, { implementation: unknown; signature: string }> {
  return {
    match: {
      signature: '<s-f<s:o>n?:a<o>>',
      async implementation(this: Focus, str: string | undefined, regex: Matcher, limit?: number): Promise<unknown> {
        const cap = uncapped(limit, this);
        const guarded = guard(this, regex, (count) => {
          if (count > cap) throw sequenceTooLong(cap);
        });
        return (await original('match')).call(this, str as never, guarded as never, limit as never);
      },
    },
    contains: {
      signature: '<s-(sf):b>',
      async implementation(this: Focus, str: string | undefined, token: string | Matcher): Promise<unknown> {
        const guarded = typeof token === 'function' ? guard(this, token, () => undefined) : token;
        return (await original('contains')).call(this, str as never, guarded as never);
      },
    },
    split: {
      signature: '<s-(sf)n?:a<s>>',
      async implementation(this: Focus, str: string | undefined, separator: string | Matcher, limit?: number): Promise<unknown> {
        if (str === undefined || (limit !== undefined && limit < 0)) {
          return (await original('split')).call(this, str as never, separator as never, limit as never);
        }
        const cap = sequenceCap(this);
        if (typeof separator === 'string') {
          // native and fast, but a million pieces still take a while: never build more than cap + 1
          const pieces = str.split(separator, Math.min(limit ?? Infinity, cap + 1));
          if (pieces.length > cap) throw sequenceTooLong(cap);
          return pieces;
        }
        const matchCap = uncapped(limit, this);
        const guarded = guard(this, separator, (count) => {
          if (count >= matchCap) throw sequenceTooLong(cap); // count matches make count + 1 pieces
        });
        return (await original('split')).call(this, str as never, guarded as never, limit as never);
      },
    },
    replace: {
      signature: '<s-(sf)(sf)n?:s>',
      async implementation(
        this: Focus,
        str: string | undefined,
        pattern: string | Matcher,
        replacement: unknown,
        limit?: number,
      ): Promise<unknown> {
        const replace = await original('replace');
        if (str === undefined || pattern === '' || (limit !== undefined && limit < 0)) {
          return replace.call(this, str as never, pattern as never, replacement as never, limit as never);
        }
        if (typeof pattern === 'string') {
          if (typeof replacement !== 'string') {
            return replace.call(this, str as never, pattern as never, replacement as never, limit as never);
          }
          return replaceText(this, str, pattern, replacement, limit, maxResultBytes);
        }
        const cap = uncapped(limit, this);
        const guarded = guard(this, pattern, (count) => {
          if (count > cap) throw new ExpressionLimitError(`$replace(): the pattern matches more than ${cap} times`);
        });
        return replace.call(this, str as never, guarded as never, replacement as never, limit as never);
      },
    },
  };
}

/**
 * The matcher, counting its matches: `onMatch(count)` may refuse one, the time limit is checked
 * every CHECK_EVERY matches, and the next match is given as a promise (jsonata awaits it) after a
 * turn of the event loop when the call has run YIELD_AFTER_MS since the last one.
 */
function guard(focus: Focus, matcher: Matcher, onMatch: (count: number) => void): Matcher {
  let count = 0;
  let lastYield = Date.now();
  const step = (found: MatchResult | undefined): MatchResult | undefined => {
    if (found === undefined) return undefined;
    onMatch(++count);
    const next = found.next;
    found.next = () => {
      if (count % CHECK_EVERY !== 0) return step(next() as MatchResult | undefined);
      focus.environment.base.guardrails(); // jsonata's time limit (D1012)
      if (Date.now() - lastYield < YIELD_AFTER_MS) return step(next() as MatchResult | undefined);
      return turn().then(() => {
        lastYield = Date.now();
        return step(next() as MatchResult | undefined);
      });
    };
    return found;
  };
  return (str: string) => {
    const first = matcher(str);
    return first instanceof Promise ? first.then(step) : step(first);
  };
}

/** jsonata's `$replace` of a string by a string (no `$n` groups there), bounded in size and time. */
async function replaceText(
  focus: Focus,
  str: string,
  pattern: string,
  replacement: string,
  limit: number | undefined,
  maxResultBytes: number,
): Promise<string> {
  const chunks: string[] = [];
  let parts: string[] = [];
  let size = 0;
  let position = 0;
  let count = 0;
  let lastYield = Date.now();
  for (let index = str.indexOf(pattern); index !== -1 && (limit === undefined || count < limit); index = str.indexOf(pattern, position)) {
    parts.push(str.substring(position, index), replacement);
    size += index - position + replacement.length;
    if (size > maxResultBytes) throw new ExpressionLimitError(`a string grows larger than ${maxResultBytes} bytes`);
    position = index + pattern.length;
    if (++count % CHECK_EVERY !== 0) continue;
    chunks.push(parts.join('')); // a million small parts would make one long join at the end
    parts = [];
    focus.environment.base.guardrails();
    if (Date.now() - lastYield >= YIELD_AFTER_MS) {
      await turn();
      lastYield = Date.now();
    }
  }
  chunks.push(parts.join(''), str.substring(position));
  return chunks.join('');
}

function sequenceCap(focus: Focus): number {
  return focus.options?.sequence ?? Infinity;
}

/** The cap on matches, unless the call's own `limit` is within it (jsonata then looks one match past it). */
function uncapped(limit: number | undefined, focus: Focus): number {
  const cap = sequenceCap(focus);
  return limit !== undefined && limit <= cap ? Infinity : cap;
}

/** jsonata's own error for a sequence past its `sequence` option, explained by the evaluator. */
function sequenceTooLong(cap: number): object {
  return { code: 'D2015', stack: new Error().stack, value: cap };
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
