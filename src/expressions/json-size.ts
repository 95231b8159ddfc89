/** What scanJson found out about a value, as jsonata would write it as JSON. */
export interface JsonScan {
  /** a lower bound of its size as compact JSON, in characters; past the cap, the scan stopped */
  size: number;
  /** it holds a function (jsonata writes `""`, the evaluator refuses it) */
  functions: boolean;
  /** it holds a number that jsonata's `$string` writes rounded to 15 digits */
  imprecise: boolean;
}

/**
 * A lower bound of the size of `value` as compact JSON, in characters, counted without building the
 * text and stopping as soon as it passes `cap` (so the work is bounded by `cap`, whatever the value:
 * a million references to one long string cost as little as the first few). Iterative: deep nesting
 * cannot overflow the stack.
 */
export function jsonSizeAtLeast(value: unknown, cap: number): number {
  return scanJson(value, cap).size;
}

/**
 * jsonSizeAtLeast, and whether JSON.stringify needs a replacer for the value: most need none, and
 * JSON.stringify without one is several times faster. Primitives are counted in place, only objects
 * and arrays go through the stack: 100,000 small objects take a few milliseconds.
 */
export function scanJson(value: unknown, cap: number): JsonScan {
  const state = startScan(value);
  while (!scanSome(state, cap, Infinity));
  return state.scan;
}

/** How long scanJsonYielding counts before it lets the event loop run. */
const YIELD_AFTER_MS = 20;

/**
 * scanJson for the functions that may take a large value (`$string`, `$json_dump`): it lets the
 * event loop run every YIELD_AFTER_MS, since counting a value near the 1 MiB limit takes tens of
 * milliseconds on a busy machine.
 */
export async function scanJsonYielding(value: unknown, cap: number): Promise<JsonScan> {
  const state = startScan(value);
  for (;;) {
    const until = Date.now() + YIELD_AFTER_MS;
    while (Date.now() < until) if (scanSome(state, cap, 2000)) return state.scan;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface ScanState {
  scan: JsonScan;
  pending: unknown[];
}

function startScan(value: unknown): ScanState {
  return { scan: { size: 0, functions: false, imprecise: false }, pending: [value] };
}

/** Counts up to `budget` objects and arrays; true when the scan is over (all counted, or past `cap`). */
function scanSome(state: ScanState, cap: number, budget: number): boolean {
  const { scan, pending } = state;
  for (let done = 0; done < budget; done++) {
    if (pending.length === 0 || scan.size > cap) return true;
    const item = pending.pop();
    if (typeof item !== 'object' || item === null || isFunction(item)) {
      count(scan, item);
    } else if (Array.isArray(item)) {
      scan.size += 1 + item.length; // brackets and commas
      for (let i = item.length - 1; i >= 0 && scan.size <= cap; i--) {
        const member: unknown = item[i];
        if (typeof member === 'object' && member !== null) pending.push(member);
        else count(scan, member);
      }
    } else {
      scan.size += 1;
      // for-in, not Object.keys: no array per object (several times faster over 100,000 small objects)
      for (const key in item) {
        if (!Object.hasOwn(item, key)) continue;
        scan.size += key.length + 4; // quotes, colon, comma
        const member = (item as Record<string, unknown>)[key];
        if (typeof member === 'object' && member !== null) pending.push(member);
        else count(scan, member);
        if (scan.size > cap) break;
      }
    }
  }
  return pending.length === 0 || scan.size > cap;
}

function count(scan: JsonScan, item: unknown): void {
  if (typeof item === 'string') scan.size += item.length + 2;
  else if (typeof item === 'number') {
    scan.size += item < 10 && item >= 0 ? 1 : 2;
    // 16 characters hold at most 15 digits, which toPrecision(15) keeps; String() is much faster than it
    if (!Number.isInteger(item) && Number.isFinite(item) && String(item).length > 16 && Number(item.toPrecision(15)) !== item) {
      scan.imprecise = true;
    }
  } else if (typeof item === 'boolean') scan.size += item ? 4 : 5;
  else if (item === null) scan.size += 4;
  else if (isFunction(item)) {
    scan.size += 1; // not JSON: the writer refuses it
    scan.functions = true;
  } else if (typeof item === 'bigint') scan.functions = true; // not JSON either
}

/** A JS function or a jsonata function value (`isJsonataFunction`, here without the import cycle). */
function isFunction(value: unknown): boolean {
  if (typeof value === 'function') return true;
  const marked = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown } | null;
  return typeof value === 'object' && value !== null && (marked!._jsonata_lambda === true || marked!._jsonata_function === true);
}
