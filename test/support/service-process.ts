import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { buildOnce } from './sirocco-cli';
import { waitFor } from './wait-for';

const ROOT = path.resolve(__dirname, '../..');
/** What `npm start` runs: the built service (transpiling src/ at each start took four times as long). */
const MAIN = ['dist/main.js'];

function spawnService(env: NodeJS.ProcessEnv): ChildProcess {
  // a no-op when dist/ is up to date; see useBuiltService for building it outside a test's time limit
  buildOnce();
  return spawn(process.execPath, MAIN, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Builds dist/ before the tests of the calling describe block (only when the sources changed), so
 * that a build does not count against the time limit of the first test that starts the service.
 */
export function useBuiltService(): void {
  beforeAll(() => buildOnce(), 300_000);
}

/** The service run as a user runs it (`npm start`: the built dist/main.js), in its own process. */
export class ServiceProcess {
  private output = '';
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /**
   * Starts the service and waits until it serves (or fails; then it is killed, not left running).
   * On a loaded machine a start with the embedded PostgreSQL has taken over a minute.
   */
  static async start(env: Record<string, string>, timeoutMs = 120000): Promise<ServiceProcess> {
    const child = spawnService({ ...process.env, SIROCCO_LOG_LEVEL: 'info', ...env });
    const service = new ServiceProcess(child);
    try {
      await service.waitFor(/API on http/, timeoutMs);
    } catch (error) {
      await service.stop('SIGKILL');
      throw error;
    }
    return service;
  }

  /** Starts the service expecting it to refuse to start; returns its exit code and output. */
  static async startExpectingFailure(env: Record<string, string>, timeoutMs = 120000): Promise<{ code: number | null; output: string }> {
    const child = spawnService({ ...process.env, ...env });
    const service = new ServiceProcess(child);
    // a service that does not give up within the limit is stopped, and its output shown
    const limit = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await service.exited.finally(() => clearTimeout(limit));
    if (child.signalCode === 'SIGKILL') throw new Error(`service did not exit within ${timeoutMs} ms:\n${service.output}`);
    return { code, output: service.output };
  }

  get pid(): number {
    return this.child.pid!;
  }

  get log(): string {
    return this.output;
  }

  /** Whether the process still runs (it has not exited, whatever the reason). */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until the service prints `pattern`; fails at once if it exits first. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    const seen = await waitFor(`service printing ${pattern}`, () => (pattern.test(this.output) ? 'printed' : this.child.exitCode !== null ? 'exited' : undefined), {
      timeoutMs,
      intervalMs: 50,
    }).catch(() => 'timed out');
    if (seen === 'exited') throw new Error(`service exited (${this.child.exitCode}):\n${this.output}`);
    if (seen === 'timed out') throw new Error(`service did not print ${pattern} in time:\n${this.output}`);
  }

  /** Sends a signal and waits for the process to end; returns its exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}
