import { SecretMasker } from '../common/secret-mask';
import { formatMistralTime } from '../common/mistral-time';
import { pythonJsonDumps } from '../common/python-json';
import type { EnvironmentEntity } from './environment.entity';

/** An environment as Mistral's API shows it; `variables` is JSON text. */
export interface EnvironmentResource extends Record<string, unknown> {
  id: string;
  name: string;
  description: string;
  variables: string;
  scope: string;
  project_id: string;
  created_at: string | null;
  updated_at: string | null;
}

/** Variables named like secrets are shown as `***`, as executions' inputs are. */
export function toEnvironmentResource(environment: EnvironmentEntity): EnvironmentResource {
  const masker = SecretMasker.of(environment.variables);
  return {
    id: environment.id,
    name: environment.name,
    description: environment.description,
    variables: pythonJsonDumps(masker.value(environment.variables ?? {})),
    scope: environment.scope,
    project_id: environment.projectId,
    created_at: formatMistralTime(environment.createdAt),
    updated_at: formatMistralTime(environment.updatedAt),
  };
}
