import jsonata from 'jsonata';

/** One piece of a templated string: literal text or the body of a `<% ... %>` expression. */
export interface TemplatePart {
  kind: 'text' | 'expression';
  /** literal text, or the expression source between the delimiters (trimmed) */
  text: string;
  /** offset of the part in the original string (for an expression: of its `<%`) */
  offset: number;
}

export class ExpressionSyntaxError extends Error {
  constructor(
    readonly expression: string,
    readonly reason: string,
    /** character offset inside the expression, when jsonata reports one */
    readonly position?: number,
  ) {
    super(`invalid expression <% ${expression} %>: ${reason}`);
  }
}

const OPEN = '<%';
const CLOSE = '%>';

/** Splits a string into literal text and `<% ... %>` expressions; an unclosed `<%` is literal text. */
export function splitTemplate(value: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  while (cursor < value.length) {
    const open = value.indexOf(OPEN, cursor);
    const close = open < 0 ? -1 : value.indexOf(CLOSE, open + OPEN.length);
    if (open < 0 || close < 0) {
      parts.push({ kind: 'text', text: value.slice(cursor), offset: cursor });
      break;
    }
    if (open > cursor) parts.push({ kind: 'text', text: value.slice(cursor, open), offset: cursor });
    parts.push({ kind: 'expression', text: value.slice(open + OPEN.length, close).trim(), offset: open });
    cursor = close + CLOSE.length;
  }
  return parts;
}

/** The expression source when the whole string (surrounding blanks aside) is one `<% ... %>`, else null. */
export function singleExpression(value: string): string | null {
  const parts = splitTemplate(value.trim());
  return parts.length === 1 && parts[0].kind === 'expression' ? parts[0].text : null;
}

export function containsExpression(value: string): boolean {
  return splitTemplate(value).some((part) => part.kind === 'expression');
}

/** Every expression source found in a string. */
export function expressionsIn(value: string): string[] {
  return splitTemplate(value)
    .filter((part) => part.kind === 'expression')
    .map((part) => part.text);
}

/**
 * `$task(create_image)` with a bare task name, as Mistral's `task(create_image)` is written, means
 * the task of that name; in plain JSONata the bare name would read a field of the context (and, being
 * absent, silently give the current task). Quoting bare names keeps ported definitions right.
 */
export function quoteBareTaskNames(source: string): string {
  return source.replace(/\$task\(\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\)/g, "$task('$1')");
}

/** Compiles one JSONata expression; throws ExpressionSyntaxError with jsonata's reason. */
export function compileExpression(source: string): jsonata.Expression {
  if (source.length === 0) throw new ExpressionSyntaxError(source, 'empty expression');
  try {
    return jsonata(quoteBareTaskNames(source));
  } catch (error) {
    const details = error as { message?: string; position?: number };
    throw new ExpressionSyntaxError(source, details.message ?? String(error), details.position);
  }
}
