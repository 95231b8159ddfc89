/**
 * Large workflows bench: one execution of a chain of N tasks, a fan-out of N tasks into one join,
 * and a with-items over N items, for N = 500 and 5,000 (BENCH_SIZES), and how the time grows with
 * N: the ratio of the largest size to the smallest should be about their ratio (linear).
 * `npm run bench:large`; see bench/README.md.
 *
 * Options (environment): BENCH_SIZES (500,5000), BENCH_SCENARIOS (chain,fanout,items), BENCH_RUNS (3),
 * BENCH_COMMITS (1: transactions and rows from pg_stat_database, 11 s wait per measurement),
 * BENCH_INLINE_ACTIONS (Sirocco's SIROCCO_ENGINE_MAX_INLINE_ACTIONS; 0: every action dispatched,
 * its result a transition of its own, as with real, non-instant actions), BENCH_SKIP_BUILD=1, BENCH_POLL_MS (25), BENCH_TIMEOUT_S (600),
 * BENCH_CPU_PROF=<dir> (Sirocco runs with node --cpu-prof; the profile is written there when it stops).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowApi } from '../engine/lib/http-client';
import { databaseCounters, dropDatabase, printCommitRate, STATS_PUBLISH_DELAY_MS } from '../engine/lib/postgres';
import { median } from '../engine/lib/report';
import { REPO_ROOT, SiroccoServer } from '../engine/lib/servers';

const env = process.env;
const options = {
  sizes: (env.BENCH_SIZES || '500,5000').split(',').map(Number),
  scenarios: (env.BENCH_SCENARIOS || 'chain,fanout,items').split(',') as Scenario[],
  runs: Number(env.BENCH_RUNS || 3),
  commits: env.BENCH_COMMITS !== '0',
  skipBuild: env.BENCH_SKIP_BUILD === '1',
  pollMs: Number(env.BENCH_POLL_MS || 25),
  timeoutMs: Number(env.BENCH_TIMEOUT_S || 600) * 1000,
  cpuProf: env.BENCH_CPU_PROF,
  /** SIROCCO_ENGINE_MAX_INLINE_ACTIONS for the Sirocco process: 0 dispatches every action (one transition per result) */
  inlineActions: env.BENCH_INLINE_ACTIONS,
};
// BENCH_DB_PREFIX: an own database name when several benches share the machine's PostgreSQL; dropped at the end
const DATABASE = `${process.env.BENCH_DB_PREFIX ?? ''}sirocco_bench_large`;

type Scenario = 'chain' | 'fanout' | 'items';

/** The YAML of one scenario's workflow of size n, named `<scenario>_<n>`. */
function workflowYaml(scenario: Scenario, n: number): string {
  const name = `${scenario}_${n}`;
  const lines = [`version: '2.0'`, `${name}:`];
  if (scenario === 'chain') {
    // N std.noop tasks, each on-success the next; the last publishes, as a real chain's end would
    lines.push('  output:', '    last: <% $.last %>', '  tasks:');
    for (let i = 0; i < n - 1; i++) lines.push(`    t${i}:`, '      action: std.noop', `      on-success: t${i + 1}`);
    lines.push(`    t${n - 1}:`, '      action: std.echo output=last', '      publish:', '        last: <% $task().result %>');
  } else if (scenario === 'fanout') {
    // one task starts N branches, all of which go to one `join: all` task
    lines.push('  tasks:', '    fan:', '      action: std.noop', '      on-success:');
    for (let i = 0; i < n; i++) lines.push(`        - b${i}`);
    for (let i = 0; i < n; i++) lines.push(`    b${i}:`, '      action: std.noop', '      on-success: joined');
    lines.push('    joined:', '      join: all', '      action: std.echo output=done');
  } else {
    // one task, with-items over n items of std.echo, all at once; the output counts the results
    lines.push(
      '  tasks:',
      '    echo_all:',
      `      with-items: i in <% [0..${n - 1}] %>`,
      '      action: std.echo output=<% $.i %>',
      '      publish:',
      '        count: <% $count($task().result) %>',
      '  output:',
      '    count: <% $.count %>',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** user + system CPU seconds of a process so far (/proc/PID/stat, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Measure {
  scenario: Scenario;
  n: number;
  seconds: number;
  createSeconds: number;
  cpu: number;
  load: number;
  commits?: number;
  rows?: number;
}

const fmt = (value: number, digits = 2) => value.toFixed(digits);
const range = (values: number[], digits = 2) => (values.length > 1 ? `${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)}` : fmt(values[0], digits));

async function main(): Promise<void> {
  const maxSize = Math.max(...options.sizes);
  console.log(`large workflows bench: sizes ${options.sizes.join(', ')}, scenarios ${options.scenarios.join(', ')}, ${options.runs} run(s) each`);
  console.log(`Sirocco revision ${gitRevision()}; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores)`);
  await printCommitRate();
  if (!options.skipBuild) SiroccoServer.build();
  // the server's settings go through the environment it inherits (SiroccoServer.start spreads process.env)
  Object.assign(process.env, {
    SIROCCO_MAX_TASKS_PER_WORKFLOW: String(maxSize + 10),
    SIROCCO_MAX_WITH_ITEMS: String(Math.max(maxSize, 10000)),
    SIROCCO_MAX_DEFINITION_BYTES: String(16 * 1024 * 1024),
    ...(options.inlineActions === undefined ? {} : { SIROCCO_ENGINE_MAX_INLINE_ACTIONS: options.inlineActions }),
    ...(options.cpuProf ? { BENCH_NODE_ARGS: `${env.BENCH_NODE_ARGS ?? ''} --cpu-prof --cpu-prof-dir=${path.resolve(options.cpuProf)}`.trim() } : {}),
  });
  const server = await SiroccoServer.start(DATABASE);
  const api = new WorkflowApi('Sirocco', `${server.url}/v2`);
  const measures: Measure[] = [];
  try {
    for (const scenario of options.scenarios) for (const n of options.sizes) await api.registerWorkflows(workflowYaml(scenario, n));
    // warm-up: the JIT and the connection pool, on the smallest size
    for (const scenario of options.scenarios) await runOne(api, server, scenario, Math.min(...options.sizes));
    let getCost = 0;
    if (options.commits) getCost = await transactionsPerGet(api, server);
    for (let run = 0; run < options.runs; run++) {
      // sizes alternate within a run, so that a change of the machine's load hits all of them
      for (const scenario of options.scenarios) {
        for (const n of options.sizes) {
          const before = options.commits ? await settledCounters() : undefined;
          const getsBefore = api.sent.GET ?? 0;
          const measure = await runOne(api, server, scenario, n);
          if (before) {
            const after = await settledCounters();
            const gets = (api.sent.GET ?? 0) - getsBefore;
            measure.commits = after.commits - before.commits - gets * getCost;
            measure.rows = after.rowsWritten - before.rowsWritten;
          }
          measures.push(measure);
          const db = measure.commits === undefined ? '' : `, ${Math.round(measure.commits)} transactions, ${measure.rows} rows written`;
          console.log(
            `  run ${run + 1} ${scenario} ${n}: ${fmt(measure.seconds, 3)} s (create call ${fmt(measure.createSeconds, 3)} s), Sirocco CPU ${fmt(measure.cpu)} s${db}, load ${fmt(measure.load)}`,
          );
        }
      }
    }
  } finally {
    await server.stop();
    await dropDatabase(DATABASE);
    if (options.cpuProf) console.log(`CPU profile of the Sirocco process written to ${path.resolve(options.cpuProf)}`);
  }
  printSummary(measures);
}

async function settledCounters() {
  await sleep(STATS_PUBLISH_DELAY_MS);
  return databaseCounters(DATABASE);
}

/** Transactions one GET /v2/executions/{id} costs: the poller's reads, subtracted from the figures. */
async function transactionsPerGet(api: WorkflowApi, server: SiroccoServer): Promise<number> {
  const id = (await runOne(api, server, options.scenarios[0], Math.min(...options.sizes))).id!;
  const before = await settledCounters();
  for (let i = 0; i < 100; i++) await api.getExecution(id);
  const after = await settledCounters();
  const cost = (after.commits - before.commits) / 100;
  console.log(`  one GET /v2/executions/{id} costs ${cost.toFixed(2)} transaction(s)`);
  return cost;
}

async function runOne(api: WorkflowApi, server: SiroccoServer, scenario: Scenario, n: number): Promise<Measure & { id?: string }> {
  const load = loadavg()[0];
  const cpuBefore = cpuSeconds(server.pid);
  const t0 = performance.now();
  const id = await api.startExecution(`${scenario}_${n}`);
  const created = performance.now();
  const { execution, seenAt } = await api.waitForSuccess(id, { pollMs: options.pollMs, timeoutMs: options.timeoutMs });
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  if (scenario === 'items') {
    const count = (JSON.parse(execution.output ?? '{}') as { count?: number }).count;
    if (count !== n) throw new Error(`items_${n}: output count ${count}, expected ${n}`);
  }
  return { id, scenario, n, seconds: (seenAt - t0) / 1000, createSeconds: (created - t0) / 1000, cpu, load };
}

function printSummary(measures: Measure[]): void {
  const smallest = Math.min(...options.sizes);
  const largest = Math.max(...options.sizes);
  console.log('');
  console.log(`create-to-SUCCESS over REST, median of ${options.runs} (range); CPU: the Sirocco process (user+system)`);
  console.log('| scenario | N | time | time per task | Sirocco CPU | transactions | rows written | load avg |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const scenario of options.scenarios) {
    for (const n of options.sizes) {
      const of = measures.filter((m) => m.scenario === scenario && m.n === n);
      if (of.length === 0) continue;
      const times = of.map((m) => m.seconds);
      const commits = of.map((m) => m.commits).filter((c): c is number => c !== undefined);
      const rows = of.map((m) => m.rows).filter((c): c is number => c !== undefined);
      console.log(
        `| ${scenario} | ${n} | ${fmt(median(times), 3)} s (${range(times)}) | ${fmt((median(times) / n) * 1000, 3)} ms | ${fmt(median(of.map((m) => m.cpu)))} s | ` +
          `${commits.length ? Math.round(median(commits)) : '-'} | ${rows.length ? Math.round(median(rows)) : '-'} | ${range(of.map((m) => m.load))} |`,
      );
    }
  }
  console.log('');
  console.log(`growth ${largest}/${smallest} (size ratio ${largest / smallest}x; linear means about ${largest / smallest}x):`);
  for (const scenario of options.scenarios) {
    const time = (n: number) => median(measures.filter((m) => m.scenario === scenario && m.n === n).map((m) => m.seconds));
    const cpu = (n: number) => median(measures.filter((m) => m.scenario === scenario && m.n === n).map((m) => m.cpu));
    console.log(`  ${scenario}: time ${fmt(time(largest) / time(smallest), 1)}x, Sirocco CPU ${fmt(cpu(largest) / Math.max(cpu(smallest), 0.01), 1)}x`);
  }
  console.log(`load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

function gitRevision(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', 'src'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head || '?'}${dirty ? ' (src/ has uncommitted changes)' : ''}`;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
