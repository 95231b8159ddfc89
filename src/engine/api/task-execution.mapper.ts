import { KEY_MASKER, type SecretMasker } from '../../common/secret-mask';
import { formatMistralTime } from '../../common/mistral-time';
import { pythonJsonDumps } from '../../common/python-json';
import type { TaskExecutionEntity } from '../task-execution.entity';

/** A task execution as Mistral's API shows it; the JSON fields are JSON text. */
export interface TaskResource extends Record<string, unknown> {
  id: string;
  name: string;
  type: string;
  workflow_name: string;
  workflow_namespace: string;
  workflow_id: string | null;
  workflow_execution_id: string;
  tags: string[];
  state: string;
  state_info: string | null;
  project_id: string;
  runtime_context: string;
  result: string;
  published: string;
  processed: boolean;
  created_at: string | null;
  updated_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

/**
 * Mistral 15 leaves `result` out of task lists; Sirocco shows it in lists too (as Mistral did
 * before), since clients read a task's result from the list of an execution's tasks.
 * `masker` holds the secrets of the task's execution.
 */
export function toTaskResource(task: TaskExecutionEntity, masker: SecretMasker = KEY_MASKER): TaskResource {
  return {
    id: task.id,
    name: task.name,
    type: task.type,
    workflow_name: task.workflowName,
    workflow_namespace: task.workflowNamespace,
    workflow_id: task.workflowId,
    workflow_execution_id: task.workflowExecutionId,
    tags: [],
    state: task.state,
    state_info: masker.text(task.stateInfo),
    project_id: task.projectId,
    runtime_context: pythonJsonDumps(masker.value(task.runtimeContext ?? {})),
    result: pythonJsonDumps(masker.value(task.result ?? null)),
    published: pythonJsonDumps(masker.value(task.published ?? {})),
    processed: task.processed,
    created_at: formatMistralTime(task.createdAt),
    updated_at: formatMistralTime(task.updatedAt ?? task.createdAt),
    started_at: formatMistralTime(task.startedAt),
    finished_at: formatMistralTime(task.finishedAt),
  };
}
