import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { waitFor } from './wait-for';

const ROOT = path.resolve(__dirname, '../..');

/** The service run as a user runs it, in its own process (TypeScript sources, transpiled on load). */
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
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, SIROCCO_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
