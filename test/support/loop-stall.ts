/**
 * Watches the event loop with a 10 ms timer: `stop()` gives the largest lateness seen, i.e. how
 * long the loop was blocked at most while the watch ran (one more tick is awaited so that a block
 * at the very end is seen too). `stop()` may be called again: it gives the same figure.
 */
export function watchLoopStall(): { stop(): Promise<number> } {
  let stallMs = 0;
  let expected = Date.now() + 10;
  const timer = setInterval(() => {
    stallMs = Math.max(stallMs, Date.now() - expected);
    expected = Date.now() + 10;
  }, 10);
  let stopped: Promise<number> | undefined;
  const stop = async () => {
    await new Promise((resolve) => setTimeout(resolve, 15));
    clearInterval(timer);
    return Math.max(stallMs, Date.now() - expected - 10);
  };
  return { stop: () => (stopped ??= stop()) };
}
