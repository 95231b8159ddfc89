import type { ListSpec } from '../common/list-query';

/** The columns of GET /v2/cron_triggers. */
export const CRON_TRIGGER_LIST_SPEC: ListSpec = {
  columns: {
    id: { sql: 't.id::text', type: 'text' },
    name: { sql: 't.name', type: 'text' },
    workflow_name: { sql: 't.workflow_name', type: 'text' },
    workflow_id: { sql: 't.workflow_id::text', type: 'text' },
    workflow_input: { sql: 't.workflow_input::text', type: 'text', sortable: false, mayHoldSecrets: true },
    workflow_params: { sql: 't.workflow_params::text', type: 'text', sortable: false, mayHoldSecrets: true },
    project_id: { sql: 't.project_id', type: 'text' },
    scope: { sql: 't.scope', type: 'text' },
    pattern: { sql: 't.pattern', type: 'text', nullable: true },
    timezone: { sql: 't.timezone', type: 'text' },
    remaining_executions: { sql: 't.remaining_executions::text', type: 'text', nullable: true },
    first_execution_time: { sql: 't.first_execution_time', type: 'timestamp', nullable: true },
    next_execution_time: { sql: 't.next_execution_time', type: 'timestamp', nullable: true },
    enabled: { sql: 't.enabled::text', type: 'text' },
    misfire_policy: { sql: 't.misfire_policy', type: 'text' },
    overlap_policy: { sql: 't.overlap_policy', type: 'text' },
    trust_status: { sql: 't.trust_status', type: 'text', nullable: true },
    created_at: { sql: 't.created_at', type: 'timestamp' },
    updated_at: { sql: 't.updated_at', type: 'timestamp', nullable: true },
  },
  idColumn: 'id',
  defaultSortKey: 'created_at',
  extraParams: ['all_projects'],
};
