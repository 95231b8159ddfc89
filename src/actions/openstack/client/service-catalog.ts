import type { KeystoneCatalogEntry } from '../../../identity/keystone/keystone.types';

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface EndpointChoice {
  /** catalog types to try, in order (Cinder registers as `block-storage` and, older, `volumev3`) */
  types: readonly string[];
  interface: EndpointInterface;
  /** only endpoints of this region; any region when absent */
  region?: string;
  /** substituted for `%(project_id)s` / `$(tenant_id)s` should the catalog still hold one */
  projectId?: string;
}

/** The catalog has no endpoint that fits; the message says what was looked for and what exists. */
export class EndpointNotFound extends Error {}

/**
 * The base URL of a service, from a token's catalog: the first type of `types` that has an
 * endpoint on the wanted interface (and region), as keystoneauth chooses it.
 */
export function chooseEndpoint(catalog: readonly KeystoneCatalogEntry[], choice: EndpointChoice): string {
  for (const type of choice.types) {
    for (const entry of catalog.filter((candidate) => candidate.type === type)) {
      const endpoint = entry.endpoints.find(
        (candidate) =>
          candidate.interface === choice.interface &&
          (!choice.region || candidate.region_id === choice.region || candidate.region === choice.region),
      );
      if (endpoint) return substituteProject(endpoint.url, choice.projectId).replace(/\/+$/, '');
    }
  }
  const offered = catalog.map((entry) => entry.type).join(', ') || 'nothing';
  throw new EndpointNotFound(
    `the service catalog has no ${choice.interface} endpoint of type ${choice.types.join(' or ')}` +
      `${choice.region ? ` in region ${choice.region}` : ''} (it offers: ${offered})`,
  );
}

function substituteProject(url: string, projectId: string | undefined): string {
  if (!projectId) return url;
  return url.replace(/[%$]\((?:project_id|tenant_id)\)s/g, projectId);
}
