import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ExecutionsRepository } from '../engine/executions.repository';
import { SiroccoMetrics } from '../metrics/sirocco-metrics';
import { CronTriggerRepository } from './cron-trigger.repository';

/** Triggers reported by the last-success gauge at most (one probe of an index each). */
const MAX_TRIGGERS = 5000;

/** The cron triggers' gauges, read when Prometheus scrapes (trigger rows here, executions through the engine's repository). */
@Injectable()
export class TriggerMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: SiroccoMetrics,
    private readonly triggers: CronTriggerRepository,
    private readonly executions: ExecutionsRepository,
  ) {}

  onModuleInit(): void {
    this.metrics.addDatabaseGauge({
      name: 'sirocco_cron_trigger_trusts',
      help: "Cron triggers by the state of their Keystone trust at its last check (ok, broken); keystone mode",
      labelNames: ['status'] as const,
      read: async () => {
        const counts = new Map((await this.triggers.trustStatusCounts()).map((row) => [row.status, row.count]));
        return ['ok', 'broken'].map((status) => ({ labels: { status }, value: counts.get(status) ?? 0 }));
      },
    });
    this.metrics.addDatabaseGauge({
      name: 'sirocco_cron_trigger_last_success_timestamp_seconds',
      help:
        'Unix time at which the latest successful execution started by the cron trigger ended, for enabled triggers; ' +
        'triggers that never succeeded are absent; several projects\' triggers of one name: the oldest of their last successes',
      labelNames: ['trigger', 'workflow'] as const,
      read: () => this.lastSuccesses(),
    });
  }

  private async lastSuccesses() {
    const triggers = await this.triggers.scheduledTriggers(MAX_TRIGGERS);
    if (triggers.length === 0) return [];
    const last = await this.executions.lastSuccessOfTriggers(triggers.map((trigger) => trigger.id));
    // label sets must be unique: same-named triggers of different projects report the stalest
    const oldest = new Map<string, { trigger: string; workflow: string; at: number }>();
    for (const trigger of triggers) {
      const at = last.get(trigger.id);
      if (!at) continue;
      const key = `${trigger.name}\u0000${trigger.workflowName}`;
      const known = oldest.get(key);
      if (!known || at.getTime() < known.at) oldest.set(key, { trigger: trigger.name, workflow: trigger.workflowName, at: at.getTime() });
    }
    return [...oldest.values()].map((entry) => ({ labels: { trigger: entry.trigger, workflow: entry.workflow }, value: entry.at / 1000 }));
  }
}
