import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SiroccoMetrics } from '../../metrics/sirocco-metrics';
import type { RequestContext } from '../request-context';
import { TRUST_CREDENTIALS, type TrustCredentials } from './trust-credentials';
import { TrustsRepository } from './trusts.repository';

/**
 * A cron trigger's trust, for the triggers feature: made from the creator's token when the trigger
 * is created, checked at fire time and daily, and released with the trigger (TrustSweeper deletes
 * it once no execution of the trigger still runs). Trigger ids come from the caller: this service
 * knows nothing of the triggers' tables.
 */
@Injectable()
export class TriggerTrusts {
  constructor(
    private readonly repository: TrustsRepository,
    @Inject(TRUST_CREDENTIALS) private readonly credentials: TrustCredentials,
    private readonly metrics: SiroccoMetrics,
  ) {}

  /** A new trust from the caller (null when the mode has none); throws TrustUnavailable. */
  create(context: RequestContext): Promise<string | null> {
    return this.credentials.createTrust(context);
  }

  /** Stores the trigger's trust, in the transaction that creates the trigger. */
  record(manager: EntityManager, triggerId: string, trustId: string, projectId: string): Promise<void> {
    return this.repository.insertTriggerTrust(manager, triggerId, trustId, projectId);
  }

  /** Deletes a trust whose trigger was not created after all. */
  discard(trustId: string): Promise<void> {
    return this.credentials.deleteTrust(trustId);
  }

  /** In the transaction that deletes the trigger: its trust goes once no execution of it still runs. */
  releaseWithTrigger(manager: EntityManager, triggerId: string): Promise<void> {
    return this.repository.requestTriggerTrustDeletion(manager, triggerId);
  }

  /** Resolves when the trust gives a token, else throws TrustUnavailable. */
  async verify(trustId: string): Promise<void> {
    try {
      await this.credentials.verifyTrust(trustId);
    } catch (error) {
      this.metrics.trustCheck(false);
      throw error;
    }
    this.metrics.trustCheck(true);
  }

  /** The trigger's trust, or null (noauth, or none). */
  async trustOf(triggerId: string): Promise<string | null> {
    return (await this.repository.liveTriggerTrusts([triggerId])).get(triggerId) ?? null;
  }

  /** The trusts of these triggers, read in the caller's transaction; noauth mode asks nothing. */
  async trustsOf(manager: EntityManager, triggerIds: string[]): Promise<Map<string, string>> {
    if (triggerIds.length === 0 || !this.credentials.supportsTrusts) return new Map();
    return this.repository.liveTriggerTrusts(triggerIds, manager);
  }

  /** Every trigger's trust, by trigger id (the daily health check's candidates). */
  allTrusts(): Promise<Map<string, string>> {
    return this.repository.allLiveTriggerTrusts();
  }
}
