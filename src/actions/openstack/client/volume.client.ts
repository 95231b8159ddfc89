import type { Json, ListQuery } from './compute.client';
import type { OpenStackSession, ServiceSpec } from './openstack-session';

/**
 * Cinder v3 at microversion 3.60 (Ussuri) when the cloud has it, down to 3.0: what Sirocco sends
 * (volumes from snapshots, snapshots with `force` and metadata) means the same at every 3.x.
 */
export const VOLUME: ServiceSpec = {
  label: 'Cinder',
  catalogTypes: ['block-storage', 'volumev3'],
  microversion: { headerName: 'volume', preferred: '3.60', minimum: '3.0' },
};

export interface Volume extends Json {
  id: string;
  name: string | null;
  status: string;
  size: number;
  bootable?: string;
  volume_type?: string | null;
  availability_zone?: string;
  attachments?: Array<{ server_id: string; device?: string | null; attachment_id?: string }>;
}

export interface VolumeSnapshot extends Json {
  id: string;
  name: string | null;
  status: string;
  volume_id: string;
  size: number;
  metadata: Record<string, string>;
  created_at: string;
}

/** Cinder's list filters: plain values, `metadata` as a JSON object (sent as a JSON string). */
function listQuery(filters: Record<string, unknown> | null | undefined, extra: ListQuery = {}): ListQuery {
  const query: NonNullable<ListQuery> = { ...extra };
  for (const [key, value] of Object.entries(filters ?? {})) {
    if (value === null || value === undefined) continue;
    query[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return query;
}

export class VolumeClient {
  constructor(private readonly session: OpenStackSession) {}

  listVolumes(filters?: Record<string, unknown> | null, extra: ListQuery = {}, detailed = true, signal?: AbortSignal): Promise<Volume[]> {
    return this.session.listAll<Volume>(VOLUME, detailed ? '/volumes/detail' : '/volumes', 'volumes', { query: listQuery(filters, extra), signal });
  }

  async getVolume(id: string, signal?: AbortSignal): Promise<Volume> {
    return (await this.session.request<{ volume: Volume }>(VOLUME, 'GET', `/volumes/${encodeURIComponent(id)}`, { signal })).body.volume;
  }

  async createVolume(volume: Json, signal?: AbortSignal): Promise<Volume> {
    return (await this.session.request<{ volume: Volume }>(VOLUME, 'POST', '/volumes', { body: { volume }, signal })).body.volume;
  }

  async deleteVolume(id: string, cascade = false, signal?: AbortSignal): Promise<void> {
    await this.session.request(VOLUME, 'DELETE', `/volumes/${encodeURIComponent(id)}`, { query: cascade ? { cascade: true } : undefined, signal });
  }

  listSnapshots(filters?: Record<string, unknown> | null, extra: ListQuery = {}, detailed = true, signal?: AbortSignal): Promise<VolumeSnapshot[]> {
    return this.session.listAll<VolumeSnapshot>(VOLUME, detailed ? '/snapshots/detail' : '/snapshots', 'snapshots', { query: listQuery(filters, extra), signal });
  }

  async getSnapshot(id: string, signal?: AbortSignal): Promise<VolumeSnapshot> {
    return (await this.session.request<{ snapshot: VolumeSnapshot }>(VOLUME, 'GET', `/snapshots/${encodeURIComponent(id)}`, { signal })).body.snapshot;
  }

  async createSnapshot(snapshot: Json, signal?: AbortSignal): Promise<VolumeSnapshot> {
    return (await this.session.request<{ snapshot: VolumeSnapshot }>(VOLUME, 'POST', '/snapshots', { body: { snapshot }, signal })).body.snapshot;
  }

  /** Deletes a snapshot; `force` (os-force_delete, admin) also one in an error state. */
  async deleteSnapshot(id: string, force = false, signal?: AbortSignal): Promise<void> {
    if (force) {
      await this.session.request(VOLUME, 'POST', `/snapshots/${encodeURIComponent(id)}/action`, { body: { 'os-force_delete': {} }, signal });
      return;
    }
    await this.session.request(VOLUME, 'DELETE', `/snapshots/${encodeURIComponent(id)}`, { signal });
  }
  listBackups(filters?: Record<string, unknown> | null, extra: ListQuery = {}, detailed = true, signal?: AbortSignal): Promise<Json[]> {
    return this.session.listAll<Json>(VOLUME, detailed ? '/backups/detail' : '/backups', 'backups', { query: listQuery(filters, extra), signal });
  }

  async getBackup(id: string, signal?: AbortSignal): Promise<Json> {
    return (await this.session.request<{ backup: Json }>(VOLUME, 'GET', `/backups/${encodeURIComponent(id)}`, { signal })).body.backup;
  }

  /** POST /backups: Cinder answers at once (id, name); the backup is creating until available. */
  async createBackup(backup: Json, signal?: AbortSignal): Promise<Json> {
    return (await this.session.request<{ backup: Json }>(VOLUME, 'POST', '/backups', { body: { backup }, signal })).body.backup;
  }

  async deleteBackup(id: string, force = false, signal?: AbortSignal): Promise<void> {
    if (force) {
      await this.session.request(VOLUME, 'POST', `/backups/${encodeURIComponent(id)}/action`, { body: { 'os-force_delete': {} }, signal });
      return;
    }
    await this.session.request(VOLUME, 'DELETE', `/backups/${encodeURIComponent(id)}`, { signal });
  }

  /** POST /backups/{id}/restore: {backup_id, volume_id, volume_name}; the volume is restoring-backup until available. */
  async restoreBackup(id: string, restore: Json, signal?: AbortSignal): Promise<Json> {
    return (await this.session.request<{ restore: Json }>(VOLUME, 'POST', `/backups/${encodeURIComponent(id)}/restore`, { body: { restore }, signal })).body.restore;
  }

  /** os-volume_upload_image: {image_id, ...}; the volume is uploading, the image saving, until Cinder has sent the data. */
  async uploadToImage(volumeId: string, upload: Json, signal?: AbortSignal): Promise<Json> {
    const path = `/volumes/${encodeURIComponent(volumeId)}/action`;
    return (await this.session.request<{ 'os-volume_upload_image': Json }>(VOLUME, 'POST', path, { body: { 'os-volume_upload_image': upload }, signal })).body['os-volume_upload_image'];
  }

  /** The os-revert volume action (microversion 3.40): back to the volume's latest snapshot. */
  async revertToSnapshot(volumeId: string, snapshotId: string, signal?: AbortSignal): Promise<void> {
    await this.session.request(VOLUME, 'POST', `/volumes/${encodeURIComponent(volumeId)}/action`, { body: { revert: { snapshot_id: snapshotId } }, signal });
  }
}
