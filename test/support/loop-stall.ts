import { cpuUsage } from 'node:process';

/** CPU time this process used so far, in ms (all its threads). */
export const cpuMs = (): number => {
  const usage = cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/**
 * Watches the event loop with a 10 ms timer: `stop()` gives the longest time the loop was held at
 * most while the watch ran (one more tick is awaited so that a block at the very end is seen too).
 * A gap between two ticks counts as blocked only for as long as the process also used the CPU:
 * a tick that comes late because another process had the core (a loaded machine) is not this
 * process's stall, and a worker thread busy while the loop ticks on time is not one either.
 * `stop()` may be called again: it gives the same figure.
 */
export function watchLoopStall(): { stop(): Promise<number> } {
  let stallMs = 0;
  let lastTick = Date.now();
  let lastCpu = cpuMs();
  const tick = () => {
    const now = Date.now();
    const cpu = cpuMs();
    const lateMs = now - lastTick - 10;
    stallMs = Math.max(stallMs, Math.min(lateMs, cpu - lastCpu));
    lastTick = now;
    lastCpu = cpu;
  };
  const timer = setInterval(tick, 10);
  let stopped: Promise<number> | undefined;
  const stop = async () => {
    await new Promise((resolve) => setTimeout(resolve, 15));
    clearInterval(timer);
    tick();
    return Math.max(0, stallMs);
  };
  return { stop: () => (stopped ??= stop()) };
}

/**
 * How long `work` kept this process busy: its wall time, but no more than the CPU the process used
 * meanwhile, so a wait for a core that another process held (a loaded machine) is not counted.
 */
export async function busyMs(work: () => Promise<unknown>): Promise<number> {
  const sent = Date.now();
  const cpuBefore = cpuMs();
  await work();
  return Math.min(Date.now() - sent, cpuMs() - cpuBefore);
}
