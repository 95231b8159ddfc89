import { formatMistralTime } from '../common/mistral-time';
import { pythonJsonDumps } from '../common/python-json';
import type { WorkflowSpec } from './language';
import type { WorkflowDefinitionEntity } from './workflow-definition.entity';

/** A workflow as Mistral's API shows it. */
export interface WorkflowResource extends Record<string, unknown> {
  id: string;
  name: string;
  namespace: string;
  input: string;
  interface: string | WorkflowInterface;
  definition: string;
  tags: string[];
  scope: string;
  project_id: string;
  created_at: string | null;
  updated_at?: string | null;
}

export interface WorkflowInterface {
  input: (string | Record<string, unknown>)[];
  output: string[];
}

export function workflowInterface(spec: WorkflowSpec): WorkflowInterface {
  const output = spec.output;
  return {
    input: spec.input.map((param) => (param.required ? param.name : { [param.name]: param.default ?? null })),
    output: output && typeof output === 'object' && !Array.isArray(output) ? Object.keys(output) : [],
  };
}

/** Mistral's one-line input signature, e.g. `name, greeting="Hello"`. */
export function inputSignature(spec: WorkflowSpec): string {
  return spec.input
    .map((param) => (param.required ? param.name : `${param.name}=${pythonJsonDumps(param.default ?? null)}`))
    .join(', ');
}

/**
 * Mistral returns `interface` as an object from POST/PUT and as JSON text from GET; the CLI
 * copes with both, and we answer as Mistral does.
 */
export function toWorkflowResource(
  entity: WorkflowDefinitionEntity,
  shape: 'created' | 'updated' | 'read',
): WorkflowResource {
  const iface = workflowInterface(entity.spec);
  const resource: WorkflowResource = {
    id: entity.id,
    name: entity.name,
    namespace: entity.namespace,
    input: inputSignature(entity.spec),
    interface: shape === 'read' ? pythonJsonDumps(iface) : iface,
    definition: entity.definition,
    tags: entity.tags,
    scope: entity.scope,
    project_id: entity.projectId,
    created_at: formatMistralTime(entity.createdAt),
  };
  if (shape !== 'created') resource.updated_at = formatMistralTime(entity.updatedAt);
  return resource;
}
