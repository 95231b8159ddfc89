import { setTimeout as sleep } from 'node:timers/promises';

/** Node's timers hold at most 2^31-1 ms (24.8 days); a longer delay fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits `ms` milliseconds, however long, in timer-sized steps; rejects when `signal` aborts. */
export async function sleepLong(ms: number, signal?: AbortSignal): Promise<void> {
  const end = Date.now() + ms;
  for (let left = ms; left > 0; left = end - Date.now()) {
    await sleep(Math.min(left, MAX_TIMER_MS), undefined, { signal });
  }
}
