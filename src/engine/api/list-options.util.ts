import { projectFilterAsked, type ListRequest } from '../../common/list-query';
import type { RequestContext } from '../../identity/request-context';
import type { ListScope } from './execution-read.repository';
import { queryFlag } from './request-body.parser';

/** The list flags every executions-side collection reads besides Mistral's paging parameters. */
export function listScope(query: Record<string, unknown>, context: RequestContext): ListScope {
  return { context, allProjects: queryFlag(query, 'all_projects') || projectFilterAsked(query) };
}

/** Mistral leaves `output` out of lists unless `include_output=true` or `fields` names it. */
export function wantsOutput(query: Record<string, unknown>, request: ListRequest): boolean {
  return queryFlag(query, 'include_output') || (request.fields?.includes('output') ?? false);
}
