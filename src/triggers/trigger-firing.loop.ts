import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { DatabaseHealth } from '../database/database-health';
import { TRIGGER_CREDENTIALS, type TriggerCredentials } from './trigger-credentials';
import { TriggerFirer } from './trigger-firer';

/** Due triggers fired in one transaction: fewer round trips, and still one lock per trigger. */
const FIRING_BATCH = 25;

/**
 * Every instance runs this loop; the tick (@nestjs/schedule, once a second) only looks for due
 * triggers, through a partial index, so its cost follows the due triggers and not the stored ones.
 * Each due trigger is then fired in its own transaction (TriggerFirer), several at once; a trigger
 * another instance is firing is skipped, not waited for.
 */
@Injectable()
export class TriggerFiringLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TriggerFiringLoop.name);
  private ticking = false;
  private sweeping = false;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly firer: TriggerFirer,
    @Inject(TRIGGER_CREDENTIALS) private readonly credentials: TriggerCredentials,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
    private readonly health: DatabaseHealth,
  ) {}

  onApplicationBootstrap(): void {
    // back from an outage: fire what came due meanwhile (by each trigger's misfire policy) at once
    this.health.onAvailable(() => void this.tick());
    // an instance that was down may have missed the daily check
    void this.checkTrusts();
  }

  onApplicationShutdown(): void {
    this.stopping = true;
  }

  @Interval('cron-trigger-tick', 1000)
  async tick(): Promise<void> {
    // while the database is away the loop pauses; DatabaseHealth wakes it when it answers
    if (this.ticking || this.stopping || !this.health.isAvailable) return;
    this.ticking = true;
    try {
      // a full batch means more are due: go again at once rather than a second later
      while (!this.stopping && this.health.isAvailable && (await this.fireDueBatch()) >= this.config.triggers.batchSize);
    } catch (error) {
      if (!this.stopping && !this.health.reportFailure(error)) this.logger.error(`cron trigger tick failed: ${String(error)}`);
    } finally {
      this.ticking = false;
    }
  }

  /** Fires the due triggers of one batch; returns how many were due. */
  async fireDueBatch(): Promise<number> {
    const due: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM cron_triggers
        WHERE enabled AND finished_at IS NULL AND next_fire_at IS NOT NULL AND next_fire_at <= now()
        ORDER BY next_fire_at LIMIT $1`,
      [this.config.triggers.batchSize],
    );
    // batches of triggers per transaction, several batches at once
    const batches: string[][] = [];
    for (let index = 0; index < due.length; index += FIRING_BATCH) batches.push(due.slice(index, index + FIRING_BATCH).map((row) => row.id));
    let next = 0;
    const worker = async () => {
      while (next < batches.length && !this.stopping) {
        const batch = batches[next++];
        await this.firer.fireDue(batch).catch((error: unknown) => {
          // a batch that failed is still due: it fires at the next tick, by its misfire policy
          if (!this.health.reportFailure(error)) this.logger.error(`firing cron triggers failed: ${String(error)}`);
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.triggers.concurrency, batches.length) }, worker));
    return due.length;
  }

  /**
   * The daily trust health check: each trigger's trust is tried once a day (hourly sweep, claimed
   * with SKIP LOCKED so replicas share the work), and a broken one shows as trust_status 'broken'
   * in the API long before the trigger fails at 05:00.
   */
  @Interval('cron-trust-check', 3600_000)
  async checkTrusts(): Promise<void> {
    // an interval's rejection would be unhandled: failures are logged, the next round retries
    if (!this.health.isAvailable) return;
    await this.checkStaleTrusts().catch((error: unknown) => {
      if (!this.stopping && !this.health.reportFailure(error)) this.logger.warn(`trust health check failed: ${String(error)}`);
    });
  }

  private async checkStaleTrusts(): Promise<void> {
    if (this.stopping) return;
    for (;;) {
      const checked = await this.dataSource.transaction(async (manager) => {
        const due: Array<{ id: string; trust_id: string }> = await manager.query(
          `SELECT t.id, tt.trust_id FROM cron_triggers t JOIN trigger_trusts tt ON tt.trigger_id = t.id
            WHERE t.finished_at IS NULL AND tt.delete_requested_at IS NULL
              AND (t.trust_checked_at IS NULL OR t.trust_checked_at < now() - interval '1 day')
            ORDER BY t.trust_checked_at NULLS FIRST LIMIT 50 FOR UPDATE OF t SKIP LOCKED`,
        );
        for (const row of due) {
          let problem: string | null = null;
          try {
            await this.credentials.verifyTrust(row.trust_id);
          } catch (error) {
            problem = error instanceof Error ? error.message : String(error);
          }
          await manager.query(
            `UPDATE cron_triggers SET trust_status = $2, trust_checked_at = now(), trust_error = $3 WHERE id = $1`,
            [row.id, problem ? 'broken' : 'ok', problem],
          );
          if (problem) this.logger.warn(`cron trigger ${row.id}: its trust is broken: ${problem}`);
        }
        return due.length;
      });
      if (checked < 50 || this.stopping) return;
    }
  }

  /**
   * Deletes the trusts of deleted triggers once none of their executions still runs (they need the
   * trust's token until they end).
   */
  @Interval('cron-trust-sweep', 10000)
  async sweepTrusts(): Promise<void> {
    if (this.sweeping || this.stopping || !this.health.isAvailable) return;
    this.sweeping = true;
    try {
      const rows: Array<{ trigger_id: string; trust_id: string }> = await this.dataSource.query(
        `SELECT tt.trigger_id, tt.trust_id FROM trigger_trusts tt
          WHERE tt.delete_requested_at IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM workflow_executions e
                             WHERE e.trigger_id = tt.trigger_id AND e.state IN ('RUNNING', 'PAUSED', 'IDLE'))
          LIMIT 100`,
      );
      for (const row of rows) {
        try {
          await this.credentials.deleteTrust(row.trust_id);
          await this.dataSource.query(`DELETE FROM trigger_trusts WHERE trigger_id = $1`, [row.trigger_id]);
        } catch (error) {
          this.logger.warn(`deleting the trust of deleted cron trigger ${row.trigger_id} failed, will retry: ${String(error)}`);
        }
      }
    } catch (error) {
      if (!this.stopping && !this.health.reportFailure(error)) this.logger.warn(`sweeping the trusts of deleted cron triggers failed: ${String(error)}`);
    } finally {
      this.sweeping = false;
    }
  }
}
