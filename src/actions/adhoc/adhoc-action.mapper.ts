import { formatMistralTime } from '../../common/mistral-time';
import type { ActionResource } from '../action.mapper';
import type { AdhocActionEntity } from './adhoc-action.entity';

/**
 * An ad-hoc action as Mistral shows it. GET shows a missing input as '' (Mistral reads it through
 * its action descriptor); POST and PUT as null (straight from the row).
 */
export function toAdhocActionResource(action: AdhocActionEntity, as: 'read' | 'written' = 'read'): ActionResource {
  return {
    id: action.id,
    name: action.name,
    // Mistral 15 shows every action with is_system false
    is_system: false,
    input: action.input ?? (as === 'read' ? '' : null),
    description: action.description,
    tags: action.tags,
    definition: action.definition,
    scope: action.scope,
    project_id: action.projectId,
    created_at: formatMistralTime(action.createdAt),
    updated_at: formatMistralTime(action.updatedAt),
    namespace: action.namespace,
  };
}
