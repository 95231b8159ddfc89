import type { CronTriggerEntity } from './cron-trigger.entity';
import type { TriggerFiringEntity } from './trigger-firing.entity';

/** What went wrong at one firing, for the person who has to know. */
export interface FiringFailure {
  trigger: Pick<CronTriggerEntity, 'name' | 'workflowName' | 'workflowInput' | 'workflowParams' | 'projectId'>;
  scheduledFor: Date;
  /** null: nothing was started (a slot found overdue after a restore) */
  executionId: string | null;
  reason: string;
}

/** What one firing did, as `POST .../fire` and the history show it. */
export interface FiringRecord {
  firing: TriggerFiringEntity;
  failure: FiringFailure | null;
  /** for the metrics: the trigger's workflow, and when the slot was due to fire (slot + jitter; null for "fire now") */
  workflowName: string;
  dueAt: Date | null;
}
