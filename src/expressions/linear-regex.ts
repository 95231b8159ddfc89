import { RE2JS } from 're2js';

/**
 * A regular expression that can no longer be compiled by the linear-time engine (lookaround,
 * backreferences). The message names the construct, taken from the expression's own regex literal.
 */
export class UnsupportedRegexError extends Error {}

/** A regex's matches went on past the time limit (jsonata loops over them in one synchronous call). */
export class RegexTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super('regex timeout');
  }
}

/** A LinearRegex class whose matching stops after `timeoutMs` (jsonata wants a class, not an instance). */
export function linearRegexWithin(timeoutMs: number): typeof LinearRegex {
  return class extends LinearRegex {
    static override timeoutMs = timeoutMs;
  };
}

const CACHE_SIZE = 500;
const compiled = new Map<string, RE2JS>();

/**
 * What jsonata's `RegexEngine` option expects (a `RegExp`-like class with `lastIndex` and `exec`),
 * backed by RE2JS: matching is linear in the input, so `/^(a+)+$/` cannot backtrack for seconds.
 * jsonata builds one per evaluation of a regex literal and passes the literal's `RegExp`.
 */
export class LinearRegex {
  /** How long the matches of one regex literal's evaluation may take in all (a million matches do). */
  static timeoutMs = Infinity;
  lastIndex = 0;
  private readonly startedAt = Date.now();
  private calls = 0;
  private readonly re: RE2JS;
  private matcher?: ReturnType<RE2JS['matcher']>;
  private text?: string;

  constructor(source: RegExp) {
    this.re = compile(source);
  }

  exec(text: string): RegExpExecArray | null {
    // one matcher per text: making one reads the whole text, and jsonata calls exec once per match
    if (this.matcher === undefined || this.text !== text) {
      this.matcher = this.re.matcher(text);
      this.text = text;
    }
    const matcher = this.matcher;
    const timeoutMs = (this.constructor as typeof LinearRegex).timeoutMs;
    if (++this.calls % 256 === 0 && Date.now() - this.startedAt > timeoutMs) throw new RegexTimeout(timeoutMs);
    if (this.lastIndex > text.length || !matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: Array<string | undefined> = [];
    for (let group = 0; group <= matcher.groupCount(); group++) groups.push(matcher.group(group) ?? undefined);
    const match = groups as unknown as RegExpExecArray;
    match.index = matcher.start();
    match.input = text;
    this.lastIndex = matcher.end();
    return match;
  }
}

function compile(source: RegExp): RE2JS {
  const key = `${source.flags}/${source.source}`;
  let re = compiled.get(key);
  if (re !== undefined) {
    compiled.delete(key); // re-inserted last: Map order is the LRU order
  } else {
    let flags = 0;
    if (source.flags.includes('i')) flags |= RE2JS.CASE_INSENSITIVE;
    if (source.flags.includes('m')) flags |= RE2JS.MULTILINE;
    if (source.flags.includes('s')) flags |= RE2JS.DOTALL;
    try {
      re = RE2JS.compile(RE2JS.translateRegExp(source.source), flags);
    } catch (error) {
      const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : 'invalid';
      throw new UnsupportedRegexError(
        `the regular expression is not supported (${detail}); regexes run on a linear-time engine (RE2) ` +
          'without lookaround or backreferences',
      );
    }
    if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
  }
  compiled.set(key, re);
  return re;
}
