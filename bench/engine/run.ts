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
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExecutionFailed, WorkflowApi, type PollOptions } from './lib/http-client';
import { MemorySampler, peakRssKb, sumMemory, type Memory } from './lib/memory-sampler';
import {
  ActivitySampler,
  committedTransactions,
  measureCommitRate,
  serverSettings,
  STATS_PUBLISH_DELAY_MS,
  type PgbenchResult,
} from './lib/postgres';
import { median, megabytes, printTable, ratio, seconds, type Row } from './lib/report';
import { SCENARIOS, WORKFLOW_FILES, type RunResult } from './lib/scenarios';
import { MistralServer, rabbitmqPids, REPO_ROOT, SiroccoServer } from './lib/servers';

// ------------------------------------------------------------------------------------ options
const env = process.env;
const flag = (name: string) => env[name] === '1' || env[name] === 'true';
const options = {
  runs: Number(env.BENCH_RUNS || 3),
  skipMistral: flag('BENCH_SKIP_MISTRAL'),
  pollMs: Number(env.BENCH_POLL_MS || 25),
  timeoutMs: Number(env.BENCH_TIMEOUT_S || 600) * 1000,
  scenarios: env.BENCH_SCENARIOS ? env.BENCH_SCENARIOS.split(',') : SCENARIOS.map((s) => s.key),
  skipBuild: flag('BENCH_SKIP_BUILD'),
  pgbenchSeconds: Number(env.BENCH_PGBENCH_SECONDS || 10),
  skipPgbench: flag('BENCH_SKIP_PGBENCH'),
  // counting commits needs PostgreSQL's statistics to settle (~11 s) around every scenario
  commits: env.BENCH_COMMITS !== '0',
  activity: flag('BENCH_PG_ACTIVITY'),
  keepMistral: flag('BENCH_KEEP_MISTRAL'),
  siroccoDatabase: 'sirocco_bench',
  pgbenchDatabase: 'bench_pgbench',
  mistralDatabase: env.MISTRAL_DB_NAME || 'mistral',
};
const poll: PollOptions = { pollMs: options.pollMs, timeoutMs: options.timeoutMs };
const scenarios = SCENARIOS.filter((s) => options.scenarios.includes(s.key));
const WORKFLOWS_DIR = path.join(__dirname, 'workflows');

// ------------------------------------------------------------------------------------ one system
interface ScenarioResult {
  runs: RunResult[];
  medianSeconds: number;
  medianCreateSeconds: number;
  /** committed PostgreSQL transactions per execution, idle background subtracted */
  commitsPerExecution?: number;
  /** pg_stat_activity profile while the scenario ran (BENCH_PG_ACTIVITY=1) */
  activity?: string[];
}

interface SystemResult {
  registerSeconds: Record<string, number>;
  idle: Memory;
  peak: Memory;
  /** the kernel's peak RSS of the process (Sirocco only: VmHWM) */
  peakRssHwmKb?: number;
  processes: number;
  idleCommitsPerSecond?: number;
  scenarios: Record<string, ScenarioResult>;
}

async function benchSystem(name: string, api: WorkflowApi, workflowDir: string, pids: number[], database: string): Promise<SystemResult> {
  console.log(`\n== ${name} (${api.baseUrl}; ${pids.length} process(es): ${pids.join(' ')}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);

  const registerSeconds: Record<string, number> = {};
  for (const file of WORKFLOW_FILES) {
    const t0 = performance.now();
    const how = await api.registerWorkflows(readFileSync(path.join(workflowDir, file), 'utf8'));
    registerSeconds[file] = (performance.now() - t0) / 1000;
    console.log(`  ${how} ${path.relative(REPO_ROOT, path.join(workflowDir, file))} in ${seconds(registerSeconds[file])}`);
  }

  const sampler = new MemorySampler(pids, 50).start();
  // idle: let start-up and registration settle (and their statistics publish), then a window
  const settleMs = options.commits ? STATS_PUBLISH_DELAY_MS : 2000;
  await sleep(settleMs);
  const idleStart = performance.now();
  const idleCommitsStart = options.commits ? await committedTransactions(database) : 0;
  sampler.resetWindow();
  await sleep(options.commits ? 10_000 : 3000);
  const idle = sampler.windowMedian();
  let idleCommitsPerSecond: number | undefined;
  if (options.commits) {
    idleCommitsPerSecond = ((await committedTransactions(database)) - idleCommitsStart) / ((performance.now() - idleStart) / 1000);
  }
  console.log(`  idle: RSS ${megabytes(idle.rssKb)}, PSS ${megabytes(idle.pssKb)}` + (idleCommitsPerSecond === undefined ? '' : `, ${idleCommitsPerSecond.toFixed(1)} commits/s in the background`));

  // warm-up: first-use costs (JIT, connection pools, caches) are not what the scenarios measure
  await api.waitForSuccess(await api.startExecution('bench_chain10'), poll);

  const results: Record<string, ScenarioResult> = {};
  for (const scenario of scenarios) {
    if (options.commits) await sleep(STATS_PUBLISH_DELAY_MS);
    const commitsBefore = options.commits ? await committedTransactions(database) : 0;
    const t0 = performance.now();
    const activity = options.activity ? new ActivitySampler(database) : undefined;
    await activity?.start();
    const runs: RunResult[] = [];
    for (let i = 1; i <= options.runs; i++) {
      const run = await scenario.run(api, poll);
      runs.push(run);
      console.log(`  ${scenario.key} run ${i}/${options.runs}: ${seconds(run.seconds)} (create call ${seconds(run.createSeconds)})`);
      await sleep(500);
    }
    const result: ScenarioResult = {
      runs,
      medianSeconds: median(runs.map((r) => r.seconds)),
      medianCreateSeconds: median(runs.map((r) => r.createSeconds)),
      activity: await activity?.stop(),
    };
    if (options.commits) {
      await sleep(STATS_PUBLISH_DELAY_MS);
      const commits = (await committedTransactions(database)) - commitsBefore;
      const background = (idleCommitsPerSecond ?? 0) * ((performance.now() - t0) / 1000);
      result.commitsPerExecution = (commits - background) / (options.runs * scenario.executionsPerRun);
    }
    if (result.activity) console.log(`  pg_stat_activity during ${scenario.key}:\n    ${result.activity.join('\n    ')}`);
    results[scenario.key] = result;
  }
  sampler.stop();
  return { registerSeconds, idle, peak: sampler.peak, processes: pids.length, idleCommitsPerSecond, scenarios: results };
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
  const sirocco = await SiroccoServer.start(options.siroccoDatabase);
  const stopSirocco = () => sirocco.stop();
  cleanups.push(stopSirocco);
  const siroccoResult = await benchSystem('Sirocco', new WorkflowApi('Sirocco', `${sirocco.url}/v2`), path.join(WORKFLOWS_DIR, 'sirocco'), [sirocco.pid], options.siroccoDatabase);
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
  if (siroccoResult.peakRssHwmKb) console.log(`Sirocco VmHWM (kernel peak RSS): ${megabytes(siroccoResult.peakRssHwmKb)}.`);
  if (rabbitmq) console.log(`Not in Mistral's figures: RabbitMQ (needed for its RPC) RSS ${megabytes(rabbitmq.rssKb)}, PSS ${megabytes(rabbitmq.pssKb)}.`);

  if (options.commits) {
    const commitRows: Row[] = scenarios.map((s) => {
      const cell = (r: ScenarioResult | undefined) => (r?.commitsPerExecution === undefined ? undefined : `${Math.round(r.commitsPerExecution)} (${Math.round((r.commitsPerExecution * s.executionsPerRun) / r.medianSeconds)}/s)`);
      const a = siroccoResult.scenarios[s.key];
      const b = mistralResult?.scenarios[s.key];
      return { scenario: s.key, sirocco: cell(a) ?? '-', mistral: m(cell(b)), ratio: ratio(a.commitsPerExecution, b?.commitsPerExecution) };
    });
    console.log(`\nPostgreSQL transactions committed per execution (pg_stat_database.xact_commit, idle background subtracted) and the rate that means:`);
    printTable(commitRows, { scenario: 'scenario', sirocco: 'Sirocco', mistral: 'Mistral', ratio: 'ratio' });
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
