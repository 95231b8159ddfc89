import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The preload that measures a 10 ms timer's lateness in the process it is loaded into. */
export const LOOP_STALL_PROBE = path.join(__dirname, 'loop-stall-probe.js');

/** Max lateness (ms) of the probe's 10 ms timer between two instants (epoch ms), from its file. */
export function maxLoopStallMs(file: string, from: number, to: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let worst: number | undefined;
  for (const line of text.split('\n')) {
    const [at, stall] = line.split(' ').map(Number);
    // a line covers the ~100 ms before its instant
    if (!Number.isFinite(at) || at < from || at - 100 > to) continue;
    worst = Math.max(worst ?? 0, stall);
  }
  return worst;
}
