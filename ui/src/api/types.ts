/** The /v2 resources the UI reads, as the API sends them (JSON fields are JSON text, times "YYYY-MM-DD HH:MM:SS" UTC). */

export type ExecutionState = 'IDLE' | 'RUNNING' | 'PAUSED' | 'SUCCESS' | 'ERROR' | 'CANCELLED' | 'WAITING' | 'RUNNING_DELAYED' | 'SKIPPED';

export interface Execution {
  id: string;
  workflow_id: string | null;
  workflow_name: string;
  workflow_namespace: string;
  description: string;
  state: ExecutionState;
  state_info: string | null;
  input: string;
  output?: string;
  params: string;
  task_execution_id: string | null;
  root_execution_id: string | null;
  created_at: string;
  updated_at: string;
  project_id: string;
}

export interface Task {
  id: string;
  name: string;
  type: string;
  workflow_name: string;
  workflow_execution_id: string;
  state: ExecutionState;
  state_info: string | null;
  runtime_context: string;
  result: string;
  published: string;
  created_at: string | null;
  updated_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

export interface ActionExecution {
  id: string;
  name: string;
  task_name: string;
  state: ExecutionState;
  state_info: string | null;
  input?: string;
  output?: string;
  created_at: string;
  updated_at: string;
}

export interface Workflow {
  id: string;
  name: string;
  namespace: string;
  definition: string;
  input: string;
  tags: string[];
  scope: string;
  project_id: string;
  created_at: string;
  updated_at: string | null;
}

export interface CronTrigger {
  id: string;
  name: string;
  workflow_name: string;
  workflow_id: string;
  workflow_input: string;
  workflow_params: string;
  pattern: string | null;
  remaining_executions: number | null;
  first_execution_time: string | null;
  next_execution_time: string | null;
  timezone: string;
  enabled: boolean;
  finished: boolean;
  misfire_policy: 'run_once' | 'skip' | 'catch_up';
  catch_up_window: number | null;
  overlap_policy: 'allow' | 'skip';
  jitter: number;
  trust_status: string | null;
  trust_error: string | null;
  created_at: string;
}

export interface Firing {
  id: string;
  scheduled_for: string | null;
  fired_at: string | null;
  execution_id: string | null;
  outcome: 'started' | 'failed' | 'skipped';
  error: string | null;
}

export interface SchedulePreview {
  pattern: string | null;
  timezone: string;
  next: Array<{ utc: string | null; local: string }>;
}

export interface DefinitionError {
  line: number;
  column: number;
  workflow?: string;
  path: string;
  message: string;
}

export type Validation = { valid: true } | { valid: false; error?: string; errors?: DefinitionError[] };

export interface LoginAnswer {
  token: string;
  expires_at: string;
  user: { id: string; name: string };
  project: { id: string; name: string };
}
