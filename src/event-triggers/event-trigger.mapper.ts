import type { ListSpec } from '../common/list-query';
import { formatMistralTime } from '../common/mistral-time';
import { pythonJsonDumps } from '../common/python-json';
import { SecretMasker } from '../common/secret-mask';
import type { EventTriggerEntity } from './event-trigger.entity';

/** The columns of GET /v2/event_triggers. */
export const EVENT_TRIGGER_LIST_SPEC: ListSpec = {
  columns: {
    id: { sql: 't.id::text', type: 'text' },
    name: { sql: 't.name', type: 'text' },
    workflow_id: { sql: 't.workflow_id::text', type: 'text' },
    workflow_input: { sql: 't.workflow_input::text', type: 'text', sortable: false, mayHoldSecrets: true },
    workflow_params: { sql: 't.workflow_params::text', type: 'text', sortable: false, mayHoldSecrets: true },
    exchange: { sql: 't.exchange', type: 'text' },
    topic: { sql: 't.topic', type: 'text' },
    event: { sql: 't.event', type: 'text' },
    project_id: { sql: 't.project_id', type: 'text' },
    scope: { sql: 't.scope', type: 'text' },
    created_at: { sql: 't.created_at', type: 'timestamp' },
    updated_at: { sql: 't.updated_at', type: 'timestamp', nullable: true },
  },
  idColumn: 'id',
  defaultSortKey: 'created_at',
  extraParams: ['all_projects'],
};

/** The secrets of a trigger's workflow input and params, masked wherever they show. */
export function eventTriggerMasker(trigger: Pick<EventTriggerEntity, 'workflowInput' | 'workflowParams'>): SecretMasker {
  return SecretMasker.of(trigger.workflowInput, trigger.workflowParams);
}

/** An event trigger as Mistral's API shows it (JSON-in-string input and params, UTC times). */
export function toEventTriggerResource(trigger: EventTriggerEntity): Record<string, unknown> {
  const masker = eventTriggerMasker(trigger);
  return {
    id: trigger.id,
    name: trigger.name,
    workflow_id: trigger.workflowId,
    workflow_input: pythonJsonDumps(masker.value(trigger.workflowInput)),
    workflow_params: pythonJsonDumps(masker.value(trigger.workflowParams)),
    exchange: trigger.exchange,
    topic: trigger.topic,
    event: trigger.event,
    scope: trigger.scope,
    project_id: trigger.projectId,
    created_at: formatMistralTime(trigger.createdAt),
    updated_at: formatMistralTime(trigger.updatedAt),
  };
}
