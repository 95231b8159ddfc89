/**
 * The four measured scenarios. Each run's figure is create-to-SUCCESS wall time: from just before
 * POST /v2/executions to the poll that first sees SUCCESS, so it includes the create call itself
 * (Mistral validates and plans a 200-task workflow inside it) and up to one poll interval.
 */
import { performance } from 'node:perf_hooks';
import { ExecutionFailed, type PollOptions, type WorkflowApi } from './http-client';

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
];

/** The workflow files each system registers (the same graphs; YAQL for Mistral, JSONata for Sirocco). */
export const WORKFLOW_FILES = ['chain10.yaml', 'chain100.yaml', 'par200.yaml', 'items500.yaml'];
