import type { Json } from './compute.client';
import type { OpenStackSession, ServiceSpec } from './openstack-session';

/** Keystone v3, as a catalog service (the session's own logins go through KeystoneClient). */
export const IDENTITY: ServiceSpec = { label: 'Keystone', catalogTypes: ['identity'], versionPath: '/v3' };

export class IdentityClient {
  constructor(private readonly session: OpenStackSession) {}

  async getProject(id: string, signal?: AbortSignal): Promise<Json> {
    return (await this.session.request<{ project: Json }>(IDENTITY, 'GET', `/projects/${encodeURIComponent(id)}`, { signal })).body.project;
  }
}
