import { OpenStackError } from './openstack-error';
import type { OpenStackSession, RequestOptions, ServiceSpec } from './openstack-session';

/**
 * Nova, at microversion 2.79 (Train) when the cloud has it: the flavor is embedded in the server
 * (2.47), createImage answers the image id (2.45), `networks` is required at boot (2.37). Older
 * clouds are served down to 2.47; below that the server's shape differs and Sirocco refuses.
 */
export const COMPUTE: ServiceSpec = {
  label: 'Nova',
  catalogTypes: ['compute'],
  microversion: { headerName: 'compute', preferred: '2.79', minimum: '2.47', legacyHeader: 'X-OpenStack-Nova-API-Version' },
};

export type Json = Record<string, unknown>;

/** A server as Nova shows it (the fields Sirocco reads; the rest is kept as it came). */
export interface Server extends Json {
  id: string;
  name: string;
  status: string;
  /** `""` for a server booted from a volume */
  image: '' | { id: string } | null;
  flavor: { original_name?: string; id?: string; vcpus?: number; ram?: number; disk?: number };
  metadata: Record<string, string>;
  'OS-EXT-AZ:availability_zone'?: string;
  'OS-EXT-STS:task_state'?: string | null;
  'os-extended-volumes:volumes_attached'?: Array<{ id: string; delete_on_termination?: boolean }>;
}

export interface Flavor extends Json {
  id: string;
  name: string;
}

export interface VolumeAttachment extends Json {
  volumeId: string;
  serverId: string;
  device: string | null;
}

export type ListQuery = RequestOptions['query'];

export class ComputeClient {
  constructor(private readonly session: OpenStackSession) {}

  /** Servers of the project (all pages), with details unless `detailed` is false. */
  listServers(query: ListQuery = {}, detailed = true, signal?: AbortSignal): Promise<Server[]> {
    return this.session.listAll<Server>(COMPUTE, detailed ? '/servers/detail' : '/servers', 'servers', { query, signal });
  }

  async getServer(id: string, signal?: AbortSignal): Promise<Server> {
    return (await this.session.request<{ server: Server }>(COMPUTE, 'GET', `/servers/${encodeURIComponent(id)}`, { signal })).body.server;
  }

  /** POST /servers: Nova answers at once (id, links, adminPass); the server is BUILD until ready. */
  async createServer(server: Json, schedulerHints?: Json, signal?: AbortSignal): Promise<Json> {
    const body = schedulerHints ? { server, 'os:scheduler_hints': schedulerHints } : { server };
    return (await this.session.request<{ server: Json }>(COMPUTE, 'POST', '/servers', { body, signal })).body.server;
  }

  async deleteServer(id: string, signal?: AbortSignal): Promise<void> {
    await this.session.request(COMPUTE, 'DELETE', `/servers/${encodeURIComponent(id)}`, { signal });
  }

  async action<T = unknown>(id: string, action: Json, signal?: AbortSignal, microversion?: string): Promise<T> {
    return (await this.session.request<T>(COMPUTE, 'POST', `/servers/${encodeURIComponent(id)}/action`, { body: action, signal, microversion })).body;
  }

  /** createImage: the new image's id (Glance has it `queued` until Nova has uploaded the disk). */
  async createImage(id: string, name: string, metadata: Record<string, string> | null, signal?: AbortSignal): Promise<string> {
    const body = await this.action<{ image_id?: string } | null>(id, { createImage: { name, ...(metadata ? { metadata } : {}) } }, signal);
    if (!body?.image_id) {
      throw new OpenStackError(502, 'Nova: createImage was accepted but the answer names no image', { service: 'Nova', operation: `POST /servers/${id}/action` });
    }
    return body.image_id;
  }

  /** reimageBootVolume: at microversion 2.93, which lets Nova re-image a volume-backed server's boot volume (Cinder os-reimage). */
  async rebuild(id: string, rebuild: Json, signal?: AbortSignal, reimageBootVolume = false): Promise<Server> {
    return (await this.action<{ server: Server }>(id, { rebuild }, signal, reimageBootVolume ? '2.93' : undefined)).server;
  }

  listFlavors(query: ListQuery = {}, detailed = true, signal?: AbortSignal): Promise<Flavor[]> {
    return this.session.listAll<Flavor>(COMPUTE, detailed ? '/flavors/detail' : '/flavors', 'flavors', { query, signal });
  }

  async getFlavor(id: string, signal?: AbortSignal): Promise<Flavor> {
    return (await this.session.request<{ flavor: Flavor }>(COMPUTE, 'GET', `/flavors/${encodeURIComponent(id)}`, { signal })).body.flavor;
  }

  /** Availability zones (`detailed` needs the admin role: it adds hosts and services). */
  async listAvailabilityZones(detailed = false, signal?: AbortSignal): Promise<Json[]> {
    const path = detailed ? '/os-availability-zone/detail' : '/os-availability-zone';
    return (await this.session.request<{ availabilityZoneInfo: Json[] }>(COMPUTE, 'GET', path, { signal })).body.availabilityZoneInfo ?? [];
  }

  /** The server's ports (Nova asks Neutron): port_id, net_id, fixed_ips, mac_addr, port_state. */
  async listInterfaces(serverId: string, signal?: AbortSignal): Promise<Json[]> {
    const path = `/servers/${encodeURIComponent(serverId)}/os-interface`;
    return (await this.session.request<{ interfaceAttachments?: Json[] }>(COMPUTE, 'GET', path, { signal })).body.interfaceAttachments ?? [];
  }

  async listVolumeAttachments(serverId: string, signal?: AbortSignal): Promise<VolumeAttachment[]> {
    const path = `/servers/${encodeURIComponent(serverId)}/os-volume_attachments`;
    return (await this.session.request<{ volumeAttachments: VolumeAttachment[] }>(COMPUTE, 'GET', path, { signal })).body.volumeAttachments ?? [];
  }

  /** POST os-volume_attachments: Nova reserves the volume at once (attaching), in-use once attached. */
  async attachVolume(serverId: string, attachment: Json, signal?: AbortSignal): Promise<VolumeAttachment> {
    const path = `/servers/${encodeURIComponent(serverId)}/os-volume_attachments`;
    return (await this.session.request<{ volumeAttachment: VolumeAttachment }>(COMPUTE, 'POST', path, { body: { volumeAttachment: attachment }, signal })).body.volumeAttachment;
  }

  /** DELETE os-volume_attachments/{volume}: 202, the volume detaching until available (Nova refuses a root volume, 400). */
  async detachVolume(serverId: string, volumeId: string, signal?: AbortSignal): Promise<void> {
    const path = `/servers/${encodeURIComponent(serverId)}/os-volume_attachments/${encodeURIComponent(volumeId)}`;
    await this.session.request(COMPUTE, 'DELETE', path, { signal });
  }
}
