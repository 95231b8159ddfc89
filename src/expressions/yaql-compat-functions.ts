/**
 * Functions that give expressions converted from YAQL the meaning they had in Mistral (Python's
 * rules), where JSONata's own differ. Registered with the evaluator's scope-free functions.
 */
export class YaqlCompatError extends Error {}

/** Python truthiness: null, false, 0, '' and empty lists and objects are false (JSONata's `$boolean` differs on `[0]`). */
export function isPythonTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

export const yaqlCompatFunctions: Record<string, (...args: unknown[]) => unknown> = {
  /** `$truthy(x)`: YAQL's `not`, `and`, `or` and `where()` test values this way */
  truthy: (value: unknown): boolean => isPythonTruthy(value),
  /** `$len(x)`: characters of a string, items of a list, keys of an object (YAQL's len()) */
  len: (value: unknown): number => {
    if (typeof value === 'string') return [...value].length;
    if (Array.isArray(value)) return value.length;
    if (typeof value === 'object' && value !== null) return Object.keys(value).length;
    throw new YaqlCompatError('$len() expects a string, a list or an object');
  },
  /** `$int(x)`: YAQL's int(): null is 0, numbers truncate toward zero, numeric strings are read */
  int: (value: unknown): number => {
    if (value === null || value === undefined) return 0;
    const number = typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number === 'boolean') return number ? 1 : 0;
    if (typeof number !== 'number' || !Number.isFinite(number)) throw new YaqlCompatError('$int() expects a number or a string of digits');
    return Math.trunc(number);
  },
  /** `$list(a, b)`: a list of exactly these items (a JSONata `[a, b]` would splice items that are lists); nothing is null */
  list: (...items: unknown[]): unknown[] => items.map((item) => (item === undefined ? null : item)),
};
