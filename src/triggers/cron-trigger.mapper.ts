import { SecretMasker } from '../common/secret-mask';
import { formatMistralTime } from '../common/mistral-time';
import { pythonJsonDumps } from '../common/python-json';
import type { CronTriggerEntity } from './cron-trigger.entity';
import { formatInZone, jitterOffsetSeconds } from './schedule/trigger-schedule';
import type { TriggerFiringEntity } from './trigger-firing.entity';
import type { FiringRecord } from './trigger-firing.record';
import { triggerMasker } from './trigger-masker';

/**
 * A cron trigger as Mistral's API shows it (JSON-in-string input and params, UTC times), plus
 * Sirocco's own fields after Mistral's: a Mistral client reads the ones it knows.
 */
export function toCronTriggerResource(trigger: CronTriggerEntity): Record<string, unknown> {
  const masker = triggerMasker(trigger);
  return {
    id: trigger.id,
    name: trigger.name,
    workflow_name: trigger.workflowName,
    workflow_id: trigger.workflowId,
    workflow_input: pythonJsonDumps(masker.value(trigger.workflowInput)),
    workflow_params: pythonJsonDumps(masker.value(trigger.workflowParams)),
    project_id: trigger.projectId,
    scope: trigger.scope,
    pattern: trigger.pattern,
    remaining_executions: trigger.remainingExecutions,
    first_execution_time: formatMistralTime(trigger.firstExecutionTime),
    next_execution_time: formatMistralTime(trigger.nextExecutionTime),
    created_at: formatMistralTime(trigger.createdAt),
    updated_at: formatMistralTime(trigger.updatedAt),
    timezone: trigger.timezone,
    next_execution_time_local: trigger.nextExecutionTime ? formatInZone(trigger.nextExecutionTime, trigger.timezone) : null,
    next_fire_time: formatMistralTime(trigger.nextFireAt),
    enabled: trigger.enabled,
    finished: trigger.finishedAt !== null,
    finished_at: formatMistralTime(trigger.finishedAt),
    misfire_policy: trigger.misfirePolicy,
    catch_up_window: trigger.catchUpWindow,
    overlap_policy: trigger.overlapPolicy,
    jitter: trigger.jitter,
    trust_status: trigger.trustStatus,
    trust_checked_at: formatMistralTime(trigger.trustCheckedAt),
    trust_error: masker.text(trigger.trustError),
  };
}

export function toFiringResource(firing: TriggerFiringEntity, masker: SecretMasker = new SecretMasker()): Record<string, unknown> {
  return {
    id: firing.id,
    scheduled_for: formatMistralTime(firing.scheduledFor),
    fired_at: formatMistralTime(firing.firedAt),
    execution_id: firing.executionId,
    outcome: firing.outcome,
    error: masker.text(firing.error),
  };
}

export function toFiredResource(record: FiringRecord): Record<string, unknown> {
  return toFiringResource(record.firing, record.failure ? triggerMasker(record.failure.trigger) : undefined);
}

/** One upcoming slot in UTC and in the trigger's zone, with the instant it fires (jitter added). */
export function toSlotResource(trigger: CronTriggerEntity, slot: Date): Record<string, unknown> {
  const fireAt = new Date(slot.getTime() + jitterOffsetSeconds(trigger.id, trigger.jitter) * 1000);
  return {
    utc: formatMistralTime(slot),
    local: formatInZone(slot, trigger.timezone),
    timezone: trigger.timezone,
    fires_at: formatMistralTime(fireAt),
  };
}
