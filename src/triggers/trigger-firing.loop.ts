import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { DatabaseHealth } from '../database/database-health';
import { TriggerTrusts } from '../identity/trusts/trigger-trusts.service';
import { MaintenanceGate } from '../service-state/maintenance-gate';
import { MaintenanceSkipRecorder } from './maintenance-skips';
import { TriggerFirer } from './trigger-firer';
import { TriggerFiringRepository } from './trigger-firing.repository';

/** How long after each whole second the tick runs: slots fall on whole seconds, and a timer never fires early. */
const TICK_AFTER_SECOND_MS = 3;

/**
 * Every instance runs this loop; the tick (once a second, just after the whole second: a slot is
 * claimed a few milliseconds after it falls due, not up to a second later) only looks for due
 * triggers, through a partial index, so its cost follows the due triggers and not the stored ones.
 * `concurrency` workers each claim a batch of due triggers and fire it in one transaction
 * (TriggerFirer), and claim again until a claim comes back short. The claim skips locked rows, so
 * workers and replicas each take triggers of their own: none waits for, or trips over, another's.
 */
@Injectable()
export class TriggerFiringLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TriggerFiringLoop.name);
  private ticking = false;
  private stopping = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: TriggerFiringRepository,
    private readonly firer: TriggerFirer,
    private readonly trusts: TriggerTrusts,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
    private readonly health: DatabaseHealth,
    private readonly maintenance: MaintenanceGate,
    private readonly skips: MaintenanceSkipRecorder,
  ) {}

  onApplicationBootstrap(): void {
    // back from an outage: fire what came due meanwhile (by each trigger's misfire policy) at once
    this.health.onAvailable(() => void this.tick());
    // an instance that was down may have missed the daily check
    void this.checkTrusts();
    this.scheduleTick();
  }

  onApplicationShutdown(): void {
    this.stopping = true;
    clearTimeout(this.timer);
  }

  /** The next tick, just after the next whole second (a tick that outlasts a second skips the ones it covered). */
  private scheduleTick(): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.scheduleTick();
      void this.tick();
    }, 1000 - (Date.now() % 1000) + TICK_AFTER_SECOND_MS);
  }

  async tick(): Promise<void> {
    // while the database is away the loop pauses; DatabaseHealth wakes it when it answers
    if (this.ticking || this.stopping || !this.health.isAvailable) return;
    this.ticking = true;
    try {
      if ((await this.maintenance.status()) !== 'deactivated') {
        // maintenance mode: nothing fires; each due slot is recorded, the misfire policy decides after
        await this.skips.recordDueSlots();
        return;
      }
      this.skips.forget();
      await this.fireDue();
    } catch (error) {
      if (!this.stopping && !this.health.reportFailure(error)) this.logger.error(`cron trigger tick failed: ${String(error)}`);
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Fires what is due now; returns how many triggers were claimed. One worker claims and fires a
   * batch at a time until a claim comes back short; each full claim starts one more worker (right
   * after the claim), up to `concurrency`: an idle tick costs one claim, a burst soon has every
   * worker busy.
   */
  async fireDue(): Promise<number> {
    const { batchSize, concurrency } = this.config.triggers;
    // triggers whose firing failed in this round: not claimed again until the next tick
    const failed: string[] = [];
    const running: Array<Promise<void>> = [];
    let claimedTotal = 0;
    // a full claim starts one more worker at once (while its own batch is being fired), so a burst
    // has every worker busy after `concurrency` claims, not after `concurrency` fired batches
    const onClaim = (count: number) => {
      if (count === batchSize && running.length < concurrency && !this.stopping) running.push(worker());
    };
    const worker = async () => {
      while (!this.stopping && this.health.isAvailable) {
        const claimed = await this.firer.fireClaimed(batchSize, failed, new Date(), onClaim).catch((error: unknown) => {
          // a batch that failed is still due: it fires at the next tick, by its misfire policy
          if (!this.health.reportFailure(error)) this.logger.error(`firing cron triggers failed: ${String(error)}`);
          return undefined;
        });
        if (!claimed) return;
        claimedTotal += claimed.claimed.length;
        failed.push(...claimed.failed);
        if (claimed.claimed.length < batchSize) return;
      }
    };
    running.push(worker());
    // workers join while others run: wait until every started one has ended
    for (let done = 0; done < running.length; done += 1) await running[done];
    return claimedTotal;
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
    // the triggers that hold a trust (identity/trusts keeps them), by trigger id
    const trusts = await this.trusts.allTrusts();
    if (trusts.size === 0) return;
    const triggerIds = [...trusts.keys()];
    for (;;) {
      const checked = await this.repository.transaction(async (manager) => {
        const due = await this.repository.lockStaleTrustChecks(manager, triggerIds);
        for (const id of due) {
          let problem: string | null = null;
          try {
            await this.trusts.verify(trusts.get(id)!);
          } catch (error) {
            problem = error instanceof Error ? error.message : String(error);
          }
          await this.repository.recordDailyTrustCheck(manager, id, { status: problem ? 'broken' : 'ok', error: problem });
          if (problem) this.logger.warn(`cron trigger ${id}: its trust is broken: ${problem}`);
        }
        return due.length;
      });
      if (checked < 50 || this.stopping) return;
    }
  }
}
