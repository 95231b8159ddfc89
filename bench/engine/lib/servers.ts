/**
 * The two systems under test, started the way an operator would: Sirocco as `node dist/main.js`
 * on a fresh database of the machine's PostgreSQL, Mistral through scripts/mistral-server.sh
 * (Debian's Mistral 15, its own processes, the same PostgreSQL).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOOP_STALL_PROBE } from './loop-stall';
import { withDescendants } from './memory-sampler';
import { databaseUrl, recreateDatabase } from './postgres';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

const CPU_CGROUP_ROOT = '/sys/fs/cgroup/cpu';

/**
 * BENCH_INSTANCE_CPU=<cores>, e.g. 0.4: the process gets at most that much CPU time (a cgroup v1
 * CFS quota of its own), as if each instance ran on a machine of that many cores. Lets a bench
 * on one small machine show whether replicas add throughput when each brings its own CPU.
 * The cgroup is removed when the process exits.
 */
function limitCpu(child: ChildProcess, cores: string | undefined): void {
  if (!cores) return;
  const share = Number(cores);
  if (!(share > 0)) throw new Error(`BENCH_INSTANCE_CPU must be a positive number of cores, not ${cores}`);
  if (!existsSync(path.join(CPU_CGROUP_ROOT, 'cgroup.procs'))) throw new Error(`BENCH_INSTANCE_CPU needs the cgroup v1 cpu controller at ${CPU_CGROUP_ROOT}`);
  const group = path.join(CPU_CGROUP_ROOT, `sirocco-bench-${child.pid}`);
  mkdirSync(group);
  const period = 100_000;
  writeFileSync(path.join(group, 'cpu.cfs_period_us'), String(period));
  writeFileSync(path.join(group, 'cpu.cfs_quota_us'), String(Math.round(share * period)));
  writeFileSync(path.join(group, 'cgroup.procs'), String(child.pid));
  child.once('exit', () => {
    try {
      rmdirSync(group);
    } catch {
      // a cgroup still holding a task cannot be removed; it is empty once the process is gone
    }
  });
}

export class SiroccoServer {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly logFile: string,
    /** where the preloaded probe writes the event-loop stall (see loop-stall.ts) */
    readonly loopStallFile: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  /** `npm run build` (skipped with BENCH_SKIP_BUILD=1), so the bench measures the current source. */
  static build(): void {
    const result = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
  }

  /**
   * `keepDatabase`: a further instance on the database of a running one (no fresh database).
   * `root`: another checkout's built dist/ (a before/after comparison); `env`: extra variables.
   */
  static async start(database: string, options: { keepDatabase?: boolean; root?: string; env?: Record<string, string> } = {}): Promise<SiroccoServer> {
    if (!options.keepDatabase) await recreateDatabase(database);
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sirocco-bench-'));
    const logFile = path.join(dataDir, 'sirocco.log');
    const log = createWriteStream(logFile);
    // node itself, not `npm start`: the PID sampled for RSS must be the service's own process
    const loopStallFile = path.join(dataDir, 'loop-stall.txt');
    // BENCH_NODE_ARGS: extra node options for Sirocco, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, '--require', LOOP_STALL_PROBE, 'dist/main.js'], {
      cwd: options.root ?? process.env.BENCH_ROOT ?? REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl(database),
        SIROCCO_PORT: String(port),
        SIROCCO_HOST: '127.0.0.1',
        SIROCCO_LOG_LEVEL: 'warn',
        SIROCCO_DATA_DIR: dataDir,
        BENCH_LOOP_STALL_FILE: loopStallFile,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    limitCpu(child, process.env.BENCH_INSTANCE_CPU);
    const server = new SiroccoServer(child, `http://127.0.0.1:${port}`, logFile, loopStallFile);
    const deadline = performance.now() + 90_000;
    while (!(await answers(`${server.url}/`))) {
      if (child.exitCode !== null) throw new Error(`Sirocco exited (${child.exitCode}) while starting; log ${logFile}:\n${server.logTail()}`);
      if (performance.now() > deadline) throw new Error(`Sirocco did not answer GET / within 90 s; log ${logFile}:\n${server.logTail()}`);
      await sleep(100);
    }
    return server;
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timeout = sleep(15_000).then(() => 'timeout' as const);
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}

const MISTRAL_SCRIPT = path.join(REPO_ROOT, 'scripts', 'mistral-server.sh');

export class MistralServer {
  private constructor(
    readonly url: string,
    /** true when the bench found Mistral running: it then leaves it running at the end */
    readonly wasRunning: boolean,
    /** seconds `mistral-server.sh start` took (install + configure + start), when the bench ran it */
    readonly setupSeconds: number | undefined,
  ) {}

  static readonly port = Number(process.env.MISTRAL_PORT || 8989);

  static async ensureRunning(): Promise<MistralServer> {
    const url = `http://127.0.0.1:${MistralServer.port}`;
    const running = spawnSync('bash', [MISTRAL_SCRIPT, 'status']).status === 0;
    if (running) return new MistralServer(url, true, undefined);
    console.log(`Mistral is not running: ${path.relative(REPO_ROOT, MISTRAL_SCRIPT)} start (installs it on first use, ~1-2 min)`);
    const t0 = performance.now();
    // async spawn: the progress lines show as they come
    const code = await new Promise<number | null>((resolve) => {
      spawn('bash', [MISTRAL_SCRIPT, 'start'], { stdio: ['ignore', 'inherit', 'inherit'] }).once('exit', resolve);
    });
    if (code !== 0) throw new Error(`${MISTRAL_SCRIPT} start failed (exit ${code}); see /var/log/mistral/`);
    return new MistralServer(url, false, (performance.now() - t0) / 1000);
  }

  /** Mistral's processes (api, engine, executor, notifier) and their forks (the API worker). */
  pids(): number[] {
    const out = spawnSync('bash', [MISTRAL_SCRIPT, 'pids'], { encoding: 'utf8' }).stdout;
    const roots = out.split('\n').filter(Boolean).map(Number);
    return withDescendants(roots);
  }

  async stop(): Promise<void> {
    if (this.wasRunning) return;
    spawnSync('bash', [MISTRAL_SCRIPT, 'stop'], { stdio: 'inherit' });
  }
}

/** RSS of RabbitMQ, which Mistral needs for its RPC: shown as a note, not added to Mistral's figure. */
export function rabbitmqPids(): number[] {
  const out = spawnSync('pgrep', ['-u', 'rabbitmq', '-f', 'beam.smp'], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter(Boolean).map(Number);
}

/** CPU time (user + system) the processes used so far, from /proc/PID/stat (clock ticks of 10 ms). */
export function cpuMilliseconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // a process that ended
    }
  }
  return ticks * 10;
}
