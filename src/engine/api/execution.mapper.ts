import { SecretMasker } from '../../common/secret-mask';
import { formatMistralTime } from '../../common/mistral-time';
import { pythonJsonDumps } from '../../common/python-json';
import type { WorkflowExecutionEntity } from '../workflow-execution.entity';

/** A workflow execution as Mistral's API shows it; the JSON fields are JSON text. */
export interface ExecutionResource extends Record<string, unknown> {
  id: string;
  workflow_id: string | null;
  workflow_name: string;
  workflow_namespace: string;
  description: string;
  tags: string[];
  params: string;
  task_execution_id: string | null;
  root_execution_id: string | null;
  state: string;
  state_info: string | null;
  input: string;
  output?: string;
  created_at: string | null;
  updated_at: string | null;
  project_id: string;
  published_global?: string;
}

/**
 * Which variant of the resource: Mistral leaves `output` out of lists (unless asked) and shows
 * `published_global` only on GET of one execution.
 */
export type ExecutionShape = 'list' | 'list-with-output' | 'written' | 'read';

/** jsonb keeps keys in its own order; Mistral shows them in the order the workflow declares. */
export function orderKeys(value: unknown, preferred: readonly string[]): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of preferred) if (key in record) ordered[key] = record[key];
  for (const [key, item] of Object.entries(record)) if (!(key in ordered)) ordered[key] = item;
  return ordered;
}

function declaredOutputKeys(execution: WorkflowExecutionEntity): string[] {
  const output = execution.spec?.output;
  return output && typeof output === 'object' && !Array.isArray(output) ? Object.keys(output) : [];
}

/** The secrets of the execution's input and params (env included) are masked wherever they show. */
export function toExecutionResource(
  execution: WorkflowExecutionEntity,
  shape: ExecutionShape,
  masker: SecretMasker = SecretMasker.of(execution.input, execution.params),
): ExecutionResource {
  const inputOrder = (execution.spec?.input ?? []).map((param) => param.name);
  const output =
    shape === 'list' ? {} : { output: pythonJsonDumps(orderKeys(masker.value(execution.output ?? {}), declaredOutputKeys(execution))) };
  return {
    id: execution.id,
    workflow_id: execution.workflowId,
    workflow_name: execution.workflowName,
    workflow_namespace: execution.workflowNamespace,
    description: masker.text(execution.description),
    tags: execution.tags,
    params: pythonJsonDumps(orderKeys(masker.value(execution.params ?? {}), ['namespace', 'env'])),
    task_execution_id: execution.taskExecutionId,
    root_execution_id: execution.rootExecutionId,
    state: execution.state,
    state_info: masker.text(execution.stateInfo),
    input: pythonJsonDumps(orderKeys(masker.value(execution.input ?? {}), inputOrder)),
    ...output,
    created_at: formatMistralTime(execution.createdAt),
    // Mistral stamps updated_at at creation already; a row not written since shows its creation time
    updated_at: formatMistralTime(execution.updatedAt ?? execution.createdAt),
    project_id: execution.projectId,
    // global publishing is not supported, so there is never anything to show
    ...(shape === 'read' ? { published_global: '{}' } : {}),
  };
}
