import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SIROCCO_CONFIG } from '../../config/config.module';
import type { SiroccoConfig } from '../../config/sirocco-config';
import { DatabaseHealth } from '../../database/database-health';
import { ExecutionRetentionRepository } from './execution-retention.repository';

/** Executions looked at per round; what is left waits for the next round. */
const ROUND_LIMIT = 10_000;
/** Unused specs deleted per statement (a spec row can be large: small transactions). */
const SPEC_BATCH = 100;

/**
 * Removes finished executions past their retention (age, count per workflow or trigger), on every
 * instance, every `intervalSeconds`. It deletes in small transactions that skip rows the engine
 * holds, so running work never waits on it; replicas share the work the same way. Trigger firings
 * keep the ids of the executions they started.
 */
@Injectable()
export class ExecutionRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExecutionRetention.name);
  private readonly settings: SiroccoConfig['retention'];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopping = false;

  constructor(
    private readonly repository: ExecutionRetentionRepository,
    private readonly health: DatabaseHealth,
    @Inject(SIROCCO_CONFIG) config: SiroccoConfig,
  ) {
    this.settings = config.retention;
  }

  get enabled(): boolean {
    const { successDays, failureDays, maxPerWorkflow, maxPerTrigger } = this.settings;
    return successDays + failureDays + maxPerWorkflow + maxPerTrigger > 0;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => void this.sweep(), this.settings.intervalSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One round (or the one already running): how many executions it removed. */
  sweep(): Promise<number> {
    if (this.stopping || !this.enabled || !this.health.isAvailable) return Promise.resolve(0);
    this.running ??= this.removeExpired().finally(() => (this.running = null));
    return this.running;
  }

  private async removeExpired(): Promise<number> {
    let removed = 0;
    try {
      const expired = await this.repository.expired(this.settings, ROUND_LIMIT);
      for (let i = 0; i < expired.length && !this.stopping; i += this.settings.batchSize) {
        removed += await this.repository.deleteTrees(expired.slice(i, i + this.settings.batchSize));
      }
      if (removed > 0) this.logger.log(`retention removed ${removed} finished executions (with their tasks, actions and sub-workflows)`);
      let specs = 0;
      let deleted = SPEC_BATCH;
      while (deleted === SPEC_BATCH && !this.stopping) {
        deleted = await this.repository.deleteUnusedSpecs(SPEC_BATCH);
        specs += deleted;
      }
      if (specs > 0) this.logger.log(`retention removed ${specs} workflow specs no execution uses any more`);
    } catch (error) {
      this.logger.warn(`retention of finished executions failed, will retry next round: ${String(error)}`);
    }
    return removed;
  }
}
