import { ActionFailure, type ActionHandler } from '../action.types';
import type { ExecutionCredentials } from './execution-credentials';

/** The identity endpoint of a token's catalog (public interface). */
function identityUrl(catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }>): string {
  const endpoint = catalog.find((entry) => entry.type === 'identity')?.endpoints.find((candidate) => candidate.interface === 'public');
  if (!endpoint) throw new ActionFailure('the service catalog has no public identity endpoint');
  return endpoint.url.replace(/\/+$/, '').replace(/\/v3$/, '') + '/v3';
}

/**
 * keystone.projects_get, as Mistral names it: the project as Keystone shows it to the execution's
 * credentials (for a triggered run: the trustor, through the trust).
 */
export function keystoneActions(credentials: ExecutionCredentials): ActionHandler[] {
  return [
    {
      name: 'keystone.projects_get',
      description: "Shows a Keystone project (default: the execution's own project), with the execution's OpenStack credentials.",
      parameters: [{ name: 'project', default: null }],
      isIdempotent: () => true,
      async run(input, context) {
        const token = await credentials.tokenFor(context.workflowExecutionId);
        const projectId = input.project ? String(input.project) : token.project?.id;
        if (!projectId) throw new ActionFailure('no project given and the token is not project-scoped');
        const response = await fetch(`${identityUrl(token.catalog)}/projects/${encodeURIComponent(projectId)}`, {
          headers: { 'X-Auth-Token': token.token, Accept: 'application/json' },
          signal: context.signal,
        });
        const body = (await response.json().catch(() => null)) as { project?: unknown; error?: { message?: string } } | null;
        if (!response.ok) throw new ActionFailure(`Keystone: HTTP ${response.status}: ${body?.error?.message ?? response.statusText}`, body);
        return body?.project ?? null;
      },
    },
  ];
}
