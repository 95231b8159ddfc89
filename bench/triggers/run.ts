/**
 * Cron trigger benchmark: 1,000 triggers due in the same second. How long after the due instant
 * the last of their executions exists (RUNNING) and when all are SUCCESS, for Sirocco with
 * 100,000 further triggers stored (not due), and for the real Mistral 15 side by side (the same
 * 1,000 one-shot triggers, created through its API as its own bench did). `npm run bench:triggers`.
 *
 * Options (environment): BENCH_TRIGGERS (1000), BENCH_STORED (100000), BENCH_INSTANCES (1: Sirocco
 * processes on the one database), BENCH_CREATE_SQL=1 (Sirocco's due triggers inserted with SQL), BENCH_DUE_SECOND=1 (with BENCH_CREATE_SQL: due at a whole second, not minute), BENCH_SKIP_MISTRAL=1, BENCH_SKIP_BUILD=1, BENCH_POLL_MS (200), BENCH_RUNS (1; the median is shown),
 * BENCH_WARMUP (0: with BENCH_CREATE_SQL=1, that many triggers fire first so the instances are warm),
 * BENCH_SKIP_PGBENCH=1 (no commit-rate measurement first),
 * BENCH_INSTANCE_CPU (cores of CPU time each Sirocco instance may use, e.g. 0.4; a cgroup quota).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { WorkflowApi } from '../engine/lib/http-client';
import { databaseUrl, printCommitRate } from '../engine/lib/postgres';
import { median, printTable, ratio, seconds, type Row } from '../engine/lib/report';
import { cpuMilliseconds, MistralServer, SiroccoServer } from '../engine/lib/servers';

const env = process.env;
const options = {
  triggers: Number(env.BENCH_TRIGGERS || 1000),
  stored: Number(env.BENCH_STORED || 100000),
  instances: Number(env.BENCH_INSTANCES || 1),
  createSql: env.BENCH_CREATE_SQL === '1',
  skipMistral: env.BENCH_SKIP_MISTRAL === '1',
  skipBuild: env.BENCH_SKIP_BUILD === '1',
  pollMs: Number(env.BENCH_POLL_MS || 200),
  /** BENCH_DUE_SECOND=1 (with BENCH_CREATE_SQL=1): due at the next whole second at least 20 s away, not the next whole minute */
  dueSecond: env.BENCH_DUE_SECOND === '1',
  /** Sirocco runs (each on a fresh database); the table shows the median */
  runs: Number(env.BENCH_RUNS || 1),
  /** BENCH_WARMUP (0): triggers fired before the measured burst (see warmUp) */
  warmup: Number(env.BENCH_WARMUP || 0),
};
const WORKFLOW = readFileSync(path.join(__dirname, 'workflows', 'cron_noop.yaml'), 'utf8');
const DATABASE = `${process.env.BENCH_DB_PREFIX ?? ''}sirocco_bench_triggers`;

interface Outcome {
  /** seconds from the due instant until the last execution existed (negative: before it) */
  lastCreated: number;
  firstCreated: number;
  allSucceeded: number;
  created: number;
}

/** "YYYY-MM-DD HH:MM" of the next minute at least `lead` seconds away: Mistral's first-time format. */
function dueMinute(leadSeconds: number): Date {
  if (options.dueSecond && options.createSql) return new Date(Math.ceil((Date.now() + leadSeconds * 1000) / 1000) * 1000);
  const due = new Date(Date.now() + leadSeconds * 1000);
  due.setUTCSeconds(0, 0);
  due.setUTCMinutes(due.getUTCMinutes() + 1);
  return due;
}
const mistralTime = (date: Date) => date.toISOString().slice(0, 16).replace('T', ' ');

async function post(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

/** Creates the due triggers through the API, 8 at a time (as Mistral's own bench did with xargs -P 8). */
async function createTriggers(baseUrl: string, prefix: string, due: Date): Promise<number> {
  const started = performance.now();
  let next = 0;
  const failures: Array<{ status: number; text: string }> = [];
  const worker = async () => {
    while (next < options.triggers) {
      const index = next++;
      const answer = await post(`${baseUrl}/cron_triggers`, {
        name: `${prefix}_${index}`,
        workflow_name: 'bench_cron_noop',
        first_execution_time: mistralTime(due),
        workflow_input: '{}',
        // Mistral refuses a second trigger identical to an existing one: vary the params
        workflow_params: { env: { k: index } },
      });
      if (answer.status !== 201) failures.push(answer);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  if (failures.length > 0) throw new Error(`${failures.length} trigger creations failed (e.g. HTTP ${failures[0].status}: ${failures[0].text.slice(0, 300)})`);
  return (performance.now() - started) / 1000;
}

/** Polls the executions list (the same call for both systems) until all exist and succeeded. */
async function watch(baseUrl: string, due: Date): Promise<Outcome> {
  const createdAt = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`);
  const filter = `workflow_name=bench_cron_noop&created_at=gte:${encodeURIComponent(mistralTime(new Date(due.getTime() - 120_000)))}:00&limit=5000&fields=state,created_at`;
  let lastCreated = Number.NaN;
  for (const deadline = Date.now() + 900_000; Date.now() < deadline; await sleep(options.pollMs)) {
    const response = await fetch(`${baseUrl}/executions?${filter}`, { headers: { Accept: 'application/json' } });
    const executions = ((await response.json()) as { executions: Array<{ state: string; created_at: string }> }).executions;
    if (executions.length >= options.triggers && Number.isNaN(lastCreated)) lastCreated = (Date.now() - due.getTime()) / 1000;
    if (executions.length >= options.triggers && executions.every((execution) => execution.state === 'SUCCESS')) {
      const times = executions.map((execution) => createdAt(execution.created_at));
      return {
        // created_at has whole seconds; the poll instant bounds it from above
        lastCreated: Math.min(lastCreated, (Math.max(...times) + 1000 - due.getTime()) / 1000),
        firstCreated: (Math.min(...times) - due.getTime()) / 1000,
        allSucceeded: (Date.now() - due.getTime()) / 1000,
        created: executions.length,
      };
    }
  }
  throw new Error('the executions did not all succeed within 15 minutes');
}

/**
 * Above 5,000 triggers (the API's page limit) Sirocco's executions are watched in its database
 * instead: the same figures, from created_at in milliseconds.
 */
async function watchDatabase(due: Date): Promise<Outcome> {
  const db = new Client({ connectionString: databaseUrl(DATABASE) });
  await db.connect();
  try {
    for (const deadline = Date.now() + 900_000; Date.now() < deadline; await sleep(options.pollMs)) {
      const { rows } = await db.query(
        `SELECT count(*)::int AS created, count(*) FILTER (WHERE state = 'SUCCESS')::int AS succeeded,
                extract(epoch FROM min(created_at)) * 1000 AS first, extract(epoch FROM max(created_at)) * 1000 AS last
           FROM workflow_executions WHERE workflow_name = 'bench_cron_noop' AND created_at >= $1`,
        [new Date(due.getTime() - 120_000)],
      );
      const row = rows[0] as { created: number; succeeded: number; first: string; last: string };
      if (row.created >= options.triggers && row.succeeded >= options.triggers) {
        return {
          lastCreated: (Number(row.last) - due.getTime()) / 1000,
          firstCreated: (Number(row.first) - due.getTime()) / 1000,
          allSucceeded: (Date.now() - due.getTime()) / 1000,
          created: row.created,
        };
      }
    }
  } finally {
    await db.end();
  }
  throw new Error('the executions did not all succeed within 15 minutes');
}

/** 100,000 triggers that are not due: Sirocco's firing loop must not pay for them. */
async function storeIdleTriggers(): Promise<number> {
  const started = performance.now();
  const db = new Client({ connectionString: databaseUrl(DATABASE) });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO cron_triggers (id, name, project_id, workflow_id, workflow_name, pattern, timezone,
                                  next_execution_time, next_fire_at, created_at)
       SELECT gen_random_uuid(), 'stored_' || i, '<default-project>', wf.id, wf.name, '0 5 * * *', 'Europe/Zurich',
              date_trunc('day', now()) + interval '1 day 4 hours', date_trunc('day', now()) + interval '1 day 4 hours' + (i % 600) * interval '1 second', now()
         FROM generate_series(1, $1) AS i, (SELECT id, name FROM workflow_definitions WHERE name = 'bench_cron_noop') AS wf`,
      [options.stored],
    );
    await db.query('ANALYZE cron_triggers');
  } finally {
    await db.end();
  }
  return (performance.now() - started) / 1000;
}

/**
 * CPU of the PostgreSQL backends serving the bench database (user + system from /proc), sampled
 * every 100 ms while the firing runs: a backend's last sample minus its first (0 for one that
 * connected during the run). Backends that exit between two samples lose at most 100 ms of it.
 */
class BackendCpu {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  /** what the backends were doing at each sample: state / wait event, counted */
  readonly waits = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private db?: Client;
  async start(): Promise<void> {
    this.db = new Client({ connectionString: databaseUrl(DATABASE) });
    await this.db.connect();
    const own = ((await this.db.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid;
    let busy = false;
    const sample = async (initial: boolean) => {
      if (busy || !this.db) return;
      busy = true;
      try {
        const { rows } = await this.db.query(
          'SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity WHERE datname = $1 AND pid <> $2',
          [DATABASE, own],
        );
        for (const { pid, state, wait_event_type: type, wait_event: event } of rows as Array<{ pid: number; state: string; wait_event_type: string | null; wait_event: string | null }>) {
          if (!initial && state !== 'idle') {
            const key = `${state}${type ? ` / ${type}:${event}` : ''}`;
            this.waits.set(key, (this.waits.get(key) ?? 0) + 1);
          }
          const cpu = cpuMilliseconds([pid]);
          if (!this.first.has(pid)) this.first.set(pid, initial ? cpu : 0);
          this.last.set(pid, cpu);
        }
      } catch {
        // the sampler is best effort
      } finally {
        busy = false;
      }
    };
    await sample(true);
    this.timer = setInterval(() => void sample(false), 100);
  }
  async stop(): Promise<number> {
    clearInterval(this.timer);
    await this.db?.end();
    let total = 0;
    for (const [pid, last] of this.last) total += last - (this.first.get(pid) ?? 0);
    return total;
  }
}

/** The machine's CPU time so far (/proc/stat, all cores): busy and total jiffies. */
function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, each) => sum + each, 0);
  return { busy: total - fields[3] - fields[4], total };
}

/** Scheduled firings this instance committed (its sirocco_trigger_firings_total). */
async function firingsOf(server: SiroccoServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^sirocco_trigger_firings_total\{[^}]*kind="scheduled"[^}]*\} (\S+)$/gm)) total += Number(match[1]);
  return total;
}

/** Each due trigger fired exactly once: firings and executions per trigger, from the database. */
async function exactlyOnce(): Promise<{ duplicates: number; missing: number }> {
  const db = new Client({ connectionString: databaseUrl(DATABASE) });
  await db.connect();
  try {
    const { rows } = await db.query(
      `SELECT count(*) FILTER (WHERE n > 1)::int AS duplicates, count(*) FILTER (WHERE n = 0)::int AS missing
         FROM (SELECT t.id, (SELECT count(*) FROM workflow_executions e WHERE e.trigger_id = t.id) AS n
                 FROM cron_triggers t WHERE t.name LIKE 'due\\_%') AS per_trigger`,
    );
    return rows[0];
  } finally {
    await db.end();
  }
}

/**
 * BENCH_CREATE_SQL=1: Sirocco's due triggers inserted with SQL (one-shot, as the API makes them),
 * due at the next minute at least 20 s away: on a loaded machine the 8 API clients can be slower
 * than the 75 s lead, and the run does not measure creation anyway.
 */
async function insertDueTriggers(due: Date, count = options.triggers, prefix = 'due', workflow = 'bench_cron_noop'): Promise<number> {
  const started = performance.now();
  const db = new Client({ connectionString: databaseUrl(DATABASE) });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO cron_triggers (id, name, project_id, workflow_id, workflow_name, workflow_params, first_execution_time,
                                  remaining_executions, next_execution_time, next_fire_at, created_at)
       SELECT gen_random_uuid(), $3 || '_' || i, '<default-project>', wf.id, wf.name, jsonb_build_object('env', jsonb_build_object('k', i)),
              $2, 1, $2, $2, now()
         FROM generate_series(0, $1 - 1) AS i, (SELECT id, name FROM workflow_definitions WHERE name = $4) AS wf`,
      [count, due, prefix, workflow],
    );
  } finally {
    await db.end();
  }
  return (performance.now() - started) / 1000;
}

/**
 * BENCH_WARMUP=N (with BENCH_CREATE_SQL=1): N triggers of another workflow fire first and the
 * measured burst waits until their executions succeeded, so each instance runs compiled code as a
 * long-running replica does: a cold instance's JIT work otherwise counts against the burst (and
 * twice with two instances).
 */
async function warmUp(api: WorkflowApi): Promise<void> {
  await api.registerWorkflows(WORKFLOW.replace('bench_cron_noop:', 'bench_cron_warmup:'));
  const due = dueMinute(3);
  await insertDueTriggers(due, options.warmup, 'warm', 'bench_cron_warmup');
  const db = new Client({ connectionString: databaseUrl(DATABASE) });
  await db.connect();
  try {
    for (const deadline = Date.now() + 600_000; Date.now() < deadline; await sleep(500)) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM workflow_executions WHERE workflow_name = 'bench_cron_warmup' AND state = 'SUCCESS'`);
      if ((rows[0] as { n: number }).n >= options.warmup) {
        console.log(`Sirocco: warm-up: ${options.warmup} other triggers fired and succeeded ${seconds((Date.now() - due.getTime()) / 1000)} after their due instant`);
        return;
      }
    }
    throw new Error('the warm-up executions did not all succeed within 10 minutes');
  } finally {
    await db.end();
  }
}

async function benchSirocco(): Promise<Outcome & { createSeconds: number }> {
  if (!options.skipBuild) SiroccoServer.build();
  const server = await SiroccoServer.start(DATABASE);
  // further instances on the same database (the first one has run the migrations)
  const servers = [server];
  try {
    for (let index = 1; index < options.instances; index += 1) servers.push(await SiroccoServer.start(DATABASE, { keepDatabase: true }));
    const api = new WorkflowApi('Sirocco', `${server.url}/v2`);
    await api.registerWorkflows(WORKFLOW);
    console.log(`Sirocco: storing ${options.stored} idle triggers: ${seconds(await storeIdleTriggers())}`);
    if (options.warmup > 0 && options.createSql) await warmUp(api);
    const due = dueMinute(options.createSql ? 20 : 75);
    const createSeconds = options.createSql ? await insertDueTriggers(due) : await createTriggers(`${server.url}/v2`, 'due', due);
    console.log(`Sirocco: ${options.triggers} triggers created in ${seconds(createSeconds)}, due at ${due.toISOString()}`);
    const cpuBefore = servers.map((each) => cpuMilliseconds([each.pid]));
    const backends = new BackendCpu();
    await backends.start();
    // the machine's load from the due instant on (the wait before it is idle)
    let machineBefore = machineCpu();
    const atDue = setTimeout(() => (machineBefore = machineCpu()), Math.max(0, due.getTime() - Date.now()));
    const outcome = options.triggers > 5000 ? await watchDatabase(due) : await watch(`${server.url}/v2`, due);
    const perInstanceCpu = servers.map((each, index) => cpuMilliseconds([each.pid]) - cpuBefore[index]);
    const cpu = perInstanceCpu.reduce((sum, each) => sum + each, 0);
    const pgCpu = await backends.stop();
    const machineAfter = machineCpu();
    clearTimeout(atDue);
    const busyShare = (machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total);
    console.log(`Sirocco: ${(cpu / options.triggers).toFixed(2)} ms CPU per firing (the instances' user + system time until all succeeded, idle ticks included); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const waits = [...backends.waits].sort((a, b) => b[1] - a[1]).slice(0, 6);
    console.log(`Sirocco: busy backends per 100 ms sample: ${waits.map(([key, n]) => `${key} ${n}`).join(', ') || 'none'}`);
    console.log(`Sirocco: CPU during the run: instances ${perInstanceCpu.map((ms) => `${ms} ms`).join(' + ')}, PostgreSQL backends of its database ${pgCpu} ms (${(pgCpu / options.triggers).toFixed(2)} ms per firing); from the due instant until all succeeded the machine's cores were ${(busyShare * 100).toFixed(0)}% busy (every process)`);
    const perInstance = await Promise.all(servers.map(firingsOf));
    const { duplicates, missing } = await exactlyOnce();
    console.log(`Sirocco: firings per instance ${perInstance.join(' + ')}; ${duplicates} triggers fired more than once, ${missing} not fired`);
    return { ...outcome, createSeconds };
  } finally {
    for (const each of servers) await each.stop();
  }
}

async function benchMistral(): Promise<(Outcome & { createSeconds: number }) | undefined> {
  if (options.skipMistral) return undefined;
  const mistral = await MistralServer.ensureRunning();
  try {
    const api = new WorkflowApi('Mistral', `${mistral.url}/v2`);
    await api.registerWorkflows(WORKFLOW);
    const prefix = `due${Date.now().toString(36)}`;
    const due = dueMinute(75);
    const createSeconds = await createTriggers(`${mistral.url}/v2`, prefix, due);
    console.log(`Mistral: ${options.triggers} triggers created in ${seconds(createSeconds)}, due at ${due.toISOString()}`);
    return { ...(await watch(`${mistral.url}/v2`, due)), createSeconds };
  } finally {
    await mistral.stop();
  }
}

async function main(): Promise<void> {
  console.log(`cron trigger bench: ${options.triggers} triggers due in the same second; Sirocco (${options.instances} instance(s) on one database) with ${options.stored} more stored${env.BENCH_INSTANCE_CPU ? `; each instance limited to ${env.BENCH_INSTANCE_CPU} core(s) of CPU time (BENCH_INSTANCE_CPU)` : ''}`);
  await printCommitRate();
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const runs: Array<Outcome & { createSeconds: number }> = [];
  for (let run = 1; run <= options.runs; run += 1) {
    if (run > 1) options.skipBuild = true;
    const outcome = await benchSirocco();
    console.log(`Sirocco run ${run}/${options.runs}: last execution RUNNING ${seconds(outcome.lastCreated)} after the due instant, all SUCCESS after ${seconds(outcome.allSucceeded)}`);
    runs.push(outcome);
  }
  // the median run by its headline figure
  const sirocco = [...runs].sort((a, b) => a.lastCreated - b.lastCreated)[Math.floor((runs.length - 1) / 2)];
  if (runs.length > 1) console.log(`Sirocco: median of ${runs.length} runs ${seconds(median(runs.map((o) => o.lastCreated)))} (${runs.map((o) => seconds(o.lastCreated)).join(', ')})`);
  const mistral = await benchMistral();
  const row = (scenario: string, pick: (outcome: Outcome & { createSeconds: number }) => number, compare = true): Row => ({
    scenario,
    sirocco: seconds(pick(sirocco)),
    mistral: mistral ? seconds(pick(mistral)) : 'skipped',
    ratio: mistral && compare ? ratio(Math.max(pick(sirocco), 0.001), pick(mistral)) : '-',
  });
  console.log();
  printTable([
    row(`due instant → last of ${options.triggers} executions RUNNING`, (o) => o.lastCreated),
    row('due instant → first execution created (negative: early)', (o) => o.firstCreated, false),
    row(`due instant → all ${options.triggers} SUCCESS`, (o) => o.allSucceeded),
    row(`creating the ${options.triggers} triggers ${options.createSql ? '(Sirocco: SQL)' : 'over the API (8 clients)'}`, (o) => o.createSeconds),
  ]);
  console.log(`\npolling every ${options.pollMs} ms (the figures include up to one poll interval); Sirocco also stores ${options.stored} idle triggers`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
