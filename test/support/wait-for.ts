export interface WaitOptions {
  /** Give up after this long (default 15 s). */
  timeoutMs?: number;
  /** How long to wait between two looks (default 25 ms). */
  intervalMs?: number;
}

/**
 * Looks again and again until `probe` gives a value (anything but undefined, null or false), or
 * fails after `timeoutMs` naming `what` and the last error the probe threw. The one polling helper
 * of the tests: a test waits on what a user would see, never for a fixed time.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? `: last error ${lastError.message}` : '';
      throw new Error(`${what}: not within ${timeoutMs} ms${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
