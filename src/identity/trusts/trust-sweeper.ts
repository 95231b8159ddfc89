import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { DatabaseHealth } from '../../database/database-health';
import { ExecutionLookupRegistry } from './execution-lookup';
import { TRUST_CREDENTIALS, type TrustCredentials } from './trust-credentials';
import { TrustsRepository, type ExecutionTrustRow, type TriggerTrustRow } from './trusts.repository';

/** How long a finished execution keeps its trust, so a failed task can still be re-run. */
const KEEP_AFTER_END_SECONDS = 3600;
/** Trusts deleted per kind and round; the rest wait for the next round. */
const SWEEP_LIMIT = 100;
/** Execution trusts looked at per query while looking for released ones. */
const PAGE = 500;

/**
 * The one clean-up of trusts that are no longer needed, every 10 s on every instance: a deleted
 * trigger's trust once none of its executions still runs (they need its token until they end),
 * and an API-started execution's trust an hour after the execution ended or once it was deleted.
 * The engine says which executions run or ended (ExecutionLookup); a trust that cannot be deleted
 * stays recorded and is tried again next round.
 */
@Injectable()
export class TrustSweeper implements OnApplicationShutdown {
  private readonly logger = new Logger(TrustSweeper.name);
  private running: Promise<void> | null = null;
  private again = false;
  private stopping = false;

  constructor(
    private readonly repository: TrustsRepository,
    private readonly executions: ExecutionLookupRegistry,
    private readonly health: DatabaseHealth,
    @Inject(TRUST_CREDENTIALS) private readonly credentials: TrustCredentials,
  ) {}

  onApplicationShutdown(): void {
    this.stopping = true;
  }

  /** One round; asked for while a round runs, it resolves after a further round that starts later. */
  @Interval('trust-sweep', 10_000)
  sweep(): Promise<void> {
    if (this.stopping || !this.health.isAvailable) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.sweepTriggerTrusts().catch((error: unknown) => this.failed('sweeping the trusts of deleted cron triggers failed', error));
          // noauth mode makes no execution trusts
          if (this.credentials.supportsTrusts) {
            await this.sweepExecutionTrusts().catch((error: unknown) => this.failed('sweeping the trusts of finished executions failed', error));
          }
        } while (this.again && !this.stopping);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async sweepTriggerTrusts(): Promise<void> {
    const requested = await this.repository.triggerTrustsToDelete();
    if (requested.length === 0) return;
    const live = new Set(await this.executions.get().triggersWithLiveExecutions(requested.map((row) => row.trigger_id)));
    const rows: TriggerTrustRow[] = requested.filter((row) => !live.has(row.trigger_id)).slice(0, SWEEP_LIMIT);
    for (const row of rows) {
      try {
        await this.credentials.deleteTrust(row.trust_id);
        await this.repository.deleteTriggerTrust(row.trigger_id);
      } catch (error) {
        this.logger.warn(`deleting the trust of deleted cron trigger ${row.trigger_id} failed, will retry: ${String(error)}`);
      }
    }
  }

  private async sweepExecutionTrusts(): Promise<void> {
    const rows: ExecutionTrustRow[] = [];
    let after: string | null = null;
    while (rows.length < SWEEP_LIMIT && !this.stopping) {
      const page = await this.repository.executionTrustsAfter(after, PAGE);
      if (page.length === 0) break;
      const released = new Set(await this.executions.get().releasedExecutions(page.map((row) => row.execution_id), KEEP_AFTER_END_SECONDS));
      rows.push(...page.filter((row) => released.has(row.execution_id)));
      if (page.length < PAGE) break;
      after = page[page.length - 1].execution_id;
    }
    for (const row of rows.slice(0, SWEEP_LIMIT)) {
      try {
        if (row.trust_id) await this.credentials.deleteTrust(row.trust_id);
        await this.repository.deleteExecutionTrust(row.execution_id);
      } catch (error) {
        this.logger.warn(`deleting the trust of finished execution ${row.execution_id} failed, will retry: ${String(error)}`);
      }
    }
  }

  private failed(what: string, error: unknown): void {
    if (!this.stopping && !this.health.reportFailure(error)) this.logger.warn(`${what}: ${String(error)}`);
  }
}
