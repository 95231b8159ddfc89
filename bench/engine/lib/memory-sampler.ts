/**
 * Memory of a set of processes, read from /proc every ~50 ms.
 *
 * RSS (VmRSS of /proc/PID/status) counts every resident page, so summed over Mistral's forked
 * processes it counts the shared Python libraries several times; PSS (/proc/PID/smaps_rollup)
 * splits each shared page between the processes sharing it, so a PSS sum is the memory the group
 * really uses. Both are recorded; for Sirocco (one node process) the two are close.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface Memory {
  rssKb: number;
  pssKb: number;
}

function fieldKb(text: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined; // the process ended
  }
}

/** RSS and PSS of one process (0 when it is gone). */
export function processMemory(pid: number): Memory {
  const rssKb = fieldKb(readProc(pid, 'status') ?? '', 'VmRSS') ?? 0;
  const pssKb = fieldKb(readProc(pid, 'smaps_rollup') ?? '', 'Pss') ?? rssKb;
  return { rssKb, pssKb };
}

/** VmHWM: the kernel's own peak RSS of a process, a check on the sampled peak. */
export function peakRssKb(pid: number): number | undefined {
  return fieldKb(readProc(pid, 'status') ?? '', 'VmHWM');
}

/** The given processes and all their descendants (Mistral's API forks its worker). */
export function withDescendants(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(Number(entry), 'stat');
    if (!stat) continue;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const all = new Set<number>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (all.has(pid)) continue;
    all.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...all];
}

export function sumMemory(pids: number[]): Memory {
  return pids.map(processMemory).reduce((a, b) => ({ rssKb: a.rssKb + b.rssKb, pssKb: a.pssKb + b.pssKb }), { rssKb: 0, pssKb: 0 });
}

/** Samples the summed memory of a process group on a timer and keeps the peak and a window. */
export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private window: Memory[] = [];
  peak: Memory = { rssKb: 0, pssKb: 0 };
  samples = 0;

  constructor(
    private readonly pids: number[],
    private readonly intervalMs = 50,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Starts a new window of samples (e.g. the idle period); `windowMedian` summarises it. */
  resetWindow(): void {
    this.window = [];
  }

  windowMedian(): Memory {
    if (this.window.length === 0) return sumMemory(this.pids);
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    return { rssKb: median(this.window.map((m) => m.rssKb)), pssKb: median(this.window.map((m) => m.pssKb)) };
  }

  /** Only the peak from now on counts (the idle figure is taken before the work starts). */
  resetPeak(): void {
    this.peak = { rssKb: 0, pssKb: 0 };
  }

  private sample(): void {
    const now = sumMemory(this.pids);
    this.samples++;
    this.window.push(now);
    if (this.window.length > 10_000) this.window.shift();
    this.peak = { rssKb: Math.max(this.peak.rssKb, now.rssKb), pssKb: Math.max(this.peak.pssKb, now.pssKb) };
  }
}
