import {
  copyTexts,
  findCriteria,
  findOne,
  flag,
  idOf,
  limited,
  optionalInteger,
  optionalObject,
  optionalStringMap,
  optionalText,
  requiredText,
  type OpenStackActionSpec,
} from './openstack-action';

/** Cinder's list parameters (cinderclient's): search_opts filters, paging and sorting. */
function listExtras(input: Record<string, unknown>): Record<string, string | number> {
  const extra: Record<string, string | number> = {};
  const marker = optionalText(input, 'marker');
  if (marker) extra.marker = marker;
  const limit = optionalInteger(input, 'limit');
  if (limit !== undefined) extra.limit = limit;
  const sort = optionalText(input, 'sort');
  if (sort) extra.sort = sort;
  const sortKey = optionalText(input, 'sort_key');
  if (sortKey) extra.sort_key = sortKey;
  const sortDir = optionalText(input, 'sort_dir');
  if (sortDir) extra.sort_dir = sortDir;
  return extra;
}

const LIST_PARAMETERS = [
  { name: 'detailed', default: true },
  { name: 'search_opts', default: null },
  { name: 'marker', default: null },
  { name: 'limit', default: null },
];

/** Cinder v3 actions with Mistral's names and parameters; results are Cinder's JSON objects. */
export const CINDER_ACTIONS: OpenStackActionSpec[] = [
  {
    name: 'cinder.volumes_get',
    description: 'Shows a volume.',
    parameters: [{ name: 'volume' }],
    idempotent: true,
    run: (clients, input, signal) => clients.volume.getVolume(idOf(input, 'volume'), signal),
  },
  {
    name: 'cinder.volumes_find',
    description: 'Finds the one volume whose attributes equal the keywords, e.g. name=data1 (404 when none, 409 when several).',
    parameters: [],
    acceptsOtherParameters: true,
    idempotent: true,
    async run(clients, input, signal) {
      const criteria = findCriteria(input, 'cinder.volumes_find', 'name=data1');
      const filters = typeof criteria.name === 'string' ? { name: criteria.name } : {};
      return findOne('Cinder', 'Volume', await clients.volume.listVolumes(filters, {}, true, signal), criteria);
    },
  },
  {
    name: 'cinder.volumes_list',
    description: 'Lists volumes (all pages); search_opts are Cinder filters (name, status, metadata {...}, bootable, ...).',
    parameters: [...LIST_PARAMETERS, { name: 'sort_key', default: null }, { name: 'sort_dir', default: null }, { name: 'sort', default: null }],
    idempotent: true,
    async run(clients, input, signal) {
      const volumes = await clients.volume.listVolumes(optionalObject(input, 'search_opts'), listExtras(input), input.detailed !== false, signal);
      return limited(volumes, input);
    },
  },
  {
    name: 'cinder.volumes_create',
    description: 'Creates a volume (empty, from a snapshot, a volume, an image or a backup); it is creating until available.',
    parameters: [
      { name: 'size' },
      { name: 'consistencygroup_id', default: null },
      { name: 'group_id', default: null },
      { name: 'snapshot_id', default: null },
      { name: 'source_volid', default: null },
      { name: 'name', default: null },
      { name: 'description', default: null },
      { name: 'volume_type', default: null },
      { name: 'user_id', default: null },
      { name: 'project_id', default: null },
      { name: 'availability_zone', default: null },
      { name: 'metadata', default: null },
      { name: 'imageRef', default: null },
      { name: 'scheduler_hints', default: null },
      { name: 'backup_id', default: null },
    ],
    idempotent: false,
    async run(clients, input, signal) {
      const size = optionalInteger(input, 'size');
      const volume: Record<string, unknown> = {};
      if (size !== undefined) volume.size = size;
      copyTexts(input, volume, ['consistencygroup_id', 'group_id', 'snapshot_id', 'source_volid', 'name', 'description', 'volume_type', 'availability_zone', 'imageRef', 'backup_id']);
      const metadata = optionalStringMap(input, 'metadata');
      if (metadata) volume.metadata = metadata;
      const hints = optionalObject(input, 'scheduler_hints');
      if (hints) volume.scheduler_hints = hints;
      return clients.volume.createVolume(volume, signal);
    },
  },
  {
    name: 'cinder.volumes_delete',
    description: 'Deletes a volume (400 while it is attached or has snapshots, unless cascade deletes them too).',
    parameters: [{ name: 'volume' }, { name: 'cascade', default: false }],
    idempotent: false,
    run: (clients, input, signal) => clients.volume.deleteVolume(idOf(input, 'volume'), flag(input, 'cascade'), signal),
  },
  {
    name: 'cinder.volume_snapshots_create',
    description: 'Snapshots a volume; force=true allows an attached (in-use) volume. It is creating until available.',
    parameters: [{ name: 'volume_id' }, { name: 'force', default: false }, { name: 'name', default: null }, { name: 'description', default: null }, { name: 'metadata', default: null }],
    idempotent: false,
    async run(clients, input, signal) {
      const snapshot: Record<string, unknown> = { volume_id: idOf(input, 'volume_id'), force: flag(input, 'force') };
      copyTexts(input, snapshot, ['name', 'description']);
      const metadata = optionalStringMap(input, 'metadata');
      if (metadata) snapshot.metadata = metadata;
      return clients.volume.createSnapshot(snapshot, signal);
    },
  },
  {
    name: 'cinder.volume_snapshots_get',
    description: 'Shows a volume snapshot.',
    parameters: [{ name: 'snapshot_id' }],
    idempotent: true,
    run: (clients, input, signal) => clients.volume.getSnapshot(idOf(input, 'snapshot_id'), signal),
  },
  {
    name: 'cinder.volume_snapshots_find',
    description: 'Finds the one volume snapshot whose attributes equal the keywords (404 when none, 409 when several).',
    parameters: [],
    acceptsOtherParameters: true,
    idempotent: true,
    async run(clients, input, signal) {
      const criteria = findCriteria(input, 'cinder.volume_snapshots_find', 'name=snap1');
      const filters = Object.fromEntries(Object.entries(criteria).filter(([key]) => ['name', 'volume_id', 'status'].includes(key)));
      return findOne('Cinder', 'Snapshot', await clients.volume.listSnapshots(filters, {}, true, signal), criteria);
    },
  },
  {
    name: 'cinder.volume_snapshots_list',
    description: 'Lists volume snapshots (all pages); search_opts are Cinder filters (volume_id, name, status, metadata {...}); sort "created_at:asc".',
    parameters: [...LIST_PARAMETERS, { name: 'sort', default: null }],
    idempotent: true,
    async run(clients, input, signal) {
      const snapshots = await clients.volume.listSnapshots(optionalObject(input, 'search_opts'), listExtras(input), input.detailed !== false, signal);
      return limited(snapshots, input);
    },
  },
  {
    name: 'cinder.volume_snapshots_delete',
    description: 'Deletes a volume snapshot (force: also one in an error state; needs the admin role).',
    parameters: [{ name: 'snapshot' }, { name: 'force', default: false }],
    idempotent: false,
    run: (clients, input, signal) => clients.volume.deleteSnapshot(idOf(input, 'snapshot'), flag(input, 'force'), signal),
  },
  {
    name: 'cinder.volumes_upload_to_image',
    description: "Uploads a volume's data to a new Glance image (os-volume_upload_image; force: an attached volume). Answers image_id; the image is saving until active.",
    parameters: [
      { name: 'volume' },
      { name: 'force', default: false },
      { name: 'image_name' },
      { name: 'container_format', default: 'bare' },
      { name: 'disk_format', default: 'raw' },
      { name: 'visibility', default: null },
      { name: 'protected', default: null },
    ],
    idempotent: false,
    async run(clients, input, signal) {
      const upload: Record<string, unknown> = { image_name: requiredText(input, 'image_name'), force: flag(input, 'force') };
      copyTexts(input, upload, ['container_format', 'disk_format', 'visibility']);
      if (input.protected !== null && input.protected !== undefined) upload.protected = flag(input, 'protected');
      return clients.volume.uploadToImage(idOf(input, 'volume'), upload, signal);
    },
  },
  {
    name: 'cinder.volumes_revert_to_snapshot',
    description: "Reverts a volume to its latest snapshot (os-revert, microversion 3.40); the volume is reverting until available.",
    parameters: [{ name: 'volume' }, { name: 'snapshot' }],
    idempotent: false,
    run: (clients, input, signal) => clients.volume.revertToSnapshot(idOf(input, 'volume'), idOf(input, 'snapshot'), signal),
  },
  {
    name: 'cinder.backups_create',
    description: 'Backs a volume up to the backup service (incremental: on top of its latest full one; force: an attached volume). It is creating until available.',
    parameters: [
      { name: 'volume_id' },
      { name: 'container', default: null },
      { name: 'name', default: null },
      { name: 'description', default: null },
      { name: 'incremental', default: false },
      { name: 'force', default: false },
      { name: 'snapshot_id', default: null },
      { name: 'metadata', default: null },
      { name: 'availability_zone', default: null },
    ],
    idempotent: false,
    async run(clients, input, signal) {
      const backup: Record<string, unknown> = { volume_id: idOf(input, 'volume_id'), incremental: flag(input, 'incremental'), force: flag(input, 'force') };
      copyTexts(input, backup, ['container', 'name', 'description', 'snapshot_id', 'availability_zone']);
      const metadata = optionalStringMap(input, 'metadata');
      if (metadata) backup.metadata = metadata; // microversion 3.43
      return clients.volume.createBackup(backup, signal);
    },
  },
  {
    name: 'cinder.backups_get',
    description: 'Shows a volume backup.',
    parameters: [{ name: 'backup_id' }],
    idempotent: true,
    run: (clients, input, signal) => clients.volume.getBackup(idOf(input, 'backup_id'), signal),
  },
  {
    name: 'cinder.backups_list',
    description: 'Lists volume backups (all pages); search_opts are Cinder filters (volume_id, name, status, metadata {...}).',
    parameters: [...LIST_PARAMETERS, { name: 'sort', default: null }],
    idempotent: true,
    async run(clients, input, signal) {
      return limited(await clients.volume.listBackups(optionalObject(input, 'search_opts'), listExtras(input), input.detailed !== false, signal), input);
    },
  },
  {
    name: 'cinder.backups_delete',
    description: 'Deletes a volume backup (400 while incremental backups depend on it; force: os-force_delete, admin).',
    parameters: [{ name: 'backup' }, { name: 'force', default: false }],
    idempotent: false,
    run: (clients, input, signal) => clients.volume.deleteBackup(idOf(input, 'backup'), flag(input, 'force'), signal),
  },
  {
    name: 'cinder.restores_restore',
    description: 'Restores a backup onto a volume (volume_id; none: a new volume); the volume is restoring-backup until available.',
    parameters: [{ name: 'backup_id' }, { name: 'volume_id', default: null }, { name: 'name', default: null }],
    idempotent: false,
    async run(clients, input, signal) {
      const restore: Record<string, unknown> = {};
      const volumeId = optionalText(input, 'volume_id');
      if (volumeId) restore.volume_id = volumeId;
      const name = optionalText(input, 'name');
      if (name) restore.name = name;
      return clients.volume.restoreBackup(idOf(input, 'backup_id'), restore, signal);
    },
  },
];
