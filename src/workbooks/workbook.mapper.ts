import { formatMistralTime } from '../common/mistral-time';
import type { WorkbookEntity } from './workbook.entity';

/** A workbook as Mistral's API shows it. */
export interface WorkbookResource extends Record<string, unknown> {
  id: string;
  name: string;
  namespace: string;
  definition: string;
  tags: string[];
  scope: string;
  project_id: string;
  created_at: string | null;
  updated_at?: string | null;
}

/** As Mistral: a new workbook (POST) has no `updated_at`; PUT and GET show it (null until the first update). */
export function toWorkbookResource(entity: WorkbookEntity, shape: 'created' | 'updated' | 'read'): WorkbookResource {
  const resource: WorkbookResource = {
    id: entity.id,
    name: entity.name,
    namespace: entity.namespace,
    definition: entity.definition,
    tags: entity.tags,
    scope: entity.scope,
    project_id: entity.projectId,
    created_at: formatMistralTime(entity.createdAt),
  };
  if (shape !== 'created') resource.updated_at = formatMistralTime(entity.updatedAt);
  return resource;
}
