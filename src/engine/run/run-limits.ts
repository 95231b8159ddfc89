/** Limits on what an expression computes at run time; a value over one fails the task saying which. */
export interface RunLimits {
  /** longest wait-before, wait-after, retry delay or timeout, in seconds (SIROCCO_MAX_DURATION_SECONDS) */
  maxDurationSeconds: number;
  /** most items of one with-items task (SIROCCO_MAX_WITH_ITEMS) */
  maxWithItems: number;
}

/** A rendered duration as seconds; NaN (no number) keeps meaning "no wait", as before. */
export function boundedSeconds(value: unknown, what: string, limits: RunLimits): number {
  const seconds = Number(value);
  if (seconds > limits.maxDurationSeconds) {
    throw new Error(`${what}: ${String(value)} seconds is more than the limit of ${limits.maxDurationSeconds} seconds (SIROCCO_MAX_DURATION_SECONDS)`);
  }
  return seconds;
}

export function checkWithItemsCount(count: number, limits: RunLimits): void {
  if (count > limits.maxWithItems) {
    throw new Error(`with-items: ${count} items is more than the limit of ${limits.maxWithItems} (SIROCCO_MAX_WITH_ITEMS)`);
  }
}
