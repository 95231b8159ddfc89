/** Reading the plain-object errors jsonata throws, without leaking the data they may quote. */

/** jsonata throws plain objects: `{code, position, token, value, ..., message}`. */
export interface JsonataError {
  code: string;
  message?: unknown;
  [insert: string]: unknown;
}

export function isJsonataError(error: unknown): error is JsonataError {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

const LIMIT_CODES = new Set(['D1011', 'D1012', 'D2014', 'D2015']);

/** An error that is not jsonata's own, or one of jsonata's limit errors. */
export function isLimitOrOurs(error: unknown): boolean {
  if (error === undefined || error === null) return false;
  return isJsonataError(error) ? LIMIT_CODES.has(error.code) : true;
}

export function positionOf(error: unknown): number | undefined {
  const position = typeof error === 'object' && error !== null ? (error as { position?: unknown }).position : undefined;
  return typeof position === 'number' ? position : undefined;
}

// Fields of jsonata's errors: `token` (an operator or function name), `index` and `type` come from
// the expression; `value`, `value2` and `exp` may be data from the context.
const EXPRESSION_INSERTS = new Set(['code', 'position', 'token', 'index', 'type', 'functionName', 'stack', 'message']);
const DATA_INSERTS = new Set(['value', 'value2', 'exp']);

/**
 * jsonata's message with the context's values it quotes replaced by `(value hidden)`. The message of
 * `$error()`/`$assert()` is kept only when it is one of the expression's own string literals.
 */
export function redactedMessage(error: JsonataError, literals: Set<string>): string {
  const generic = `evaluation failed (jsonata error ${error.code})`;
  if (error.code === 'D3137' || error.code === 'D3141') {
    const called = error.code === 'D3137' ? '$error()' : '$assert()';
    const message = typeof error.message === 'string' && literals.has(error.message) ? `: ${error.message}` : '';
    return `${called} raised an error${message}`;
  }
  if (typeof error.message !== 'string' || error.message === '') return generic;
  let message = error.message;
  for (const [key, value] of Object.entries(error)) {
    if (EXPRESSION_INSERTS.has(key)) continue;
    if (!DATA_INSERTS.has(key)) return generic; // an insert we do not know: say nothing of it
    let quoted: string | undefined;
    try {
      quoted = JSON.stringify(value);
    } catch {
      return generic;
    }
    if (quoted !== undefined && quoted !== '') message = message.split(quoted).join('(value hidden)');
  }
  return message;
}
