/**
 * Cinder v3 (Zed, microversions 3.0 to 3.70) under /volume/v3/{project_id}: volumes (from
 * nothing, a snapshot, another volume or an image), volume actions, snapshots, volume types and
 * availability zones. Error bodies are Cinder's ({"badRequest": {...}}, itemNotFound, forbidden);
 * state conflicts answer 400, not 409, as Cinder does.
 */
import { CinderBackups } from './cinder-backups';
import { GIB, VOLUME_SERVICE_UUID, type Cloud, type SnapshotRec, type VolumeRec } from './cloud';
import {
  ApiError,
  Router,
  atLeast,
  boolFrom,
  compareValues,
  empty,
  faultName,
  header,
  isObject,
  isoMicros,
  json,
  keystoneMiddleware401,
  pyRepr,
  requestId,
  requestedMicroversion,
  sortSpec,
  type AuthContext,
  type FakeRequest,
  type FakeResponse,
  type Microversion,
} from './core';

export const CINDER_MIN = '3.0';
export const CINDER_MAX = '3.70';

const DELETABLE = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];
const CANNOT_DELETE =
  'Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.';
/** filters a project member may use (Zed's resource_filters.json) besides paging and sorting */
const VOLUME_FILTERS = ['name', 'status', 'metadata', 'bootable', 'migration_status', 'availability_zone', 'group_id', 'size', 'created_at', 'updated_at', 'consumes_quota'];
const SNAPSHOT_FILTERS = ['name', 'status', 'volume_id', 'metadata', 'availability_zone', 'consumes_quota'];
const LIST_PARAMS = ['limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir', 'all_tenants', 'project_id', 'with_count', 'is_public'];

export function cinderError(status: number, message: string, extraHeaders: Record<string, string> = {}): FakeResponse {
  return { status, headers: { 'Content-Type': 'application/json', ...extraHeaders }, body: JSON.stringify({ [faultName(status)]: { code: status, message } }) };
}

interface Call {
  req: FakeRequest;
  ctx: AuthContext;
  v: Microversion;
  project: string;
}

type CinderHandler = (call: Call, params: Record<string, string>) => FakeResponse;

export class Cinder {
  private readonly router = new Router();
  private readonly backups: CinderBackups;

  constructor(private readonly cloud: Cloud) {
    this.backups = new CinderBackups(cloud);
    const on = (method: string, pattern: string, handler: CinderHandler) => {
      this.router.on(method, pattern, (req, params) => handler({ req, ctx: req.ctx!, v: this.versionOf(req), project: params.project! }, params));
    };
    on('GET', '/v3/:project/volumes', (call) => this.listVolumes(call, false));
    on('GET', '/v3/:project/volumes/detail', (call) => this.listVolumes(call, true));
    on('POST', '/v3/:project/volumes', (call) => this.createVolume(call));
    on('GET', '/v3/:project/volumes/:id', (call, p) => json(200, { volume: this.volumeView(this.volume(call.ctx, p.id!), call.v, call.ctx, 'show') }));
    on('PUT', '/v3/:project/volumes/:id', (call, p) => this.updateVolume(call, p.id!));
    on('DELETE', '/v3/:project/volumes/:id', (call, p) => this.deleteVolume(call, p.id!));
    on('POST', '/v3/:project/volumes/:id/action', (call, p) => this.volumeAction(call, p.id!));
    on('GET', '/v3/:project/backups', (call) => this.listBackups(call, false));
    on('GET', '/v3/:project/backups/detail', (call) => this.listBackups(call, true));
    on('POST', '/v3/:project/backups', ({ req, ctx, v, project }) => {
      this.require(ctx, 'backup:create', true);
      const backup = this.backups.create(ctx, v, this.body(req), (value) => this.metadataArg(value));
      return json(202, { backup: this.backups.view(backup, v, this.base(project), false) });
    });
    on('GET', '/v3/:project/backups/:id', ({ ctx, v, project }, p) => json(200, { backup: this.backups.view(this.backups.backup(ctx, p.id!), v, this.base(project), true) }));
    on('DELETE', '/v3/:project/backups/:id', ({ ctx }, p) => {
      this.require(ctx, 'backup:delete', true);
      this.backups.delete(ctx, p.id!);
      return empty(202);
    });
    on('POST', '/v3/:project/backups/:id/restore', ({ req, ctx }, p) => {
      this.require(ctx, 'backup:restore', true);
      return json(202, { restore: this.backups.restore(ctx, p.id!, this.body(req)) });
    });
    on('GET', '/v3/:project/snapshots', (call) => this.listSnapshots(call, false));
    on('GET', '/v3/:project/snapshots/detail', (call) => this.listSnapshots(call, true));
    on('POST', '/v3/:project/snapshots', (call) => this.createSnapshot(call));
    on('GET', '/v3/:project/snapshots/:id', (call, p) => json(200, { snapshot: this.snapshotView(this.snapshot(call.ctx, p.id!), call.v, true) }));
    on('PUT', '/v3/:project/snapshots/:id', (call, p) => this.updateSnapshot(call, p.id!));
    on('DELETE', '/v3/:project/snapshots/:id', (call, p) => this.deleteSnapshot(call, p.id!));
    on('POST', '/v3/:project/snapshots/:id/action', (call, p) => this.snapshotAction(call, p.id!));
    on('GET', '/v3/:project/types', (call) => json(200, { volume_types: this.cloud.volumeTypes.map((type) => this.typeView(type.id, call.ctx)) }));
    on('GET', '/v3/:project/types/:id', (call, p) => this.showType(call, p.id!));
    on('GET', '/v3/:project/os-availability-zone', () =>
      json(200, { availabilityZoneInfo: Object.keys(this.cloud.zones).map((zoneName) => ({ zoneName, zoneState: { available: true } })) }),
    );
  }

  private versionOf(req: FakeRequest): Microversion {
    return requestedMicroversion(req, 'volume', CINDER_MIN, CINDER_MAX);
  }

  private base(project: string): string {
    return `${this.cloud.origin}/volume/v3/${project}`;
  }

  handle(req: FakeRequest): FakeResponse {
    const id = requestId();
    const finish = (response: FakeResponse, version?: Microversion): FakeResponse => {
      const headers: Record<string, string> = { ...response.headers, 'X-Openstack-Request-Id': id, 'X-Compute-Request-Id': id };
      if (version) {
        headers['OpenStack-API-Version'] = `volume ${version.text}`;
        headers['Vary'] = 'OpenStack-API-Version';
      }
      return { ...response, headers };
    };
    const path = req.path.replace(/\/+$/, '');
    if (path === '' || path === '/v3') return finish(json(path === '' ? 300 : 200, { versions: [this.versionDoc()] }), { major: 3, minor: 0, text: '3.0' });
    if (!path.startsWith('/v3/')) return finish(cinderError(404, 'The resource could not be found.'));
    let version: Microversion;
    try {
      version = this.versionOf(req);
    } catch (error) {
      if (error instanceof ApiError) return finish(cinderError(error.status, error.message));
      throw error;
    }
    const ctx = this.cloud.authenticate(header(req, 'x-auth-token'));
    if (!ctx) return finish(keystoneMiddleware401(this.cloud.authUrl), version);
    req.ctx = ctx;
    try {
      const urlProject = path.split('/')[2] ?? '';
      if (urlProject !== ctx.projectId && !ctx.isAdmin) throw new ApiError(400, 'Malformed request url');
      const match = this.router.match(req.method, path);
      if (match === 'method') throw new ApiError(405, 'The method specified is not allowed for this resource.');
      if (!match) throw new ApiError(404, 'The resource could not be found.');
      return finish(match.handler(req, match.params) as FakeResponse, version);
    } catch (error) {
      if (error instanceof ApiError) return finish(cinderError(error.status, error.message, error.headers), version);
      throw error;
    }
  }

  private versionDoc(): Record<string, unknown> {
    return {
      id: 'v3.0',
      status: 'CURRENT',
      version: CINDER_MAX,
      min_version: CINDER_MIN,
      updated: '2022-08-31T00:00:00Z',
      links: [
        { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
        { rel: 'self', href: `${this.cloud.origin}/volume/v3/` },
      ],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
    };
  }

  // -------------------------------------------------------------------------------------------
  // policy and lookups

  private require(ctx: AuthContext, rule: string, write: boolean): void {
    const ok = write ? ctx.roles.some((role) => role === 'member' || role === 'admin') : ctx.roles.some((role) => ['reader', 'member', 'admin'].includes(role));
    if (!ok) throw new ApiError(403, `Policy doesn't allow ${rule} to be performed.`);
  }

  private volume(ctx: AuthContext, id: string): VolumeRec {
    const volume = this.cloud.volumes.get(id);
    if (!volume || (!ctx.isAdmin && volume.projectId !== ctx.projectId)) throw new ApiError(404, `Volume ${id} could not be found.`);
    return volume;
  }

  private snapshot(ctx: AuthContext, id: string): SnapshotRec {
    const snapshot = this.cloud.snapshots.get(id);
    if (!snapshot || (!ctx.isAdmin && snapshot.projectId !== ctx.projectId)) throw new ApiError(404, `Snapshot ${id} could not be found.`);
    return snapshot;
  }

  private body(req: FakeRequest): unknown {
    const text = req.body.toString('utf8');
    try {
      return text.trim() ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError(400, 'Malformed request body');
    }
  }

  private metadataArg(value: unknown): Record<string, string> {
    if (value === undefined || value === null) return {};
    if (!isObject(value)) throw new ApiError(400, `Invalid input for field/attribute metadata. Value: ${pyRepr(value)}. ${pyRepr(value)} is not of type 'object'`);
    const result: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') throw new ApiError(400, `Invalid input for field/attribute metadata. Value: ${pyRepr(value)}. ${pyRepr(item)} is not of type 'string'`);
      result[key] = item;
    }
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // views

  volumeView(volume: VolumeRec, v: Microversion, ctx: { isAdmin: boolean }, kind: 'show' | 'create'): Record<string, unknown> {
    const type = this.cloud.volumeTypes.find((candidate) => candidate.id === volume.typeId);
    const view: Record<string, unknown> = {
      id: volume.id,
      status: volume.status,
      size: volume.size,
      availability_zone: volume.az,
      created_at: isoMicros(volume.createdAt),
      updated_at: volume.updatedAt ? isoMicros(volume.updatedAt) : null,
      name: volume.name,
      description: volume.description,
      volume_type: type?.name ?? null,
      snapshot_id: volume.snapshotId,
      source_volid: volume.sourceVolid,
      metadata: { ...volume.metadata },
      links: [
        { rel: 'self', href: `${this.base(volume.projectId)}/volumes/${volume.id}` },
        { rel: 'bookmark', href: `${this.cloud.origin}/volume/${volume.projectId}/volumes/${volume.id}` },
      ],
      user_id: volume.userId,
      bootable: String(volume.bootable),
      encrypted: false,
      replication_status: null,
      consistencygroup_id: null,
      multiattach: false,
      attachments: volume.attachments.map((attachment) => ({
        id: volume.id,
        attachment_id: attachment.attachmentId,
        volume_id: volume.id,
        server_id: attachment.serverId,
        host_name: null,
        device: attachment.device,
        attached_at: isoMicros(attachment.attachedAt),
      })),
    };
    if (volume.imageMeta) view.volume_image_metadata = { ...volume.imageMeta };
    if (atLeast(v, '3.13')) view.group_id = null;
    if (atLeast(v, '3.48')) {
      view.shared_targets = !volume.scheduled;
      view.service_uuid = volume.scheduled ? VOLUME_SERVICE_UUID : null;
    }
    if (atLeast(v, '3.63')) view.volume_type_id = volume.typeId;
    if (atLeast(v, '3.65')) view.consumes_quota = true;
    if (kind === 'show') view['os-vol-tenant-attr:tenant_id'] = volume.projectId;
    if (ctx.isAdmin && kind === 'show') {
      view['os-vol-host-attr:host'] = volume.scheduled ? 'controller@fake#fake' : null;
      view['os-vol-mig-status-attr:migstat'] = null;
      view['os-vol-mig-status-attr:name_id'] = null;
      if (atLeast(v, '3.21')) view.provider_id = null;
      if (atLeast(v, '3.61')) view.cluster_name = null;
    }
    return view;
  }

  snapshotView(snapshot: SnapshotRec, v: Microversion, detail: boolean): Record<string, unknown> {
    const view: Record<string, unknown> = {
      id: snapshot.id,
      created_at: isoMicros(snapshot.createdAt),
      updated_at: snapshot.updatedAt ? isoMicros(snapshot.updatedAt) : null,
      name: snapshot.name,
      description: snapshot.description,
      volume_id: snapshot.volumeId,
      status: snapshot.status,
      size: snapshot.size,
      metadata: { ...snapshot.metadata },
    };
    if (atLeast(v, '3.14')) view.group_snapshot_id = null;
    if (atLeast(v, '3.41')) view.user_id = snapshot.userId;
    if (atLeast(v, '3.65')) view.consumes_quota = true;
    if (detail) {
      view['os-extended-snapshot-attributes:project_id'] = snapshot.projectId;
      view['os-extended-snapshot-attributes:progress'] = snapshot.status === 'available' ? '100%' : '0%';
    }
    return view;
  }

  private typeView(id: string, ctx: AuthContext): Record<string, unknown> {
    const type = this.cloud.volumeTypes.find((candidate) => candidate.id === id)!;
    const view: Record<string, unknown> = {
      id: type.id,
      name: type.name,
      is_public: true,
      description: type.description,
      extra_specs: {},
      'os-volume-type-access:is_public': true,
    };
    if (ctx.isAdmin) view.qos_specs_id = null;
    return view;
  }

  private showType({ ctx, v }: Call, id: string): FakeResponse {
    const type =
      id === 'default' && atLeast(v, '3.62')
        ? this.cloud.defaultVolumeType()
        : this.cloud.volumeTypes.find((candidate) => candidate.id === id || candidate.name === id);
    if (!type) throw new ApiError(404, `Volume type ${id} could not be found.`);
    return json(200, { volume_type: this.typeView(type.id, ctx) });
  }

  // -------------------------------------------------------------------------------------------
  // lists

  /** Filters, sorting and paging common to volume and snapshot lists. */
  private page<T extends { id: string; projectId: string; metadata: Record<string, string>; seq: number }>(
    call: Call,
    items: T[],
    allowed: string[],
    field: (item: T, key: string) => unknown,
    collection: string,
  ): { page: T[]; links?: Array<{ href: string; rel: string }> } {
    const { req, ctx, v } = call;
    const q = req.query;
    const allTenants = q.has('all_tenants') && boolFrom(q.get('all_tenants') || 'true') !== false && ctx.isAdmin;
    let result = items.filter((item) => allTenants || item.projectId === ctx.projectId);
    if (allTenants && q.get('project_id')) result = result.filter((item) => item.projectId === q.get('project_id'));
    const keys = new Set<string>();
    q.forEach((_value, key) => keys.add(key));
    const unknown = [...keys].filter((key) => !LIST_PARAMS.includes(key) && !allowed.includes(key.replace(/~$/, '')));
    if (unknown.length && !ctx.isAdmin && atLeast(v, '3.34')) throw new ApiError(400, `Invalid filters ${unknown.join(',')} are found in query options.`);
    for (const key of keys) {
      if (LIST_PARAMS.includes(key)) continue;
      const raw = q.get(key)!;
      if (key === 'metadata') {
        const wanted = this.parseMetadataFilter(raw);
        result = result.filter((item) => Object.entries(wanted).every(([name, value]) => item.metadata[name] === String(value)));
      } else if (key.endsWith('~')) {
        const name = key.slice(0, -1);
        result = result.filter((item) => String(field(item, name) ?? '').includes(raw));
      } else {
        result = result.filter((item) => String(field(item, key)) === raw);
      }
    }
    const spec = sortSpec(q, 'desc');
    if ('error' in spec) throw new ApiError(400, spec.error === 'combined' ? 'The sort and sort_key/sort_dir parameters cannot be used together.' : `Invalid input received: Unknown sort direction, must be 'desc' or 'asc'`);
    const sort = spec.length ? [...spec] : [['created_at', 'desc'] as [string, 'asc' | 'desc']];
    if (!sort.some(([key]) => key === 'id')) sort.push(['id', sort[sort.length - 1]![1]]);
    const compare = (a: T, b: T): number => {
      for (const [key, dir] of sort) {
        const left = key === 'created_at' ? a.seq : field(a, key === 'display_name' ? 'name' : key);
        const right = key === 'created_at' ? b.seq : field(b, key === 'display_name' ? 'name' : key);
        const order = compareValues(left, right);
        if (order) return dir === 'asc' ? order : -order;
      }
      return 0;
    };
    result.sort(compare);
    const marker = q.get('marker');
    if (marker !== null) {
      const index = result.findIndex((item) => item.id === marker);
      if (index < 0) throw new ApiError(404, `Marker ${marker} could not be found.`);
      result = result.slice(index + 1);
    }
    const offset = q.get('offset');
    if (offset !== null) result = result.slice(Number(offset) || 0);
    const limitText = q.get('limit');
    let limit = 1000;
    if (limitText !== null) {
      if (!/^\d+$/.test(limitText)) throw new ApiError(400, `Invalid input received: limit must be a non-negative integer`);
      limit = Math.min(Number(limitText), 1000);
    }
    const page = result.slice(0, limit);
    if (page.length > 0 && page.length === limit) {
      const params = new URLSearchParams(q);
      params.set('limit', String(limit));
      params.set('marker', page[page.length - 1]!.id);
      params.delete('offset');
      return { page, links: [{ href: `${this.base(call.project)}/${collection}?${params.toString()}`, rel: 'next' }] };
    }
    return { page };
  }

  /** `metadata={"k":"v"}` (JSON, or the Python-literal form the CLI sends). */
  private parseMetadataFilter(raw: string): Record<string, unknown> {
    for (const candidate of [raw, raw.replace(/'/g, '"')]) {
      try {
        const parsed: unknown = JSON.parse(candidate);
        if (isObject(parsed)) return parsed;
      } catch {
        // next form
      }
    }
    throw new ApiError(400, `Invalid input received: Invalid metadata filter: ${raw}`);
  }

  private listVolumes(call: Call, detail: boolean): FakeResponse {
    this.require(call.ctx, detail ? 'volume:get_all' : 'volume:get_all', false);
    const field = (volume: VolumeRec, key: string): unknown => {
      switch (key) {
        case 'name':
        case 'display_name':
          return volume.name;
        case 'availability_zone':
          return volume.az;
        case 'bootable':
          return String(volume.bootable);
        case 'updated_at':
          return volume.updatedAt?.getTime() ?? null;
        case 'volume_type':
          return this.cloud.volumeTypes.find((type) => type.id === volume.typeId)?.name;
        default:
          return (volume as unknown as Record<string, unknown>)[key];
      }
    };
    const { page, links } = this.page(call, [...this.cloud.volumes.values()], VOLUME_FILTERS, field, detail ? 'volumes/detail' : 'volumes');
    const body: Record<string, unknown> = {
      volumes: page.map((volume) =>
        detail
          ? this.volumeView(volume, call.v, call.ctx, 'show')
          : { id: volume.id, links: this.volumeView(volume, call.v, call.ctx, 'create').links, name: volume.name },
      ),
    };
    if (links) body.volumes_links = links;
    if (call.req.query.get('with_count') && atLeast(call.v, '3.45')) body.count = page.length;
    return json(200, body);
  }

  private listSnapshots(call: Call, detail: boolean): FakeResponse {
    this.require(call.ctx, 'volume:get_all_snapshots', false);
    const field = (snapshot: SnapshotRec, key: string): unknown => {
      switch (key) {
        case 'volume_id':
          return snapshot.volumeId;
        case 'updated_at':
          return snapshot.updatedAt?.getTime() ?? null;
        case 'availability_zone':
          return this.cloud.volumes.get(snapshot.volumeId)?.az;
        default:
          return (snapshot as unknown as Record<string, unknown>)[key];
      }
    };
    const { page, links } = this.page(call, [...this.cloud.snapshots.values()], SNAPSHOT_FILTERS, field, detail ? 'snapshots/detail' : 'snapshots');
    const body: Record<string, unknown> = { snapshots: page.map((snapshot) => this.snapshotView(snapshot, call.v, detail)) };
    if (links) body.snapshots_links = links;
    return json(200, body);
  }

  // -------------------------------------------------------------------------------------------
  // volumes

  private createVolume(call: Call): FakeResponse {
    const { req, ctx, v } = call;
    this.require(ctx, 'volume:create', true);
    const body = this.body(req);
    const volume = this.create(ctx, isObject(body) ? body.volume : undefined, body);
    return json(202, { volume: this.volumeView(volume, v, ctx, 'create') });
  }

  /** Validates a volume create body and starts it (creating, available after the transition delay). */
  create(ctx: AuthContext, spec: unknown, body: unknown): VolumeRec {
    if (!isObject(spec)) {
      if (isObject(body) && !('volume' in body)) throw new ApiError(400, `Invalid input for field/attribute volume. Value: ${pyRepr(body)}. 'volume' is a required property`);
      throw new ApiError(400, `Invalid input for field/attribute volume. Value: ${pyRepr(spec)}. ${pyRepr(spec)} is not of type 'object'`);
    }
    let size: number | undefined;
    if (spec.size !== undefined && spec.size !== null) {
      const parsed = typeof spec.size === 'string' && /^\d+$/.test(spec.size) ? Number(spec.size) : spec.size;
      if (typeof parsed !== 'number' || !Number.isInteger(parsed)) throw new ApiError(400, `Invalid input for field/attribute size. Value: ${pyRepr(spec.size)}. ${pyRepr(spec.size)} is not of type 'integer', 'string', 'null'`);
      if (parsed < 1) throw new ApiError(400, `Invalid input for field/attribute size. Value: ${parsed}. ${parsed} is less than the minimum of 1`);
      size = parsed;
    }
    const name = spec.name ?? spec.display_name;
    const description = spec.description ?? spec.display_description;
    const metadata = this.metadataArg(spec.metadata);

    let typeId = this.cloud.defaultVolumeType().id;
    if (spec.volume_type !== undefined && spec.volume_type !== null) {
      const type = this.cloud.volumeTypes.find((candidate) => candidate.name === spec.volume_type || candidate.id === spec.volume_type);
      if (!type) throw new ApiError(404, `Volume type with name ${String(spec.volume_type)} could not be found.`);
      typeId = type.id;
    }
    let az: string | undefined;
    if (spec.availability_zone !== undefined && spec.availability_zone !== null) {
      az = String(spec.availability_zone);
      if (!(az in this.cloud.zones)) throw new ApiError(400, `Invalid input received: Availability zone '${az}' is invalid.`);
    }

    let snapshotId: string | null = null;
    let sourceVolid: string | null = null;
    let bootable = false;
    let imageMeta: Record<string, string> | undefined;
    if (spec.snapshot_id !== undefined && spec.snapshot_id !== null) {
      const snapshot = this.snapshot(ctx, String(spec.snapshot_id));
      if (snapshot.status !== 'available') throw new ApiError(400, `Invalid snapshot: Originating snapshot status must be one of 'available' values`);
      if (size === undefined) size = snapshot.size;
      if (size < snapshot.size) {
        throw new ApiError(400, `Invalid input received: Volume size '${size}'GB cannot be smaller than the snapshot size ${snapshot.size}GB. They must be >= original snapshot size.`);
      }
      const origin = this.cloud.volumes.get(snapshot.volumeId);
      if (az && origin && az !== origin.az) throw new ApiError(400, 'Invalid input received: Volume must be in the same availability zone as the snapshot');
      az = az ?? origin?.az;
      if (spec.volume_type === undefined && origin) typeId = origin.typeId;
      bootable = origin?.bootable ?? false;
      imageMeta = origin?.imageMeta ? { ...origin.imageMeta } : undefined;
      snapshotId = snapshot.id;
    } else if (spec.source_volid !== undefined && spec.source_volid !== null) {
      const source = this.volume(ctx, String(spec.source_volid));
      if (!['available', 'in-use'].includes(source.status)) throw new ApiError(400, `Invalid volume: Volume ${source.id} status must be available or in-use, but current status is: ${source.status}.`);
      if (size === undefined) size = source.size;
      if (size < source.size) throw new ApiError(400, `Invalid input received: Clones currently must be >= original volume size.`);
      az = az ?? source.az;
      if (spec.volume_type === undefined) typeId = source.typeId;
      bootable = source.bootable;
      imageMeta = source.imageMeta ? { ...source.imageMeta } : undefined;
      sourceVolid = source.id;
    } else if (spec.imageRef !== undefined && spec.imageRef !== null) {
      const image = this.cloud.images.get(String(spec.imageRef));
      if (!image || !this.cloud.imageVisible(image, ctx) || image.status !== 'active') {
        throw new ApiError(400, 'Invalid image identifier or unable to access requested image.');
      }
      if (size === undefined) throw new ApiError(400, `Invalid input for field/attribute volume. Value: ${pyRepr(spec)}. 'size' is a required property`);
      const imageGb = Math.ceil((image.size ?? 0) / GIB);
      if (size < imageGb) throw new ApiError(400, `Invalid input received: Size of specified image ${imageGb}GB is larger than volume size ${size}GB.`);
      if (size < image.minDisk) throw new ApiError(400, `Invalid input received: Volume size ${size}GB cannot be smaller than the image minDisk size ${image.minDisk}GB.`);
      bootable = true;
      imageMeta = this.cloud.volumeImageMetadata(image);
    } else if (size === undefined) {
      throw new ApiError(400, `Invalid input for field/attribute volume. Value: ${pyRepr(spec)}. 'size' is a required property`);
    }
    const volume = this.cloud.newVolume({
      projectId: ctx.projectId!,
      userId: ctx.userId,
      size: size!,
      name: name === undefined || name === null ? null : String(name),
      description: description === undefined || description === null ? null : String(description),
      metadata,
      typeId,
      az: az ?? 'nova',
      snapshotId,
      sourceVolid,
      bootable,
      imageMeta,
    });
    this.cloud.scheduleVolumeAvailable(volume);
    return volume;
  }

  private updateVolume({ req, ctx, v }: Call, id: string): FakeResponse {
    this.require(ctx, 'volume:update', true);
    const volume = this.volume(ctx, id);
    const body = this.body(req);
    const spec = isObject(body) ? body.volume : undefined;
    if (!isObject(spec)) throw new ApiError(400, `Invalid input for field/attribute volume. Value: ${pyRepr(spec)}. ${pyRepr(spec)} is not of type 'object'`);
    if (spec.name !== undefined || spec.display_name !== undefined) volume.name = (spec.name ?? spec.display_name) === null ? null : String(spec.name ?? spec.display_name);
    if (spec.description !== undefined) volume.description = spec.description === null ? null : String(spec.description);
    if (spec.metadata !== undefined) volume.metadata = this.metadataArg(spec.metadata);
    volume.updatedAt = new Date();
    return json(200, { volume: this.volumeView(volume, v, ctx, 'show') });
  }

  private deleteVolume({ req, ctx }: Call, id: string): FakeResponse {
    this.require(ctx, 'volume:delete', true);
    const volume = this.volume(ctx, id);
    const cascade = boolFrom(req.query.get('cascade') ?? 'false') === true;
    const snapshots = this.cloud.snapshotsOf(volume.id);
    if (!DELETABLE.includes(volume.status) || volume.attachments.length > 0) throw new ApiError(400, CANNOT_DELETE);
    if (snapshots.length > 0) {
      if (!cascade) throw new ApiError(400, CANNOT_DELETE);
      if (snapshots.some((snapshot) => !['available', 'error'].includes(snapshot.status))) {
        throw new ApiError(400, 'Invalid volume: Snapshot of volume not in a deletable state.');
      }
      for (const snapshot of snapshots) this.cloud.deleteSnapshotLater(snapshot);
    }
    this.cloud.deleteVolumeLater(volume);
    return { status: 202, headers: { 'Content-Type': 'text/html; charset=UTF-8' }, body: '' };
  }

  private volumeAction(call: Call, id: string): FakeResponse {
    const { req, ctx } = call;
    const volume = this.volume(ctx, id);
    const body = this.body(req);
    if (!isObject(body) || Object.keys(body).length !== 1) throw new ApiError(400, 'Malformed request body');
    const [name, arg] = Object.entries(body)[0]!;
    switch (name) {
      case 'os-set_bootable': {
        this.require(ctx, 'volume:update_volume_bootable', true);
        const value = isObject(arg) ? boolFrom(arg.bootable) : undefined;
        if (value === undefined) throw new ApiError(400, `Invalid input for field/attribute bootable. Value: ${pyRepr(isObject(arg) ? arg.bootable : arg)}.`);
        volume.bootable = value;
        volume.updatedAt = new Date();
        return { status: 200, headers: { 'Content-Type': 'application/json' }, body: '' };
      }
      case 'os-reset_status': {
        if (!ctx.isAdmin) throw new ApiError(403, "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to be performed.");
        if (!isObject(arg) || typeof arg.status !== 'string') throw new ApiError(400, 'Must specify a valid status');
        volume.status = arg.status;
        if (arg.attach_status === 'detached') volume.attachments = [];
        volume.updatedAt = new Date();
        return empty(202);
      }
      case 'os-extend': {
        this.require(ctx, 'volume:extend', true);
        const size = isObject(arg) ? Number(arg.new_size) : NaN;
        if (!Number.isInteger(size)) throw new ApiError(400, `Invalid input for field/attribute new_size. Value: ${pyRepr(isObject(arg) ? arg.new_size : arg)}.`);
        if (volume.status !== 'available') throw new ApiError(400, `Invalid volume: Volume ${volume.id} status must be 'available' to extend, currently ${volume.status}.`);
        if (size <= volume.size) throw new ApiError(400, `Invalid input received: New size for extend must be greater than current size. (current: ${volume.size}, extended: ${size}).`);
        volume.status = 'extending';
        volume.updatedAt = new Date();
        this.cloud.later(() => {
          if (volume.status !== 'extending') return;
          volume.status = 'available';
          volume.size = size;
          volume.updatedAt = new Date();
        });
        return empty(202);
      }
      case 'revert':
        this.require(ctx, 'volume:revert_to_snapshot', true);
        this.backups.revert(volume, call.v, arg);
        return empty(202);
      case 'os-volume_upload_image':
        this.require(ctx, 'volume_extension:volume_actions:upload_image', true);
        return json(202, { 'os-volume_upload_image': this.backups.uploadToImage(volume, arg) });
      default:
        throw new ApiError(400, `There is no such action: ${name}`);
    }
  }

  private listBackups({ req, ctx, v, project }: Call, detail: boolean): FakeResponse {
    this.require(ctx, 'backup:get_all', false);
    const backups = this.backups.list(ctx, req.query, (raw) => this.parseMetadataFilter(raw));
    return json(200, { backups: backups.map((backup) => this.backups.view(backup, v, this.base(project), detail)) });
  }

  // -------------------------------------------------------------------------------------------
  // snapshots

  private createSnapshot({ req, ctx, v }: Call): FakeResponse {
    this.require(ctx, 'volume:create_snapshot', true);
    const body = this.body(req);
    const spec = isObject(body) ? body.snapshot : undefined;
    if (!isObject(spec)) {
      throw new ApiError(400, `Invalid input for field/attribute snapshot. Value: ${pyRepr(spec)}. ${pyRepr(spec)} is not of type 'object'`);
    }
    if (spec.volume_id === undefined) throw new ApiError(400, `Invalid input for field/attribute snapshot. Value: ${pyRepr(spec)}. 'volume_id' is a required property`);
    const volume = this.volume(ctx, String(spec.volume_id));
    let force = false;
    if (spec.force !== undefined && spec.force !== null) {
      const parsed = boolFrom(spec.force);
      if (parsed === undefined || (atLeast(v, '3.66') && parsed === false)) {
        throw new ApiError(400, `Invalid value '${typeof spec.force === 'boolean' ? (spec.force ? 'True' : 'False') : String(spec.force)}' for force.`);
      }
      force = parsed;
    }
    if (atLeast(v, '3.66')) force = true;
    if (!force && volume.status !== 'available') {
      throw new ApiError(400, `Invalid volume: Volume ${volume.id} status must be available, but current status is: ${volume.status}.`);
    }
    if (force && !['available', 'in-use'].includes(volume.status)) {
      throw new ApiError(400, `Invalid volume: Volume ${volume.id} status must be available or in-use, but current status is: ${volume.status}.`);
    }
    const name = spec.name ?? spec.display_name;
    const description = spec.description ?? spec.display_description;
    const snapshot = this.cloud.newSnapshot({
      projectId: volume.projectId,
      userId: ctx.userId,
      volume,
      name: name === undefined || name === null ? null : String(name),
      description: description === undefined || description === null ? null : String(description),
      metadata: this.metadataArg(spec.metadata),
      fail: this.cloud.takeFailure('volume'),
    });
    return json(202, { snapshot: this.snapshotView(snapshot, v, false) });
  }

  private updateSnapshot({ req, ctx, v }: Call, id: string): FakeResponse {
    this.require(ctx, 'volume:update_snapshot', true);
    const snapshot = this.snapshot(ctx, id);
    const body = this.body(req);
    const spec = isObject(body) ? body.snapshot : undefined;
    if (!isObject(spec)) throw new ApiError(400, `Invalid input for field/attribute snapshot. Value: ${pyRepr(spec)}. ${pyRepr(spec)} is not of type 'object'`);
    if (spec.name !== undefined) snapshot.name = spec.name === null ? null : String(spec.name);
    if (spec.description !== undefined) snapshot.description = spec.description === null ? null : String(spec.description);
    snapshot.updatedAt = new Date();
    return json(200, { snapshot: this.snapshotView(snapshot, v, true) });
  }

  private deleteSnapshot({ ctx }: Call, id: string): FakeResponse {
    this.require(ctx, 'volume:delete_snapshot', true);
    const snapshot = this.snapshot(ctx, id);
    if (!['available', 'error', 'error_deleting'].includes(snapshot.status)) {
      throw new ApiError(400, 'Invalid snapshot: Volume Snapshot status must be available or error and must not be part of a group.');
    }
    this.cloud.deleteSnapshotLater(snapshot);
    return { status: 202, headers: { 'Content-Type': 'text/html; charset=UTF-8' }, body: '' };
  }

  private snapshotAction({ req, ctx }: Call, id: string): FakeResponse {
    const snapshot = this.snapshot(ctx, id);
    const body = this.body(req);
    if (!isObject(body) || Object.keys(body).length !== 1) throw new ApiError(400, 'Malformed request body');
    const [name, arg] = Object.entries(body)[0]!;
    switch (name) {
      case 'os-force_delete':
        if (!ctx.isAdmin) throw new ApiError(403, "Policy doesn't allow volume_extension:snapshot_admin_actions:force_delete to be performed.");
        this.cloud.deleteSnapshotLater(snapshot);
        return empty(202);
      case 'os-reset_status':
        if (!ctx.isAdmin) throw new ApiError(403, "Policy doesn't allow volume_extension:snapshot_admin_actions:reset_status to be performed.");
        if (!isObject(arg) || typeof arg.status !== 'string') throw new ApiError(400, 'Must specify a valid status');
        snapshot.status = arg.status;
        snapshot.updatedAt = new Date();
        return empty(202);
      default:
        throw new ApiError(400, `There is no such action: ${name}`);
    }
  }
}
