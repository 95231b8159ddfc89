/**
 * History bench: list latencies with 1,000,000 finished executions stored. `npm run bench:history`.
 *
 * Creates its own database (history_bench), starts Sirocco (node dist/main.js) on it, runs one real
 * 3-task execution per workflow through the API (the templates) and 200 more to measure the bytes
 * one finished execution costs as written, fills the history with SQL cloned from the templates
 * (see fill.ts), then sends each list request BENCH_REQUESTS times one after the other and prints
 * p50/p99, the plan PostgreSQL chose (auto_explain, read from the server log), bytes per execution
 * and the PostgreSQL version. Twice: with stale statistics (taken when the tables were small,
 * autovacuum off on them) and after ANALYZE.
 *
 * Options (environment): BENCH_EXECUTIONS (1000000), BENCH_REQUESTS (200), BENCH_SKIP_BUILD=1,
 * BENCH_ITEMS (2000: the with-items storage check; 0 skips it), BENCH_WARMUP (10 requests per query first),
 * BENCH_REUSE=1 (keep a filled history_bench: no fill; the "stale" phase then deletes the column
 * statistics instead), BENCH_ROOT (a checkout whose dist/ to start, e.g. the code before a change),
 * BENCH_PG_LOG (the server log auto_explain writes to; default Debian's path), BENCH_KEEP_STATS=1 (with
 * BENCH_REUSE: keep the statistics as they are), BENCH_DB_PREFIX (prepended to history_bench), BENCH_PHASES (stale,analyzed; `stale` alone leaves
 * the statistics stale and autovacuum off at the end, for a second version measured on them).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { databaseUrl, printCommitRate } from '../engine/lib/postgres';
import { SiroccoServer } from '../engine/lib/servers';
import { fillHistory, HISTORY_TABLES, historyBytes, setAutovacuum, WORKFLOW_COUNT } from './fill';
import { AUTO_EXPLAIN_OPTIONS, PlanLog } from './plans';
import { itemsWorkflow, withItemsStorage } from './with-items';

const env = process.env;
const options = {
  executions: Number(env.BENCH_EXECUTIONS || 1_000_000),
  requests: Number(env.BENCH_REQUESTS || 200),
  skipBuild: env.BENCH_SKIP_BUILD === '1',
  reuse: env.BENCH_REUSE === '1',
  root: env.BENCH_ROOT || undefined,
  items: Number(env.BENCH_ITEMS || 2000),
  keepStats: env.BENCH_KEEP_STATS === '1',
  warmup: Number(env.BENCH_WARMUP ?? 10),
  phases: (env.BENCH_PHASES || 'stale,analyzed').split(','),
};
// BENCH_DB_PREFIX: an own database name when several benches share the machine's PostgreSQL
const DATABASE = `${env.BENCH_DB_PREFIX ?? ''}history_bench`;
const MEASURED_RUNS = 200;

const workflowYaml = (k: number) => `version: '2.0'
hist_wf_${k}:
  description: nightly backup of one server (bench workflow ${k})
  input:
    - server
    - retention: 7
  output:
    snapshot: <% $.snapshot %>
  tasks:
    snapshot:
      action: std.echo
      input:
        output: "<% {'server': $.server, 'image': 'backup-' & $.server, 'size_gb': 40} %>"
      publish:
        snapshot: <% $task().result %>
      on-success: [verify]
    verify:
      action: std.noop
      on-success: [rotate]
    rotate:
      action: std.echo output=<% 'kept ' & $string($.retention) & ' backups of ' & $.server %>
`;

const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');

class Api {
  constructor(readonly base: string) {}
  async get(path: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.base}${path}`, { headers: { Accept: 'application/json' } });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }
  async post(path: string, body: unknown, contentType = 'application/json'): Promise<any> {
    const response = await fetch(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': contentType, Accept: 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  }
  async run(workflow: string, server?: string): Promise<string> {
    const created = await this.post('/v2/executions', { workflow_name: workflow, input: server === undefined ? {} : { server } });
    for (let waited = 0; waited < 600; waited += 1) {
      const { body } = await this.get(`/v2/executions/${created.id}`);
      if (body.state === 'SUCCESS') return created.id;
      if (body.state === 'ERROR' || body.state === 'CANCELLED') throw new Error(`${workflow}: ${body.state} ${body.state_info}`);
      await sleep(50);
    }
    throw new Error(`${workflow}: not done in 30 s`);
  }
}

/** Workflows, triggers, templates; returns bytes per execution as written by the engine. */
async function prepare(api: Api, db: Client): Promise<number> {
  for (let k = 0; k < WORKFLOW_COUNT; k += 1) {
    await api.post('/v2/workflows', workflowYaml(k), 'text/plain');
    // Jan 1st, 05:00: never due during the bench
    await api.post('/v2/cron_triggers', { name: `hist_trigger_${k}`, workflow_name: `hist_wf_${k}`, pattern: '0 5 1 1 *', workflow_input: { server: 'vm-0' } });
    await api.run(`hist_wf_${k}`, `vm-${k}`);
  }
  const before = await historyBytes(db);
  for (let index = 0; index < MEASURED_RUNS; index += 1) await api.run(`hist_wf_${index % WORKFLOW_COUNT}`, `vm-${index}`);
  const perExecution = (await historyBytes(db) - before) / MEASURED_RUNS;
  if (options.items > 0) {
    await api.post('/v2/workflows', itemsWorkflow(options.items), 'text/plain');
    const id = await api.run('hist_items');
    console.log(`A with-items task over ${options.items} items, its result published and returned:`);
    for (const line of await withItemsStorage(db, id)) console.log(`  ${line}`);
  }
  return perExecution;
}

interface Query {
  name: string;
  path: string;
  table: string;
}

async function queries(api: Api, db: Client): Promise<Query[]> {
  const scalar = async (sql: string) => (await db.query(sql)).rows[0]?.v as string;
  const total = Number(await scalar(`SELECT count(*) AS v FROM workflow_executions`));
  const middle = await scalar(`SELECT id AS v FROM workflow_executions ORDER BY created_at, id OFFSET ${Math.floor(total / 2)} LIMIT 1`);
  const filtered = `workflow_name = 'hist_wf_1' AND state = 'ERROR'`;
  const filteredCount = Number(await scalar(`SELECT count(*) AS v FROM workflow_executions WHERE ${filtered}`));
  const filteredMiddle = await scalar(`SELECT id AS v FROM workflow_executions WHERE ${filtered} ORDER BY created_at, id OFFSET ${Math.floor(filteredCount / 2)} LIMIT 1`);
  const trigger = await scalar(`SELECT id AS v FROM cron_triggers WHERE name = 'hist_trigger_0'`);
  const firings = Number(await scalar(`SELECT count(*) AS v FROM trigger_firings WHERE trigger_id = '${trigger}'`));
  const firingMiddle = await scalar(`SELECT id AS v FROM trigger_firings WHERE trigger_id = '${trigger}' ORDER BY scheduled_for DESC OFFSET ${Math.floor(firings / 2)} LIMIT 1`);
  console.log(`  ${total} executions; hist_wf_1 in ERROR: ${filteredCount}; firings of hist_trigger_0: ${firings}`);
  const desc = 'sort_keys=created_at&sort_dirs=desc';
  const cliFields = 'fields=id,workflow_id,workflow_name,workflow_namespace,description,task_execution_id,root_execution_id,state,state_info,created_at,updated_at';
  const ex = 'workflow_executions';
  return [
    { name: 'first page (oldest first, the API default)', path: '/v2/executions?limit=100', table: ex },
    { name: 'first page, newest first (web UI, CLI)', path: `/v2/executions?limit=100&${desc}`, table: ex },
    { name: 'page in the middle via marker', path: `/v2/executions?limit=100&marker=${middle}`, table: ex },
    { name: 'page in the middle via marker, newest first', path: `/v2/executions?limit=100&${desc}&marker=${middle}`, table: ex },
    { name: 'workflow_name + state, newest first', path: `/v2/executions?limit=100&${desc}&workflow_name=hist_wf_1&state=ERROR`, table: ex },
    { name: 'workflow_name + state, middle via marker', path: `/v2/executions?limit=100&${desc}&workflow_name=hist_wf_1&state=ERROR&marker=${filteredMiddle}`, table: ex },
    { name: 'workflow_name only, newest first', path: `/v2/executions?limit=100&${desc}&workflow_name=hist_wf_2`, table: ex },
    { name: 'state only (ERROR), newest first', path: `/v2/executions?limit=100&${desc}&state=ERROR`, table: ex },
    { name: 'a filter matching nothing', path: `/v2/executions?limit=100&workflow_name=no_such_workflow`, table: ex },
    { name: "the mistral CLI's execution-list (its fields)", path: `/v2/executions?limit=100&${desc}&${cliFields}`, table: ex },
    { name: "cron trigger's firings, first page", path: `/v2/cron_triggers/hist_trigger_0/firings?limit=100`, table: 'trigger_firings' },
    { name: "cron trigger's firings, middle via marker", path: `/v2/cron_triggers/hist_trigger_0/firings?limit=100&marker=${firingMiddle}`, table: 'trigger_firings' },
    { name: "one execution's tasks", path: `/v2/executions/${middle}/tasks`, table: 'task_executions' },
  ];
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function measure(api: Api, list: Query[], plans: PlanLog | undefined, planApi: Api | undefined): Promise<void> {
  console.log(`  load average ${load()}`);
  const rows: string[][] = [['query', 'p50 ms', 'p99 ms', 'rows', 'plan']];
  for (const query of list) {
    const t0 = performance.now();
    const first = await api.get(query.path);
    if (first.status !== 200) {
      // e.g. 503 after SIROCCO_DB_STATEMENT_TIMEOUT_MS: reported, not measured again
      const took = (performance.now() - t0).toFixed(0);
      rows.push([query.name, '-', '-', '-', `HTTP ${first.status} after ${took} ms: ${String(first.body?.faultstring ?? '').slice(0, 120)}`]);
      continue;
    }
    const count = String((first.body.executions ?? first.body.firings ?? first.body.tasks ?? []).length);
    for (let index = 0; index < options.warmup; index += 1) await api.get(query.path);
    const times: number[] = [];
    for (let index = 0; index < options.requests; index += 1) {
      const t0 = performance.now();
      await api.get(query.path);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const plan = plans && planApi ? (await plans.plansOf(() => planApi.get(query.path), query.table)).join(' | ') : '(no plan: server log not readable)';
    rows.push([query.name, percentile(times, 50).toFixed(1), percentile(times, 99).toFixed(1), count, plan || '(none logged)']);
  }
  const widths = rows[0].slice(0, 4).map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows) console.log(`  ${row.slice(0, 4).map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ')}  ${row[4]}`);
  console.log(`  load average ${load()}`);
}

async function main(): Promise<void> {
  if (!options.skipBuild && !options.root) SiroccoServer.build();
  const admin = new Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  const version = (await admin.query('SHOW server_version')).rows[0].server_version as string;
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])).rowCount === 1;
  await admin.end();
  console.log(`PostgreSQL ${version}; ${options.executions} executions; ${options.requests} requests per query; load average ${load()}`);
  await printCommitRate();
  const reuse = options.reuse && exists;

  const t0 = performance.now();
  const server = await SiroccoServer.start(DATABASE, { keepDatabase: reuse, root: options.root });
  console.log(`Sirocco ${server.url} (${options.root ?? 'this checkout'}) answered after ${((performance.now() - t0) / 1000).toFixed(1)} s${reuse ? ' (migrations on the filled database included)' : ''}`);
  const db = new Client({ connectionString: databaseUrl(DATABASE) });
  await db.connect();
  const api = new Api(server.url);
  let planServer: SiroccoServer | undefined;
  try {
    if (!reuse) {
      const asWritten = await prepare(api, db);
      console.log(`Bytes per finished 3-task execution as the engine wrote them (${MEASURED_RUNS} runs, not vacuumed): ${Math.round(asWritten)}`);
      // statistics of the small tables: what the planner knows right after a bulk insert
      await db.query(`ANALYZE ${HISTORY_TABLES.join(', ')}`);
      await setAutovacuum(db, false);
      const before = await historyBytes(db);
      const t1 = performance.now();
      await fillHistory(db, options.executions);
      const filled = await historyBytes(db);
      console.log(`Filled in ${((performance.now() - t1) / 1000).toFixed(0)} s; bytes per finished 3-task execution (cloned rows, indexes included): ${Math.round((filled - before) / options.executions)}`);
    } else {
      await setAutovacuum(db, false);
      if (!options.keepStats) await db.query(`DELETE FROM pg_statistic WHERE starelid = ANY($1::regclass[])`, [HISTORY_TABLES]);
    }
    const sizes = await db.query(
      `SELECT c AS table, pg_size_pretty(pg_total_relation_size(c)) AS total, pg_size_pretty(pg_indexes_size(c)) AS indexes FROM unnest($1::regclass[]) AS c`,
      [HISTORY_TABLES],
    );
    console.log(`Sizes: ${sizes.rows.map((row) => `${row.table} ${row.total} (indexes ${row.indexes})`).join('; ')}`);
    const executions = Number((await db.query(`SELECT count(*) AS n FROM workflow_executions`)).rows[0].n);
    console.log(`Bytes per stored execution now (all history tables / executions): ${Math.round((await historyBytes(db)) / executions)}`);
    const specs = (await db.query(`SELECT count(*)::int AS n, pg_total_relation_size('workflow_specs') AS bytes FROM workflow_specs`)).rows[0];
    console.log(`  of which workflow_specs: ${specs.n} specs, ${specs.bytes} bytes (${(Number(specs.bytes) / executions).toFixed(2)} per execution)`);

    const logFile = env.BENCH_PG_LOG || `/var/log/postgresql/postgresql-${version.split('.')[0]}-main.log`;
    const plans = new PlanLog(logFile);
    let planApi: Api | undefined;
    if (plans.readable) {
      planServer = await SiroccoServer.start(DATABASE, { keepDatabase: true, root: options.root, env: { PGOPTIONS: AUTO_EXPLAIN_OPTIONS } });
      planApi = new Api(planServer.url);
    }
    const list = await queries(api, db);
    if (options.phases.includes('stale')) {
      const stale = !reuse || options.keepStats ? 'statistics as they were (no ANALYZE since the fill)' : 'no column statistics (deleted from pg_statistic)';
      console.log(`\n== ${stale}`);
      await measure(api, list, plans.readable ? plans : undefined, planApi);
    }
    if (options.phases.includes('analyzed')) {
      await db.query(`ANALYZE ${HISTORY_TABLES.join(', ')}`);
      console.log('\n== after ANALYZE');
      await measure(api, list, plans.readable ? plans : undefined, planApi);
    }
  } finally {
    if (options.phases.includes('analyzed')) await setAutovacuum(db, true).catch(() => undefined);
    else console.log('(statistics left as they are, autovacuum off on the history tables: BENCH_REUSE=1 BENCH_KEEP_STATS=1 measures them again)');
    await db.end();
    await planServer?.stop();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
