import type { CronTriggerEntity } from './cron-trigger.entity';
import type { TriggerSchedule } from './schedule/trigger-schedule';

export function scheduleOf(trigger: Pick<CronTriggerEntity, 'pattern' | 'timezone' | 'firstExecutionTime'>): TriggerSchedule {
  return { pattern: trigger.pattern, timezone: trigger.timezone, firstExecutionTime: trigger.firstExecutionTime };
}

/** Mistral's description of a triggered execution: JSON naming the trigger, which clients parse. */
export function triggerDescription(trigger: Pick<CronTriggerEntity, 'id' | 'name'>): string {
  return JSON.stringify({
    description: 'Workflow execution created by cron trigger.',
    triggered_by: { type: 'cron_trigger', id: trigger.id, name: trigger.name },
  });
}
