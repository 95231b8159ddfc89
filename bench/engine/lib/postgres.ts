/**
 * The machine's PostgreSQL, which both systems keep their state in: scratch databases, commit
 * counters, an optional pg_stat_activity sampler, and pgbench for the machine's commit rate.
 * Only databases the bench creates itself are ever dropped (names are fixed, see run.ts).
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

export const ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres' };

export function databaseUrl(database: string): string {
  return `postgres://${ADMIN.user}@${ADMIN.host}:${ADMIN.port}/${database}`;
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...ADMIN, database: 'postgres' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function checkName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name '${name}'`);
  return name;
}

export async function recreateDatabase(name: string): Promise<void> {
  await withAdmin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${checkName(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${checkName(name)}`);
  });
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${checkName(name)} WITH (FORCE)`));
}

export async function serverSettings(): Promise<Record<string, string>> {
  return withAdmin(async (client) => {
    const { rows } = await client.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'synchronous_commit', 'fsync', 'wal_sync_method', 'max_connections', 'shared_buffers')`,
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  });
}

export interface DatabaseCounters {
  /** committed transactions, read-only ones included (pg_stat_database.xact_commit) */
  commits: number;
  /** rows inserted + updated + deleted */
  rowsWritten: number;
  /** when they were read (performance.now()) */
  at: number;
}

/**
 * Work counters of one database so far. Backends publish their counters at most once a second,
 * and a backend that goes idle right after a burst only ~10 s later (PostgreSQL 15's
 * PGSTAT_IDLE_INTERVAL): callers let STATS_PUBLISH_DELAY_MS pass before reading a figure that
 * must include a finished burst.
 */
export async function databaseCounters(database: string): Promise<DatabaseCounters> {
  return withAdmin(async (client) => {
    const { rows } = await client.query<{ commits: string; written: string }>(
      `SELECT xact_commit::text AS commits, (tup_inserted + tup_updated + tup_deleted)::text AS written
         FROM pg_stat_database WHERE datname = $1`,
      [database],
    );
    return { commits: Number(rows[0]?.commits ?? 0), rowsWritten: Number(rows[0]?.written ?? 0), at: performance.now() };
  });
}

export const STATS_PUBLISH_DELAY_MS = 11_000;

/**
 * Counts, every 100 ms, what the backends of one database are doing (state + wait event, and the
 * start of the query when active): a cheap profile of where an engine spends its database time.
 */
export class ActivitySampler {
  private client: Client | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  readonly counts = new Map<string, number>();
  samples = 0;

  constructor(private readonly database: string) {}

  async start(): Promise<void> {
    this.client = new Client({ ...ADMIN, database: 'postgres' });
    await this.client.connect();
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running && this.client) {
      const { rows } = await this.client.query<{ what: string }>(
        `SELECT state || coalesce(' / ' || wait_event_type || ':' || wait_event, '') ||
                CASE WHEN state = 'active' THEN ' / ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 70) ELSE '' END AS what
           FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [this.database],
      );
      this.samples++;
      for (const { what } of rows) this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
      await sleep(100);
    }
  }

  /** The most frequent observations, as "share of samples: what" lines. */
  async stop(top = 8): Promise<string[]> {
    this.running = false;
    await this.loop;
    await this.client?.end();
    const total = Math.max(this.samples, 1);
    return [...this.counts.entries()]
      .filter(([what]) => !what.startsWith('idle') || what.includes('in transaction'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([what, n]) => `${(n / total).toFixed(2).padStart(5)} backends avg  ${what}`);
  }
}

export interface PgbenchResult {
  clients: number;
  threads: number;
  seconds: number;
  tps: number;
}

function ensurePgbench(): void {
  if (spawnSync('pgbench', ['--version']).status === 0) return;
  // Debian ships pgbench in postgresql-client-NN (postgresql-contrib depends on it).
  console.log('pgbench is missing: apt-get install postgresql-client');
  const install = spawnSync('bash', ['-c', 'apt-get -o DPkg::Lock::Timeout=600 -y install --no-install-recommends postgresql-client >/dev/null'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (install.status !== 0) throw new Error('could not install pgbench (apt-get install postgresql-client failed)');
}

function pgbench(args: string[]): string {
  const result = spawnSync('pgbench', ['-h', ADMIN.host, '-p', String(ADMIN.port), '-U', ADMIN.user, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pgbench ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/**
 * The machine's write-transaction rate: pgbench's "simple update" script (-N: 3 UPDATE/INSERT
 * statements and one commit per transaction) on a scratch database, with 4 clients and with one.
 * An engine that commits once per task cannot go faster than this, whatever its code does.
 */
export async function measureCommitRate(database: string, seconds: number): Promise<PgbenchResult[]> {
  ensurePgbench();
  await recreateDatabase(database);
  try {
    pgbench(['-i', '-s', '1', '-q', database]);
    const results: PgbenchResult[] = [];
    for (const [clients, threads] of [
      [4, 2],
      [1, 1],
    ]) {
      const out = pgbench(['-c', String(clients), '-j', String(threads), '-T', String(seconds), '-N', database]);
      const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
      if (!tps) throw new Error(`cannot read tps from pgbench output:\n${out}`);
      results.push({ clients, threads, seconds, tps: Number(tps[1]) });
    }
    return results;
  } finally {
    await dropDatabase(database);
  }
}

/**
 * The commit rate beside a bench's own figures (BENCH_SKIP_PGBENCH=1: none): pgbench -N for
 * 10 s with 4 clients, then 1, on a scratch database named after BENCH_DB_PREFIX.
 */
export async function printCommitRate(): Promise<void> {
  if (process.env.BENCH_SKIP_PGBENCH === '1') return;
  const rates = await measureCommitRate(`${process.env.BENCH_DB_PREFIX ?? ''}bench_pgbench`, 10);
  console.log(`machine PostgreSQL commit rate (pgbench -N, 10 s): ${rates.map((p) => `${p.clients} client(s) ${p.tps.toFixed(0)} tps`).join('; ')}`);
}
