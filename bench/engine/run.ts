/**
 * Engine benchmark: Sirocco and the real OpenStack Mistral 15 side by side, on the same machine,
 * the same PostgreSQL and through the same HTTP client and poller.  `npm run bench:engine`;
 * options and the meaning of each figure are in bench/README.md.
 *
 * Order of work, and why:
 *  1. Mistral is started first (scripts/mistral-server.sh installs it on first use): its start
 *     is CPU-heavy and must not overlap any measurement.
 *  2. pgbench measures the machine's PostgreSQL commit rate while both engines are idle.
 *  3. Sirocco (fresh database), then Mistral, each in its own block: register the workflows,
 *     measure idle memory, one warm-up execution, then every scenario BENCH_RUNS times. Blocks
 *     rather than interleaving, so one system's trailing work (Mistral's notifier, autovacuum
 *     after 500 items) is not billed to the other.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExecutionFailed, WorkflowApi, type PollOptions } from './lib/http-client';
import { MemorySampler, peakRssKb, sumMemory, type Memory } from './lib/memory-sampler';
import {
  ActivitySampler,
  databaseCounters,
  measureCommitRate,
  serverSettings,
  STATS_PUBLISH_DELAY_MS,
  type DatabaseCounters,
  type PgbenchResult,
} from './lib/postgres';
import { maxLoopStallMs } from './lib/loop-stall';
import { median, megabytes, printTable, ratio, seconds, type Row } from './lib/report';
import { SCENARIOS, WORKFLOW_FILES, type RunResult } from './lib/scenarios';
import { cpuMilliseconds, MistralServer, rabbitmqPids, REPO_ROOT, SiroccoServer } from './lib/servers';

// ------------------------------------------------------------------------------------ options
const env = process.env;
const flag = (name: string) => env[name] === '1' || env[name] === 'true';
const options = {
  runs: Number(env.BENCH_RUNS || 3),
  skipMistral: flag('BENCH_SKIP_MISTRAL'),
  pollMs: Number(env.BENCH_POLL_MS || 25),
  timeoutMs: Number(env.BENCH_TIMEOUT_S || 600) * 1000,
  scenarios: env.BENCH_SCENARIOS ? env.BENCH_SCENARIOS.split(',') : SCENARIOS.map((s) => s.key).filter((key) => key !== 'concurrent'),
  skipBuild: flag('BENCH_SKIP_BUILD'),
  pgbenchSeconds: Number(env.BENCH_PGBENCH_SECONDS || 10),
  skipPgbench: flag('BENCH_SKIP_PGBENCH'),
  // counting PostgreSQL work needs its statistics to settle (~11 s) after every scenario
  commits: env.BENCH_COMMITS !== '0',
  activity: flag('BENCH_PG_ACTIVITY'),
  keepMistral: flag('BENCH_KEEP_MISTRAL'),
  // BENCH_DB_PREFIX: own database names when several benches share the machine's PostgreSQL
  siroccoDatabase: `${env.BENCH_DB_PREFIX ?? ''}sirocco_bench`,
  pgbenchDatabase: `${env.BENCH_DB_PREFIX ?? ''}bench_pgbench`,
  mistralDatabase: env.MISTRAL_DB_NAME || 'mistral',
};
const poll: PollOptions = { pollMs: options.pollMs, timeoutMs: options.timeoutMs };
const scenarios = SCENARIOS.filter((s) => options.scenarios.includes(s.key));
const WORKFLOWS_DIR = path.join(__dirname, 'workflows');

// ------------------------------------------------------------------------------------ one system
interface DatabaseWork {
  /** committed transactions per execution, minus the idle background and the poller's GETs */
  transactions: number;
  /** rows inserted + updated + deleted per execution, minus the idle background */
  rowsWritten: number;
}

interface ScenarioResult {
  runs: RunResult[];
  medianSeconds: number;
  medianCreateSeconds: number;
  /** GET /v2/executions/{id} calls the poller made, per execution */
  pollsPerExecution: number;
  database?: DatabaseWork;
  /** pg_stat_activity profile while the scenario ran (BENCH_PG_ACTIVITY=1) */
  activity?: string[];
  /** max lateness of a 10 ms timer in the system's process during the scenario (Sirocco only) */
  loopStallMs?: number;
}

interface SystemResult {
  registerSeconds: Record<string, number>;
  idle: Memory;
  peak: Memory;
  /** the kernel's peak RSS of the process (Sirocco only: VmHWM) */
  peakRssHwmKb?: number;
  processes: number;
  /** what the system does to its database while idle, per second */
  idleDatabasePerSecond?: { commits: number; rowsWritten: number };
  /** transactions one GET /v2/executions/{id} costs (measured with 100 GETs) */
  transactionsPerGet?: number;
  scenarios: Record<string, ScenarioResult>;
  /** max lateness of a 10 ms timer from the warm-up to the last scenario's end (Sirocco only) */
  loopStallMs?: number;
}

/**
 * Reads the database's work counters once its statistics are published (see databaseCounters);
 * the difference of two readings, minus the idle background over the time between them, is the
 * work of what ran in between.
 */
class DatabaseMeter {
  private last: DatabaseCounters | undefined;
  background = { commits: 0, rowsWritten: 0 };

  constructor(private readonly database: string) {}

  /** Waits for the statistics to settle, reads them, and returns the work since the last reading. */
  async settle(): Promise<{ commits: number; rowsWritten: number; seconds: number }> {
    await sleep(STATS_PUBLISH_DELAY_MS);
    const now = await databaseCounters(this.database);
    const before = this.last ?? now;
    this.last = now;
    const seconds = (now.at - before.at) / 1000;
    return {
      commits: now.commits - before.commits - this.background.commits * seconds,
      rowsWritten: now.rowsWritten - before.rowsWritten - this.background.rowsWritten * seconds,
      seconds,
    };
  }
}

async function benchSystem(
  name: string,
  api: WorkflowApi,
  workflowDir: string,
  pids: number[],
  database: string,
  loopStallFile?: string,
): Promise<SystemResult> {
  console.log(`\n== ${name} (${api.baseUrl}; ${pids.length} process(es): ${pids.join(' ')}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);

  const registerSeconds: Record<string, number> = {};
  for (const file of WORKFLOW_FILES) {
    const t0 = performance.now();
    const how = await api.registerWorkflows(readFileSync(path.join(workflowDir, file), 'utf8'));
    registerSeconds[file] = (performance.now() - t0) / 1000;
    console.log(`  ${how} ${path.relative(REPO_ROOT, path.join(workflowDir, file))} in ${seconds(registerSeconds[file])}`);
  }

  // idle: let start-up and registration settle (and their statistics publish), then a window
  const sampler = new MemorySampler(pids, 50).start();
  const meter = options.commits ? new DatabaseMeter(database) : undefined;
  if (meter) await meter.settle();
  else await sleep(2000);
  sampler.resetWindow();
  await sleep(options.commits ? 10_000 : 3000);
  const idle = sampler.windowMedian();
  let idleDatabasePerSecond: SystemResult['idleDatabasePerSecond'];
  if (meter) {
    const work = await meter.settle(); // 10 s of idle + the settle time, all idle
    idleDatabasePerSecond = { commits: work.commits / work.seconds, rowsWritten: work.rowsWritten / work.seconds };
    meter.background = idleDatabasePerSecond;
  }
  console.log(
    `  idle: RSS ${megabytes(idle.rssKb)}, PSS ${megabytes(idle.pssKb)}` +
      (idleDatabasePerSecond ? `; in the background ${idleDatabasePerSecond.commits.toFixed(1)} commits/s, ${idleDatabasePerSecond.rowsWritten.toFixed(1)} rows written/s` : ''),
  );

  const measuredFrom = Date.now();
  // warm-up: first-use costs (JIT, connection pools, caches) are not what the scenarios measure
  const warmUp = await api.startExecution('bench_chain10');
  await api.waitForSuccess(warmUp, poll);

  // the poller's own reads are transactions too (1 per GET or more): measure, to subtract them
  let transactionsPerGet = 0;
  if (meter) {
    await meter.settle();
    for (let i = 0; i < 100; i++) await api.getExecution(warmUp);
    transactionsPerGet = Math.max(0, (await meter.settle()).commits / 100);
    console.log(`  one GET /v2/executions/{id} costs ${transactionsPerGet.toFixed(2)} transaction(s)`);
  }

  const results: Record<string, ScenarioResult> = {};
  for (const scenario of scenarios) {
    const activity = options.activity ? new ActivitySampler(database) : undefined;
    await activity?.start();
    const getsBefore = api.sent.GET ?? 0;
    const scenarioFrom = Date.now();
    const runs: RunResult[] = [];
    for (let i = 1; i <= options.runs; i++) {
      const cpuBefore = cpuMilliseconds(pids);
      const run = await scenario.run(api, poll);
      runs.push(run);
      const cpuPerExecution = (cpuMilliseconds(pids) - cpuBefore) / scenario.executionsPerRun;
      const tasks = scenario.tasksPerRun ? `, ${(scenario.tasksPerRun / run.seconds).toFixed(0)} task transitions/s` : '';
      console.log(
        `  ${scenario.key} run ${i}/${options.runs}: ${seconds(run.seconds)} (create call ${seconds(run.createSeconds)}${tasks}; ` +
          `${cpuPerExecution.toFixed(1)} ms CPU per execution; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`,
      );
      await sleep(500);
    }
    const scenarioTo = Date.now();
    const executions = options.runs * scenario.executionsPerRun;
    const gets = (api.sent.GET ?? 0) - getsBefore;
    const result: ScenarioResult = {
      runs,
      medianSeconds: median(runs.map((r) => r.seconds)),
      medianCreateSeconds: median(runs.map((r) => r.createSeconds)),
      pollsPerExecution: gets / executions,
      activity: await activity?.stop(),
      loopStallMs: loopStallFile ? maxLoopStallMs(loopStallFile, scenarioFrom, scenarioTo) : undefined,
    };
    if (meter) {
      const work = await meter.settle();
      result.database = { transactions: (work.commits - transactionsPerGet * gets) / executions, rowsWritten: work.rowsWritten / executions };
    }
    if (result.activity) console.log(`  pg_stat_activity during ${scenario.key}:\n    ${result.activity.join('\n    ')}`);
    results[scenario.key] = result;
  }
  sampler.stop();
  const loopStallMs = loopStallFile ? maxLoopStallMs(loopStallFile, measuredFrom, Date.now()) : undefined;
  return { registerSeconds, idle, peak: sampler.peak, processes: pids.length, idleDatabasePerSecond, transactionsPerGet, scenarios: results, loopStallMs };
}

/** Which Sirocco was measured: HEAD, and whether src/ differs from it (read-only git commands). */
function siroccoRevision(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const dirty = spawnSync('git', ['diff', '--quiet', 'HEAD', '--', 'src'], { cwd: REPO_ROOT }).status !== 0;
  return `${head.stdout.trim()}${dirty ? ' + uncommitted changes in src/' : ''}`;
}

// ------------------------------------------------------------------------------------ main
const cleanups: Array<() => Promise<void>> = [];
async function cleanup(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
}
process.once('SIGINT', () => {
  console.error('\ninterrupted: stopping what the bench started');
  void cleanup().then(() => process.exit(130));
});

async function main(): Promise<number> {
  const startedAt = new Date();
  console.log(
    `Engine bench: ${scenarios.map((s) => s.key).join(', ')}; median of ${options.runs} run(s); ` +
      `every execution polled every ${options.pollMs} ms by the same poller for both systems.`,
  );
  console.log(`Machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other jobs may share the machine).`);

  // 1. Mistral
  let mistral: MistralServer | undefined;
  let mistralProblem: string | undefined = options.skipMistral ? 'skipped' : undefined;
  if (!options.skipMistral) {
    try {
      mistral = await MistralServer.ensureRunning();
      const started = mistral;
      if (!started.wasRunning && !options.keepMistral) cleanups.push(() => started.stop());
      console.log(started.wasRunning ? `Mistral already running on ${started.url} (left running at the end)` : `Mistral started in ${seconds(started.setupSeconds)}`);
    } catch (error) {
      mistralProblem = 'unavailable';
      console.error(`Mistral could not be started: ${error instanceof Error ? error.message : String(error)}\nGoing on with Sirocco only.`);
    }
  }

  // 2. the machine's commit rate
  const settings = await serverSettings();
  console.log(`PostgreSQL ${settings.server_version}: synchronous_commit=${settings.synchronous_commit}, fsync=${settings.fsync}, wal_sync_method=${settings.wal_sync_method}`);
  let pgbench: PgbenchResult[] = [];
  if (!options.skipPgbench) {
    console.log(`pgbench -N (write-only) for ${options.pgbenchSeconds} s with 4 clients, then 1 client ...`);
    pgbench = await measureCommitRate(options.pgbenchDatabase, options.pgbenchSeconds);
    for (const p of pgbench) console.log(`  ${p.clients} client(s): ${p.tps.toFixed(0)} tps`);
  }

  // 3. Sirocco
  if (!options.skipBuild) {
    console.log('npm run build ...');
    SiroccoServer.build();
  }
  const revision = siroccoRevision();
  console.log(`Sirocco revision: ${revision}`);
  const sirocco = await SiroccoServer.start(options.siroccoDatabase);
  const stopSirocco = () => sirocco.stop();
  cleanups.push(stopSirocco);
  const siroccoResult = await benchSystem('Sirocco', new WorkflowApi('Sirocco', `${sirocco.url}/v2`), path.join(WORKFLOWS_DIR, 'sirocco'), [sirocco.pid], options.siroccoDatabase, sirocco.loopStallFile);
  siroccoResult.peakRssHwmKb = peakRssKb(sirocco.pid);
  // Sirocco stops before Mistral's block: nothing of it runs meanwhile
  cleanups.splice(cleanups.indexOf(stopSirocco), 1);
  await stopSirocco();

  // 4. Mistral
  let mistralResult: SystemResult | undefined;
  let rabbitmq: Memory | undefined;
  if (mistral) {
    mistralResult = await benchSystem('Mistral', new WorkflowApi('Mistral', `${mistral.url}/v2`), path.join(WORKFLOWS_DIR, 'mistral'), mistral.pids(), options.mistralDatabase);
    rabbitmq = sumMemory(rabbitmqPids());
  }

  // 5. report
  const m = (value: string | undefined) => value ?? mistralProblem ?? '-';
  const rows: Row[] = scenarios.map((s) => {
    const a = siroccoResult.scenarios[s.key];
    const b = mistralResult?.scenarios[s.key];
    return { scenario: s.label, sirocco: seconds(a.medianSeconds), mistral: m(b && seconds(b.medianSeconds)), ratio: ratio(a.medianSeconds, b?.medianSeconds) };
  });
  const sum = (r: Record<string, number>) => Object.values(r).reduce((x, y) => x + y, 0);
  const mistralProcs = mistralResult ? ` of ${mistralResult.processes} processes` : '';
  rows.push(
    { scenario: `register the ${WORKFLOW_FILES.length} workflows (once, not a median)`, sirocco: seconds(sum(siroccoResult.registerSeconds)), mistral: m(mistralResult && seconds(sum(mistralResult.registerSeconds))), ratio: ratio(sum(siroccoResult.registerSeconds), mistralResult && sum(mistralResult.registerSeconds)) },
    { scenario: `RSS idle (Mistral: sum${mistralProcs})`, sirocco: megabytes(siroccoResult.idle.rssKb), mistral: m(mistralResult && megabytes(mistralResult.idle.rssKb)), ratio: ratio(siroccoResult.idle.rssKb, mistralResult?.idle.rssKb) },
    { scenario: `RSS peak (sampled every 50 ms)`, sirocco: megabytes(siroccoResult.peak.rssKb), mistral: m(mistralResult && megabytes(mistralResult.peak.rssKb)), ratio: ratio(siroccoResult.peak.rssKb, mistralResult?.peak.rssKb) },
    { scenario: `PSS idle (shared pages split)`, sirocco: megabytes(siroccoResult.idle.pssKb), mistral: m(mistralResult && megabytes(mistralResult.idle.pssKb)), ratio: ratio(siroccoResult.idle.pssKb, mistralResult?.idle.pssKb) },
    { scenario: `PSS peak`, sirocco: megabytes(siroccoResult.peak.pssKb), mistral: m(mistralResult && megabytes(mistralResult.peak.pssKb)), ratio: ratio(siroccoResult.peak.pssKb, mistralResult?.peak.pssKb) },
  );
  console.log(`\nCreate-to-SUCCESS wall time over REST, median of ${options.runs}; poll interval ${options.pollMs} ms; ${cpus().length} cores.`);
  printTable(rows);
  console.log(
    `The POST /v2/executions call(s) alone, median: ` +
      scenarios
        .map((s) => `${s.key} ${seconds(siroccoResult.scenarios[s.key].medianCreateSeconds)} / ${m(mistralResult && seconds(mistralResult.scenarios[s.key].medianCreateSeconds))}`)
        .join('; ') +
      ' (Sirocco / Mistral).',
  );
  const stall = (ms: number | undefined) => (ms === undefined ? '-' : `${ms} ms`);
  console.log(
    `Sirocco event-loop stall (max lateness of a 10 ms timer in its process): ` +
      scenarios.map((s) => `${s.key} ${stall(siroccoResult.scenarios[s.key].loopStallMs)}`).join('; ') +
      `; whole block from the warm-up ${stall(siroccoResult.loopStallMs)}.`,
  );
  if (siroccoResult.peakRssHwmKb) console.log(`Sirocco VmHWM (kernel peak RSS): ${megabytes(siroccoResult.peakRssHwmKb)}.`);
  if (rabbitmq) console.log(`Not in Mistral's figures: RabbitMQ (needed for its RPC) RSS ${megabytes(rabbitmq.rssKb)}, PSS ${megabytes(rabbitmq.pssKb)}.`);

  if (options.commits) {
    const cell = (r: ScenarioResult | undefined, executionsPerRun: number) =>
      r?.database === undefined
        ? undefined
        : `${Math.round(r.database.transactions)} tx (${Math.round((r.database.transactions * executionsPerRun) / r.medianSeconds)}/s), ${Math.round(r.database.rowsWritten)} rows`;
    const commitRows: Row[] = scenarios.map((s) => {
      const a = siroccoResult.scenarios[s.key];
      const b = mistralResult?.scenarios[s.key];
      return { scenario: s.key, sirocco: cell(a, s.executionsPerRun) ?? '-', mistral: m(cell(b, s.executionsPerRun)), ratio: ratio(a.database?.transactions, b?.database?.transactions) };
    });
    console.log(
      `\nPostgreSQL work per execution (pg_stat_database of each system's database; idle background and the poller's GETs subtracted):` +
        `\ncommitted transactions (the rate that means at the median time), rows inserted+updated+deleted`,
    );
    printTable(commitRows, { scenario: 'scenario', sirocco: 'Sirocco', mistral: 'Mistral', ratio: 'tx ratio' });
  }
  if (pgbench.length > 0) {
    console.log(`\nMachine PostgreSQL commit rate (pgbench -N, ${options.pgbenchSeconds} s): ${pgbench.map((p) => `${p.clients} client(s) ${p.tps.toFixed(0)} tps`).join('; ')}.`);
  }
  if (mistral?.setupSeconds !== undefined) console.log(`Mistral setup (scripts/mistral-server.sh start) took ${seconds(mistral.setupSeconds)}.`);

  // 6. JSON
  const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `engine-${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}.json`);
  const report = {
    startedAt: startedAt.toISOString(),
    options,
    siroccoRevision: revision,
    machine: { cores: cpus().length, loadAverageAtEnd: loadavg() },
    postgres: { settings, pgbench },
    mistral: mistral ? { url: mistral.url, wasRunning: mistral.wasRunning, setupSeconds: mistral.setupSeconds } : mistralProblem,
    table: rows,
    sirocco: siroccoResult,
    mistralResult: mistralResult ?? null,
    rabbitmq: rabbitmq ?? null,
  };
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nWritten ${path.relative(REPO_ROOT, file)}`);
  return mistralProblem === 'unavailable' ? 1 : 0;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    if (error instanceof ExecutionFailed) {
      console.error(`\nBENCH FAILED: ${error.message}`);
    } else {
      console.error(`\nBENCH FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    await cleanup();
    process.exit(1);
  });
