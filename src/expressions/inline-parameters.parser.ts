import { parseDocument } from 'yaml';
import { containsExpression } from './expression-syntax';

/*
 * Mistral's one-line parameters: `std.echo output="Hi <% $.name %>" n=5 wait=true`, also used by
 * engine commands (`fail msg='...'`) and the one-line retry (`count=5 delay=10`).
 * A value is a quoted string (kept as written between the quotes, no escapes, as Mistral does), a
 * `<% %>` expression (blanks and quotes allowed inside), a [list] or {mapping} in JSON/YAML flow
 * form, or a bare word: true, false, null, a number, else a string.
 */

export interface InlineParameter {
  name: string;
  value: unknown;
  /** offset of the name in the text given to the parser */
  offset: number;
}

export interface InlineProblem {
  offset: number;
  message: string;
}

export interface InlineParameters {
  parameters: InlineParameter[];
  problems: InlineProblem[];
}

export interface CommandLine extends InlineParameters {
  /** the first word, e.g. the action name */
  command: string;
  commandOffset: number;
}

export interface InlineOptions {
  /** `fail(msg="x", other=1)`: commas separate parameters too */
  commaSeparated?: boolean;
}

const NAME = /^[A-Za-z0-9_-]+/;
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const BLANK = /\s/;
const EXPRESSION_OPEN = '<%';
const EXPRESSION_CLOSE = '%>';

/** `name k=v ...`: the first word and the parameters after it. */
export function parseCommandLine(text: string): CommandLine {
  const commandOffset = text.length - text.trimStart().length;
  const command = /^\S*/.exec(text.slice(commandOffset))?.[0] ?? '';
  const restOffset = commandOffset + command.length;
  const { parameters, problems } = parseInlineParameters(text.slice(restOffset), restOffset);
  return { command, commandOffset, parameters, problems };
}

/** Parses `k=v k2=v2`; offsets in the result are `base` + the position in `text`. */
export function parseInlineParameters(text: string, base = 0, options: InlineOptions = {}): InlineParameters {
  const parameters: InlineParameter[] = [];
  const problems: InlineProblem[] = [];
  const seen = new Set<string>();
  const isSeparator = (char: string): boolean => BLANK.test(char) || (options.commaSeparated === true && char === ',');
  const scan: ScanContext = { text, lastClose: text.lastIndexOf(EXPRESSION_CLOSE), isSeparator };
  let cursor = 0;
  for (;;) {
    while (cursor < text.length && isSeparator(text[cursor])) cursor++;
    if (cursor >= text.length) break;
    const name = NAME.exec(text.slice(cursor))?.[0];
    if (!name || text[cursor + name.length] !== '=') {
      const end = scanBare(scan, cursor).end;
      problems.push({
        offset: base + cursor,
        message: `expected a parameter like name=value, found '${text.slice(cursor, Math.max(end, cursor + 1))}'`,
      });
      cursor = Math.max(end, cursor + 1);
      continue;
    }
    const nameOffset = cursor;
    cursor += name.length + 1;
    if (cursor >= text.length || isSeparator(text[cursor])) {
      problems.push({ offset: base + nameOffset, message: `parameter '${name}' has no value` });
      continue;
    }
    const scanned = scanValue(scan, cursor);
    if (scanned.problem) problems.push({ offset: base + cursor, message: `parameter '${name}': ${scanned.problem}` });
    cursor = scanned.end;
    if (seen.has(name)) {
      problems.push({ offset: base + nameOffset, message: `parameter '${name}' is given twice` });
      continue;
    }
    seen.add(name);
    if (!scanned.problem) parameters.push({ name, value: scanned.value, offset: base + nameOffset });
  }
  return { parameters, problems };
}

interface ScanContext {
  text: string;
  /** the last `%>` of the text: no expression can open after it */
  lastClose: number;
  isSeparator: (char: string) => boolean;
}

/**
 * When a `<% %>` expression starts at `at`, the offset just after its `%>`, else -1 (an opening
 * with no `%>` after it is plain text). Checking lastClose first keeps a text full of `<%`
 * linear instead of quadratic.
 */
function expressionEnd(scan: ScanContext, at: number): number {
  const { text } = scan;
  if (!text.startsWith(EXPRESSION_OPEN, at)) return -1;
  const from = at + EXPRESSION_OPEN.length;
  if (scan.lastClose < from) return -1;
  const close = text.indexOf(EXPRESSION_CLOSE, from);
  return close < 0 ? -1 : close + EXPRESSION_CLOSE.length;
}

interface ScannedValue {
  value: unknown;
  end: number;
  problem?: string;
}

function scanValue(scan: ScanContext, start: number): ScannedValue {
  const { text, isSeparator } = scan;
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    const close = findClosingQuote(scan, start + 1, quote);
    if (close < 0) return { value: undefined, end: text.length, problem: `missing closing ${quote}` };
    const end = close + 1;
    if (end < text.length && !isSeparator(text[end])) {
      return { value: undefined, end: scanBare(scan, end).end, problem: `unexpected text after the closing ${quote}` };
    }
    return { value: text.slice(start + 1, close), end };
  }
  const bare = scanBare(scan, start);
  if (bare.problem) return { value: undefined, end: bare.end, problem: bare.problem };
  const raw = text.slice(start, bare.end);
  const interpreted = interpretBare(raw);
  return { ...interpreted, end: bare.end };
}

/** The closing quote, skipping quotes inside `<% %>` expressions. */
function findClosingQuote(scan: ScanContext, from: number, quote: string): number {
  const { text } = scan;
  let cursor = from;
  while (cursor < text.length) {
    const close = expressionEnd(scan, cursor);
    if (close >= 0) {
      cursor = close;
      continue;
    }
    if (text[cursor] === quote) return cursor;
    cursor++;
  }
  return -1;
}

/** A run of text up to a separator outside `<% %>`, brackets and quotes inside brackets. */
function scanBare(scan: ScanContext, start: number): { end: number; problem?: string } {
  const { text, isSeparator } = scan;
  const open: string[] = [];
  let cursor = start;
  while (cursor < text.length) {
    const char = text[cursor];
    const close = expressionEnd(scan, cursor);
    if (close >= 0) {
      cursor = close;
      continue;
    }
    if (open.length === 0 && isSeparator(char)) break;
    if (open.length > 0 && (char === '"' || char === "'")) {
      const closingQuote = findClosingQuote(scan, cursor + 1, char);
      cursor = closingQuote < 0 ? text.length : closingQuote + 1;
      continue;
    }
    if (char === '[' || char === '{') open.push(char === '[' ? ']' : '}');
    else if ((char === ']' || char === '}') && open[open.length - 1] === char) open.pop();
    cursor++;
  }
  if (open.length > 0) return { end: cursor, problem: `missing closing '${open[open.length - 1]}'` };
  return { end: cursor };
}

function interpretBare(raw: string): { value: unknown; problem?: string } {
  if (containsExpression(raw)) return { value: raw };
  if (raw.startsWith('[') || raw.startsWith('{')) {
    const invalid = { value: undefined, problem: `'${raw}' is not a valid ${raw.startsWith('[') ? 'list' : 'mapping'}` };
    const document = parseDocument(raw, { prettyErrors: false });
    if (document.errors.length > 0) return invalid;
    try {
      return { value: document.toJS({ maxAliasCount: 0 }) as unknown };
    } catch {
      return invalid;
    }
  }
  if (raw === 'true') return { value: true };
  if (raw === 'false') return { value: false };
  if (raw === 'null') return { value: null };
  if (NUMBER.test(raw)) return { value: Number(raw) };
  return { value: raw };
}
