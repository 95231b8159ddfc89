/**
 * A lower bound of the size of `value` as compact JSON, in characters, counted without building the
 * text and stopping as soon as it passes `cap` (so the work is bounded by `cap`, whatever the value:
 * a million references to one long string cost as little as the first few). Iterative: deep nesting
 * cannot overflow the stack.
 */
export function jsonSizeAtLeast(value: unknown, cap: number): number {
  let size = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && size <= cap) {
    const item = pending.pop();
    if (typeof item === 'string') size += item.length + 2;
    else if (typeof item === 'number') size += item < 10 && item >= 0 ? 1 : 2;
    else if (typeof item === 'boolean') size += item ? 4 : 5;
    else if (item === null) size += 4;
    else if (isFunction(item)) size += 1; // not JSON: the writer refuses it
    else if (Array.isArray(item)) {
      size += 1 + item.length; // brackets and commas
      for (let i = item.length - 1; i >= 0 && pending.length <= cap; i--) pending.push(item[i]);
    } else if (typeof item === 'object') {
      size += 1;
      for (const [key, member] of Object.entries(item)) {
        size += key.length + 4; // quotes, colon, comma
        pending.push(member);
        if (size > cap) break;
      }
    }
  }
  return size;
}

/** A JS function or a jsonata function value (`isJsonataFunction`, here without the import cycle). */
function isFunction(value: unknown): boolean {
  if (typeof value === 'function') return true;
  const marked = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown } | null;
  return typeof value === 'object' && value !== null && (marked!._jsonata_lambda === true || marked!._jsonata_function === true);
}
