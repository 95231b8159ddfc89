import { KEY_MASKER, type SecretMasker } from '../../common/secret-mask';
import { formatMistralTime } from '../../common/mistral-time';
import { pythonJsonDumps } from '../../common/python-json';
import type { ActionExecutionEntity } from '../action-execution.entity';
import { orderKeys } from './execution.mapper';

/** An action execution as Mistral's API shows it; `input` and `output` are JSON text. */
export interface ActionExecutionResource extends Record<string, unknown> {
  id: string;
  workflow_name: string | null;
  workflow_namespace: string;
  task_name: string | null;
  task_execution_id: string | null;
  state: string;
  state_info: string | null;
  tags: null;
  name: string;
  description: string;
  project_id: string;
  accepted: boolean;
  input: string;
  output?: string;
  created_at: string | null;
  updated_at: string | null;
}

/**
 * Mistral leaves `output` out of lists unless asked for (`include_output`).
 * `parameterOrder` is the action's parameters as declared: jsonb does not keep the input's order.
 * `executionMasker` holds the secrets of the action's workflow execution; its own input's are added.
 */
export function toActionExecutionResource(
  action: ActionExecutionEntity,
  withOutput: boolean,
  parameterOrder: readonly string[] = [],
  executionMasker: SecretMasker = KEY_MASKER,
): ActionExecutionResource {
  const masker = executionMasker.with(action.input);
  return {
    id: action.id,
    workflow_name: action.workflowName,
    workflow_namespace: action.workflowNamespace,
    task_name: action.taskName,
    task_execution_id: action.taskExecutionId,
    state: action.state,
    state_info: masker.text(action.stateInfo),
    tags: null,
    name: action.name,
    description: masker.text(action.description),
    project_id: action.projectId,
    accepted: action.accepted,
    input: pythonJsonDumps(orderKeys(masker.value(action.input ?? {}), parameterOrder)),
    ...(withOutput ? { output: pythonJsonDumps(masker.value(action.output ?? {})) } : {}),
    created_at: formatMistralTime(action.createdAt),
    updated_at: formatMistralTime(action.updatedAt ?? action.createdAt),
  };
}
