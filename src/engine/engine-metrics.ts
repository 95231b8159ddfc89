import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SiroccoMetrics } from '../metrics/sirocco-metrics';
import { ExecutionsRepository } from './executions.repository';
import { RuntimeClaimsRepository } from './runtime/runtime-claims.repository';

/** A delayed job due for longer than this has not been run by any instance. */
const OVERDUE_SECONDS = 60;
/** Counts stop here: a scrape stays cheap even with a huge backlog. */
const COUNT_CAP = 100_000;
/** Workflows reported by the last-success gauge at most. */
const MAX_WORKFLOWS = 2000;

/** The engine's gauges, read from its tables through its repositories when Prometheus scrapes. */
@Injectable()
export class EngineMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: SiroccoMetrics,
    private readonly executions: ExecutionsRepository,
    private readonly claims: RuntimeClaimsRepository,
  ) {}

  onModuleInit(): void {
    this.metrics.addDatabaseGauge({
      name: 'sirocco_delayed_jobs',
      help: `Delayed jobs (waits, retries, timeouts, starts) due now (state="due") and due for more than ${OVERDUE_SECONDS} s (state="overdue"); counted up to ${COUNT_CAP}`,
      labelNames: ['state'] as const,
      read: async () => {
        const { due, overdue } = await this.claims.dueJobCounts(OVERDUE_SECONDS, COUNT_CAP);
        return [
          { labels: { state: 'due' }, value: due },
          { labels: { state: 'overdue' }, value: overdue },
        ];
      },
    });
    this.metrics.addDatabaseGauge({
      name: 'sirocco_executions_active',
      help: `Workflow executions not ended (all instances), by state (RUNNING, PAUSED, IDLE); counted up to ${COUNT_CAP}`,
      labelNames: ['state'] as const,
      read: async () => {
        const counts = new Map((await this.executions.activeExecutionCounts(COUNT_CAP)).map((row) => [row.state, row.count]));
        return ['RUNNING', 'PAUSED', 'IDLE'].map((state) => ({ labels: { state }, value: counts.get(state) ?? 0 }));
      },
    });
    this.metrics.addDatabaseGauge({
      name: 'sirocco_workflow_last_success_timestamp_seconds',
      help: "Unix time at which the workflow's latest successful top-level execution ended (workflows that never succeeded are absent)",
      labelNames: ['workflow'] as const,
      read: async () =>
        (await this.executions.lastSuccessByWorkflow(MAX_WORKFLOWS)).map((row) => ({ labels: { workflow: row.workflow }, value: row.at.getTime() / 1000 })),
    });
  }
}
