import { ApiError } from '../common/api-error';
import type { ColumnFilter, ListRequest, ListSpec } from '../common/list-query';
import { pythonJsonDumps } from '../common/python-json';
import type { ActionDescriptor } from './action.types';

/** An action as Mistral's API shows it (a built-in action has no definition, project or times). */
export interface ActionResource extends Record<string, unknown> {
  id: string;
  name: string;
  is_system: boolean;
  input: string | null;
  description: string | null;
  tags: string[] | null;
  definition: string;
  scope: string | null;
  project_id: string | null;
  created_at: string | null;
  updated_at: string | null;
  namespace: string;
}

/** Mistral's one-line parameter list, e.g. `url, method="GET", timeout=null`. */
export function actionInputSignature(descriptor: ActionDescriptor): string {
  const parameters = descriptor.parameters.map((parameter) =>
    'default' in parameter ? `${parameter.name}=${pythonJsonDumps(parameter.default)}` : parameter.name,
  );
  if (descriptor.acceptsOtherParameters) parameters.push('**kwargs');
  return parameters.join(', ');
}

export function toActionResource(descriptor: ActionDescriptor): ActionResource {
  return {
    id: descriptor.name,
    name: descriptor.name,
    // Mistral 15 shows its own Python actions with is_system false
    is_system: false,
    input: actionInputSignature(descriptor),
    description: descriptor.description,
    tags: null,
    definition: '',
    scope: null,
    project_id: null,
    created_at: '',
    updated_at: '',
    namespace: '',
  };
}

/**
 * The columns of GET /v2/actions. The list is built in memory, so the SQL expressions are unused:
 * the spec serves to parse and check the request as every other list does.
 */
export const ACTION_LIST_SPEC: ListSpec = {
  columns: Object.fromEntries(
    ['id', 'name', 'is_system', 'input', 'description', 'definition', 'scope', 'project_id', 'created_at', 'updated_at', 'namespace'].map(
      (field) => [field, { sql: field, type: 'text' as const }],
    ),
  ),
  idColumn: 'id',
  defaultSortKey: 'name',
  extraParams: ['all_projects'],
};
ACTION_LIST_SPEC.columns.tags = { sql: 'tags', type: 'text', sortable: false, filterable: false };

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function matches(resource: ActionResource, filter: ColumnFilter): boolean {
  const value = text(resource[filter.field]);
  const [first = ''] = filter.values;
  switch (filter.operator) {
    case 'eq':
      return value === first;
    case 'neq':
      return value !== first;
    case 'in':
      return filter.values.includes(value);
    case 'nin':
      return !filter.values.includes(value);
    case 'has':
      return value.toLowerCase().includes(first.toLowerCase());
    case 'gt':
      return value > first;
    case 'gte':
      return value >= first;
    case 'lt':
      return value < first;
    case 'lte':
      return value <= first;
  }
}

/** One page of the actions, filtered and sorted as the request says; the marker is an action's id. */
export function pageOfActions(actions: ActionResource[], request: ListRequest): ActionResource[] {
  const resources = actions.filter((resource) => request.filters.every((filter) => matches(resource, filter)));
  resources.sort((left, right) => {
    for (const [index, key] of request.sortKeys.entries()) {
      const order = text(left[key]).localeCompare(text(right[key]), 'en');
      if (order !== 0) return request.sortDirs[index] === 'desc' ? -order : order;
    }
    return 0;
  });
  let start = 0;
  if (request.marker) {
    const position = resources.findIndex((resource) => resource.id === request.marker);
    if (position < 0) throw ApiError.badRequest(`Marker '${request.marker}' does not name an object of this list.`);
    start = position + 1;
  }
  return resources.slice(start, request.limit ? start + request.limit : undefined);
}
