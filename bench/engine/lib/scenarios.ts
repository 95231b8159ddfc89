/**
 * The four measured scenarios. Each run's figure is create-to-SUCCESS wall time: from just before
 * POST /v2/executions to the poll that first sees SUCCESS, so it includes the create call itself
 * (Mistral validates and plans a 200-task workflow inside it) and up to one poll interval.
 */
import { performance } from 'node:perf_hooks';
import { ExecutionFailed, type Execution, type PollOptions, type WorkflowApi } from './http-client';

/** BENCH_CONCURRENT: executions of chain10 started at once by the `concurrent` scenario (not in the default set). */
const CONCURRENT = Number(process.env.BENCH_CONCURRENT || 2000);
/** BENCH_CLIENTS: how many of those create calls are in flight at once. */
const CLIENTS = Number(process.env.BENCH_CLIENTS || 20);

export interface RunResult {
  seconds: number;
  /** how long the POST /v2/executions call(s) took */
  createSeconds: number;
}

export interface Scenario {
  key: string;
  label: string;
  /** executions one run starts, to turn commit counts into commits per execution */
  executionsPerRun: number;
  /** task transitions one run makes, for a transitions-per-second figure */
  tasksPerRun?: number;
  run(api: WorkflowApi, poll: PollOptions): Promise<RunResult>;
}

async function single(api: WorkflowApi, poll: PollOptions, workflow: string, check?: (output: Record<string, unknown>) => string | undefined) {
  const t0 = performance.now();
  const id = await api.startExecution(workflow);
  const created = performance.now();
  const { execution, seenAt } = await api.waitForSuccess(id, poll);
  if (check) {
    const problem = check(JSON.parse(execution.output ?? '{}') as Record<string, unknown>);
    if (problem) throw new ExecutionFailed(api.system, execution, `succeeded with a wrong output: ${problem}`);
  }
  return { seconds: (seenAt - t0) / 1000, createSeconds: (created - t0) / 1000 };
}

export const SCENARIOS: Scenario[] = [
  {
    key: 'chain100',
    label: 'chain100: 100 std.noop in a chain',
    executionsPerRun: 1,
    run: (api, poll) => single(api, poll, 'bench_chain100'),
  },
  {
    key: 'par200',
    label: 'par200: 200 parallel std.noop + join all',
    executionsPerRun: 1,
    run: (api, poll) => single(api, poll, 'bench_par200'),
  },
  {
    key: 'items500',
    label: 'items500: with-items 500 std.echo, concurrency 50',
    executionsPerRun: 1,
    // the output proves all 500 items ran (count of the with-items result list)
    run: (api, poll) => single(api, poll, 'bench_items500', (output) => (output.count === 500 ? undefined : `count is ${JSON.stringify(output.count)}, not 500`)),
  },
  {
    key: 'concurrent20',
    label: '20 concurrent executions of chain10',
    executionsPerRun: 20,
    async run(api, poll) {
      const t0 = performance.now();
      // all 20 create calls at once, as 20 clients would
      const ids = await Promise.all(Array.from({ length: 20 }, () => api.startExecution('bench_chain10')));
      const created = performance.now();
      const lastSeen = await api.waitForAllSuccess(ids, poll);
      return { seconds: (lastSeen - t0) / 1000, createSeconds: (created - t0) / 1000 };
    },
  },
  {
    key: 'concurrent',
    label: `${CONCURRENT} executions of chain10, ${CLIENTS} clients at once`,
    executionsPerRun: CONCURRENT,
    tasksPerRun: CONCURRENT * 10,
    async run(api, poll) {
      const t0 = performance.now();
      // CLIENTS clients at once, each creating the next execution as soon as its last create
      // answered (all at once would queue past the service's database connect timeout, a 503);
      // an answer that says SUCCESS needs no poll
      const created: Array<{ execution: Execution; at: number }> = [];
      const client = async () => {
        while (created.length < CONCURRENT) {
          const slot = created.length;
          created[slot] = undefined as never;
          created[slot] = { execution: await api.createExecution('bench_chain10'), at: performance.now() };
        }
      };
      await Promise.all(Array.from({ length: Math.min(CLIENTS, CONCURRENT) }, client));
      const createdAt = Math.max(...created.map((entry) => entry.at));
      const failed = created.find((entry) => entry.execution.state === 'ERROR' || entry.execution.state === 'CANCELLED');
      if (failed) throw new ExecutionFailed(api.system, failed.execution, `ended in ${failed.execution.state}: ${failed.execution.state_info ?? ''}`);
      const running = created.filter((entry) => entry.execution.state !== 'SUCCESS').map((entry) => entry.execution.id);
      const lastSeen = running.length > 0 ? await api.waitForAllSuccess(running, poll) : createdAt;
      return { seconds: (Math.max(lastSeen, createdAt) - t0) / 1000, createSeconds: (createdAt - t0) / 1000 };
    },
  },
];

/** The workflow files each system registers (the same graphs; YAQL for Mistral, JSONata for Sirocco). */
export const WORKFLOW_FILES = ['chain10.yaml', 'chain100.yaml', 'par200.yaml', 'items500.yaml'];
