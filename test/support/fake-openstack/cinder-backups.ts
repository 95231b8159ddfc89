/**
 * Cinder's volume backups (/v3/{project}/backups, microversions 3.0-3.70), the os-revert volume
 * action (3.40) and os-volume_upload_image: the paths, bodies, status codes and messages of the
 * real service. A volume's backup is creating until available; an incremental one needs a full
 * backup of the volume and makes it has_dependent_backups; a restore and a revert need an
 * available (detached) volume; an upload makes a Glance image (saving until active) while the
 * volume is uploading.
 */
import type { BackupRec, Cloud, VolumeRec } from './cloud';
import { ApiError, atLeast, isObject, isoMicros, uuid, type AuthContext, type Microversion } from './core';

export class CinderBackups {
  constructor(private readonly cloud: Cloud) {}

  backup(ctx: AuthContext, id: string): BackupRec {
    const backup = this.cloud.backups.get(id);
    if (!backup || (!ctx.isAdmin && backup.projectId !== ctx.projectId)) throw new ApiError(404, `Backup ${id} could not be found.`);
    return backup;
  }

  view(backup: BackupRec, v: Microversion, base: string, detail: boolean): Record<string, unknown> {
    const links = [{ href: `${base}/backups/${backup.id}`, rel: 'self' }];
    if (!detail) return { id: backup.id, name: backup.name, links };
    const view: Record<string, unknown> = {
      id: backup.id,
      name: backup.name,
      description: backup.description,
      status: backup.status,
      volume_id: backup.volumeId,
      size: backup.size,
      object_count: 0,
      container: backup.container,
      availability_zone: null,
      created_at: isoMicros(backup.createdAt),
      updated_at: backup.updatedAt ? isoMicros(backup.updatedAt) : null,
      fail_reason: null,
      is_incremental: backup.isIncremental,
      has_dependent_backups: this.dependents(backup).length > 0,
      snapshot_id: null,
      data_timestamp: isoMicros(backup.createdAt),
      links,
    };
    if (atLeast(v, '3.43')) view.metadata = { ...backup.metadata };
    if (atLeast(v, '3.56')) view.user_id = backup.userId;
    if (atLeast(v, '3.64')) view.encryption_key_id = null;
    return view;
  }

  private dependents(backup: BackupRec): BackupRec[] {
    return [...this.cloud.backups.values()].filter((candidate) => candidate.parentId === backup.id);
  }

  list(ctx: AuthContext, query: URLSearchParams, filterMetadata: (raw: string) => Record<string, unknown>): BackupRec[] {
    let backups = [...this.cloud.backups.values()].filter((backup) => ctx.projectId === backup.projectId);
    for (const key of ['name', 'status', 'volume_id'] as const) {
      const value = query.get(key);
      const field = { name: 'name', status: 'status', volume_id: 'volumeId' }[key] as 'name' | 'status' | 'volumeId';
      if (value !== null) backups = backups.filter((backup) => backup[field] === value);
    }
    const metadata = query.get('metadata');
    if (metadata !== null) {
      const wanted = filterMetadata(metadata);
      backups = backups.filter((backup) => Object.entries(wanted).every(([key, value]) => backup.metadata[key] === String(value)));
    }
    return backups.sort((a, b) => b.seq - a.seq);
  }

  create(ctx: AuthContext, v: Microversion, body: unknown, metadataOf: (value: unknown) => Record<string, string>): BackupRec {
    const spec = isObject(body) ? body.backup : undefined;
    if (!isObject(spec)) throw new ApiError(400, "Missing required element 'backup' in request body.");
    if (typeof spec.volume_id !== 'string') throw new ApiError(400, "Invalid input for field/attribute backup. Value: None. 'volume_id' is a required property");
    const volume = this.cloud.volumes.get(spec.volume_id);
    if (!volume || volume.projectId !== ctx.projectId) throw new ApiError(404, `Volume ${spec.volume_id} could not be found.`);
    const force = spec.force === true;
    if (volume.status === 'in-use' && !force) throw new ApiError(400, 'Invalid volume: Backing up an in-use volume must use the force flag.');
    if (volume.status !== 'in-use' && volume.status !== 'available') {
      throw new ApiError(400, `Invalid volume: Volume to be backed up must be available or in-use, but the current status is "${volume.status}".`);
    }
    const incremental = spec.incremental === true;
    const latestFull = [...this.cloud.backups.values()]
      .filter((backup) => backup.volumeId === volume.id && backup.status === 'available')
      .sort((a, b) => b.seq - a.seq)[0];
    if (incremental && !latestFull) throw new ApiError(400, 'Invalid backup: No backups available to do an incremental backup.');
    const metadata = spec.metadata !== undefined && atLeast(v, '3.43') ? metadataOf(spec.metadata) : {};
    const now = new Date();
    const backup: BackupRec = {
      id: uuid(),
      projectId: ctx.projectId!,
      userId: ctx.userId,
      volumeId: volume.id,
      name: typeof spec.name === 'string' ? spec.name : null,
      description: typeof spec.description === 'string' ? spec.description : null,
      status: 'creating',
      size: volume.size,
      container: typeof spec.container === 'string' ? spec.container : 'volumebackups',
      isIncremental: incremental,
      parentId: incremental ? latestFull!.id : null,
      content: `${volume.id}@${volume.updatedAt?.toISOString() ?? volume.createdAt.toISOString()}`,
      metadata,
      createdAt: now,
      updatedAt: now,
      seq: this.cloud.nextSeq(),
    };
    this.cloud.backups.set(backup.id, backup);
    const previous = volume.status;
    volume.status = 'backing-up';
    this.cloud.later(() => {
      if (volume.status === 'backing-up') volume.status = previous;
      if (backup.status === 'creating') backup.status = 'available';
      backup.updatedAt = new Date();
    });
    return backup;
  }

  delete(ctx: AuthContext, id: string): void {
    const backup = this.backup(ctx, id);
    if (!['available', 'error'].includes(backup.status)) throw new ApiError(400, 'Invalid backup: Backup status must be available or error');
    if (this.dependents(backup).length > 0) throw new ApiError(400, 'Invalid backup: Incremental backups exist for this backup.');
    backup.status = 'deleting';
    this.cloud.later(() => this.cloud.backups.delete(backup.id));
  }

  restore(ctx: AuthContext, id: string, body: unknown): Record<string, unknown> {
    const backup = this.backup(ctx, id);
    const spec = isObject(body) && isObject(body.restore) ? body.restore : {};
    if (backup.status !== 'available') throw new ApiError(400, 'Invalid backup: Backup status must be available');
    let volume: VolumeRec;
    if (typeof spec.volume_id === 'string') {
      const target = this.cloud.volumes.get(spec.volume_id);
      if (!target || target.projectId !== ctx.projectId) throw new ApiError(404, `Volume ${spec.volume_id} could not be found.`);
      if (target.status !== 'available') throw new ApiError(400, 'Invalid volume: Volume to be restored to must be available');
      if (target.size < backup.size) throw new ApiError(400, `Invalid volume: volume size ${target.size} is too small to restore backup of size ${backup.size}.`);
      volume = target;
    } else {
      volume = this.cloud.newVolume({ projectId: ctx.projectId!, userId: ctx.userId, size: backup.size, name: typeof spec.name === 'string' ? spec.name : `restore_backup_${backup.id}`, status: 'creating' });
    }
    volume.status = 'restoring-backup';
    backup.status = 'restoring';
    this.cloud.later(() => {
      volume.status = 'available';
      volume.metadata = { ...volume.metadata, restored_from_backup: backup.id };
      volume.updatedAt = new Date();
      backup.status = 'available';
    });
    return { backup_id: backup.id, volume_id: volume.id, volume_name: volume.name };
  }

  /** os-revert (3.40): back to the volume's latest snapshot; Cinder reverts only a detached, available volume. */
  revert(volume: VolumeRec, v: Microversion, arg: unknown): void {
    if (!atLeast(v, '3.40')) throw new ApiError(404, 'The resource could not be found.');
    const snapshotId = isObject(arg) ? arg.snapshot_id : undefined;
    if (typeof snapshotId !== 'string') throw new ApiError(400, "Invalid input for field/attribute revert. 'snapshot_id' is a required property");
    const snapshot = this.cloud.snapshots.get(snapshotId);
    if (!snapshot || snapshot.volumeId !== volume.id) throw new ApiError(404, `Snapshot ${snapshotId} could not be found.`);
    const latest = this.cloud.snapshotsOf(volume.id).sort((a, b) => b.seq - a.seq)[0];
    if (latest?.id !== snapshot.id) throw new ApiError(409, `Invalid snapshot: Snapshot ${snapshot.id} is not the latest one of volume ${volume.id}.`); // Cinder answers 409 for both
    if (volume.status !== 'available' || snapshot.status !== 'available') {
      throw new ApiError(409, `Invalid volume: Can't revert volume ${volume.id} to its latest snapshot ${snapshot.id}. Volume's status must be 'available'.`);
    }
    volume.status = 'reverting';
    snapshot.status = 'restoring';
    this.cloud.later(() => {
      volume.status = 'available';
      volume.metadata = { ...volume.metadata, reverted_to_snapshot: snapshot.id };
      volume.updatedAt = new Date();
      snapshot.status = 'available';
    });
  }

  /** os-volume_upload_image: a new image of the project, active once the "data" is sent; the volume goes back to its status. */
  uploadToImage(volume: VolumeRec, arg: unknown): Record<string, unknown> {
    if (!isObject(arg) || typeof arg.image_name !== 'string') throw new ApiError(400, "Invalid input for field/attribute os-volume_upload_image. 'image_name' is a required property");
    const force = arg.force === true || arg.force === 'true' || arg.force === 'True';
    if (!(volume.status === 'available' || (force && volume.status === 'in-use'))) {
      throw new ApiError(400, `Invalid volume: Volume ${volume.id} status must be available or in-use, but current status is: ${volume.status}.`);
    }
    const diskFormat = typeof arg.disk_format === 'string' ? arg.disk_format : 'raw';
    const containerFormat = typeof arg.container_format === 'string' ? arg.container_format : 'bare';
    const image = this.cloud.newImage({ owner: volume.projectId, name: arg.image_name, status: 'queued', diskFormat, containerFormat, visibility: 'private' });
    const before = volume.status;
    volume.status = 'uploading';
    this.cloud.later(() => {
      this.cloud.storeImageData(image, Buffer.from(`sirocco fake volume ${volume.id}\n`));
      volume.status = before;
      volume.updatedAt = new Date();
    });
    return {
      id: volume.id,
      updated_at: isoMicros(new Date()),
      status: 'uploading',
      display_description: volume.description,
      size: volume.size,
      volume_type: { id: volume.typeId },
      image_id: image.id,
      container_format: containerFormat,
      disk_format: diskFormat,
      image_name: arg.image_name,
      protected: false,
      visibility: 'private',
    };
  }
}
