/**
 * Nova (compute API v2.1, microversions 2.1 to 2.93 as in Zed) under /compute: servers and their
 * actions (os-stop, os-start, reboot, createImage, rebuild), boot from volume, flavors,
 * availability zones and volume attachments. Error bodies are Nova's
 * ({"itemNotFound": {"code": 404, "message": ...}}, badRequest, conflictingRequest, forbidden).
 */
import { GIB, type BdmRec, type Cloud, type FlavorRec, type ImageRec, type ServerRec, type VolumeRec } from './cloud';
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
  isoSeconds,
  isoZeroMicros,
  json,
  keystoneMiddleware401,
  parseJson,
  password,
  pyJsonDumps,
  pyRepr,
  requestId,
  requestedMicroversion,
  sha224,
  uuid,
  type AuthContext,
  type FakeRequest,
  type FakeResponse,
  type Microversion,
} from './core';

export const NOVA_MIN = '2.1';
export const NOVA_MAX = '2.93';

const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);
const REBUILD_TASKS = new Set(['rebuilding', 'rebuild_block_device_mapping', 'rebuild_spawning']);
/** image properties Nova does not copy from the base image into a snapshot */
const NON_INHERITABLE = new Set(['cache_in_nova', 'bittorrent', 'img_signature_hash_method', 'img_signature', 'img_signature_key_type', 'img_signature_certificate_uuid']);

export function novaError(status: number, message: string, extraHeaders: Record<string, string> = {}): FakeResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=UTF-8', ...extraHeaders },
    body: JSON.stringify({ [faultName(status)]: { code: status, message } }),
  };
}

interface Call {
  req: FakeRequest;
  ctx: AuthContext;
  v: Microversion;
}

type NovaHandler = (call: Call, params: Record<string, string>) => FakeResponse;

export function serverStatus(server: ServerRec): string {
  const task = server.taskState ?? '';
  switch (server.vmState) {
    case 'building':
      return 'BUILD';
    case 'active':
      if (REBUILD_TASKS.has(task)) return 'REBUILD';
      if (['rebooting', 'reboot_pending', 'reboot_started'].includes(task)) return 'REBOOT';
      if (['rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard'].includes(task)) return 'HARD_REBOOT';
      return 'ACTIVE';
    case 'stopped':
      return REBUILD_TASKS.has(task) ? 'REBUILD' : 'SHUTOFF';
    case 'suspended':
      return 'SUSPENDED';
    case 'paused':
      return 'PAUSED';
    case 'error':
      return 'ERROR';
    case 'deleted':
      return 'DELETED';
    default:
      return 'UNKNOWN';
  }
}

export class Nova {
  private readonly router = new Router();

  constructor(private readonly cloud: Cloud) {
    const on = (method: string, pattern: string, handler: NovaHandler) => {
      this.router.on(method, pattern, (req, params) => handler({ req, ctx: req.ctx!, v: this.versionOf(req) }, params));
    };
    on('GET', '/servers', (call) => this.listServers(call, false));
    on('GET', '/servers/detail', (call) => this.listServers(call, true));
    on('POST', '/servers', (call) => this.createServer(call));
    on('GET', '/servers/:id', (call, p) => this.showServer(call, p.id!));
    on('PUT', '/servers/:id', (call, p) => this.updateServer(call, p.id!));
    on('DELETE', '/servers/:id', (call, p) => this.deleteServer(call, p.id!));
    on('POST', '/servers/:id/action', (call, p) => this.action(call, p.id!));
    on('GET', '/servers/:id/os-volume_attachments', (call, p) => this.listAttachments(call, p.id!));
    on('GET', '/servers/:id/os-interface', (call, p) => this.listInterfaces(call, p.id!));
    on('GET', '/servers/:id/os-volume_attachments/:volumeId', (call, p) => this.showAttachment(call, p.id!, p.volumeId!));
    on('POST', '/servers/:id/os-volume_attachments', (call, p) => this.attachVolume(call, p.id!));
    on('DELETE', '/servers/:id/os-volume_attachments/:volumeId', (call, p) => this.detachVolume(call, p.id!, p.volumeId!));
    on('GET', '/servers/:id/metadata', (call, p) => this.getMetadata(call, p.id!));
    on('PUT', '/servers/:id/metadata', (call, p) => this.setMetadata(call, p.id!, true));
    on('POST', '/servers/:id/metadata', (call, p) => this.setMetadata(call, p.id!, false));
    on('GET', '/servers/:id/metadata/:key', (call, p) => this.getMetadataItem(call, p.id!, p.key!));
    on('PUT', '/servers/:id/metadata/:key', (call, p) => this.setMetadataItem(call, p.id!, p.key!));
    on('DELETE', '/servers/:id/metadata/:key', (call, p) => this.deleteMetadataItem(call, p.id!, p.key!));
    on('GET', '/flavors', (call) => this.listFlavors(call, false));
    on('GET', '/flavors/detail', (call) => this.listFlavors(call, true));
    on('GET', '/flavors/:id', (call, p) => this.showFlavor(call, p.id!));
    on('GET', '/flavors/:id/os-extra_specs', (_call, p) => {
      this.flavor(p.id!);
      return json(200, { extra_specs: {} });
    });
    on('GET', '/os-availability-zone', (call) => this.availabilityZones(call, false));
    on('GET', '/os-availability-zone/detail', (call) => this.availabilityZones(call, true));
  }

  private versionOf(req: FakeRequest): Microversion {
    return requestedMicroversion(req, 'compute', NOVA_MIN, NOVA_MAX, 'x-openstack-nova-api-version');
  }

  private get selfBase(): string {
    return `${this.cloud.origin}/compute/v2.1`;
  }

  private get bookmarkBase(): string {
    return `${this.cloud.origin}/compute`;
  }

  handle(req: FakeRequest): FakeResponse {
    const base = { 'x-openstack-request-id': requestId() };
    const withIds = (response: FakeResponse, version?: Microversion): FakeResponse => {
      const headers: Record<string, string> = { ...response.headers };
      if (version) {
        headers['OpenStack-API-Version'] = `compute ${version.text}`;
        headers['X-OpenStack-Nova-API-Version'] = version.text;
        headers['Vary'] = 'OpenStack-API-Version, X-OpenStack-Nova-API-Version';
      }
      headers['x-openstack-request-id'] = base['x-openstack-request-id'];
      headers['x-compute-request-id'] = base['x-openstack-request-id'];
      return { ...response, headers };
    };
    const path = req.path.replace(/\/+$/, '');
    if (path === '') return withIds(json(200, { versions: [this.versionDoc('v2.0'), this.versionDoc('v2.1')] }));
    if (!path.startsWith('/v2.1')) return withIds(novaError(404, 'The resource could not be found.'));
    let version: Microversion | undefined;
    try {
      version = this.versionOf(req);
    } catch (error) {
      if (error instanceof ApiError) return withIds(novaError(error.status, error.message));
      throw error;
    }
    const inner = path.slice('/v2.1'.length);
    if (inner === '') return withIds(json(200, { version: this.versionDoc('v2.1') }), version);
    const ctx = this.cloud.authenticate(header(req, 'x-auth-token'));
    if (!ctx) return withIds(keystoneMiddleware401(this.cloud.authUrl), version);
    req.ctx = ctx;
    try {
      const match = this.router.match(req.method, inner);
      if (match === 'method') throw new ApiError(405, 'The method specified is not allowed for this resource.');
      if (!match) throw new ApiError(404, 'The resource could not be found.');
      return withIds(match.handler(req, match.params) as FakeResponse, version);
    } catch (error) {
      if (error instanceof ApiError) return withIds(novaError(error.status, error.message, error.headers), version);
      throw error;
    }
  }

  private versionDoc(id: 'v2.0' | 'v2.1'): Record<string, unknown> {
    if (id === 'v2.0') {
      return {
        id: 'v2.0',
        status: 'SUPPORTED',
        version: '',
        min_version: '',
        updated: '2011-01-21T11:33:21Z',
        links: [{ rel: 'self', href: `${this.cloud.origin}/compute/v2/` }],
      };
    }
    return {
      id: 'v2.1',
      status: 'CURRENT',
      version: NOVA_MAX,
      min_version: NOVA_MIN,
      updated: '2013-07-23T11:33:21Z',
      links: [
        { rel: 'self', href: `${this.selfBase}/` },
        { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
      ],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
    };
  }

  // -------------------------------------------------------------------------------------------
  // policy and lookups

  private require(ctx: AuthContext, rule: string, write: boolean): void {
    const ok = write ? ctx.roles.some((role) => role === 'member' || role === 'admin') : ctx.roles.some((role) => ['reader', 'member', 'admin'].includes(role));
    if (!ok || !ctx.projectId) throw new ApiError(403, `Policy doesn't allow ${rule} to be performed.`);
  }

  private server(ctx: AuthContext, id: string): ServerRec {
    const server = this.cloud.servers.get(id);
    if (!server || (!ctx.isAdmin && server.projectId !== ctx.projectId)) throw new ApiError(404, `Instance ${id} could not be found.`);
    return server;
  }

  private flavor(ref: string): FlavorRec {
    const flavor = this.cloud.flavors.find((candidate) => candidate.id === ref);
    if (!flavor) throw new ApiError(404, `Flavor ${ref} could not be found.`);
    return flavor;
  }

  private lastSegment(ref: unknown): string {
    const text = String(ref ?? '');
    return text.includes('/') ? (text.replace(/\/+$/, '').split('/').pop() ?? '') : text;
  }

  private visibleImage(ctx: AuthContext, id: string): ImageRec | undefined {
    const image = this.cloud.images.get(id);
    return image && this.cloud.imageVisible(image, ctx) ? image : undefined;
  }

  private visibleVolume(ctx: AuthContext, id: string): VolumeRec | undefined {
    const volume = this.cloud.volumes.get(id);
    return volume && (ctx.isAdmin || volume.projectId === ctx.projectId) ? volume : undefined;
  }

  private checkState(server: ServerRec, action: string, vmStates: string[], taskStates: Array<string | null> = [null]): void {
    if (!vmStates.includes(server.vmState)) {
      throw new ApiError(409, `Cannot '${action}' instance ${server.id} while it is in vm_state ${server.vmState}`);
    }
    if (!taskStates.includes(server.taskState)) {
      throw new ApiError(409, `Cannot '${action}' instance ${server.id} while it is in task_state ${server.taskState ?? 'None'}`);
    }
  }

  private body(req: FakeRequest): unknown {
    return parseJson(req, () => new ApiError(400, 'Malformed request body'));
  }

  private isVolumeBacked(server: ServerRec): boolean {
    return server.imageId === '' && server.bdms.some((bdm) => bdm.bootIndex === 0);
  }

  // -------------------------------------------------------------------------------------------
  // views

  serverView(server: ServerRec, v: Microversion, ctx: { isAdmin: boolean }, kind: 'show' | 'list' | 'rebuild'): Record<string, unknown> {
    const status = serverStatus(server);
    const flavor = this.cloud.flavors.find((candidate) => candidate.id === server.flavorId);
    const view: Record<string, unknown> = {
      id: server.id,
      name: server.name,
      status,
      tenant_id: server.projectId,
      user_id: server.userId,
      metadata: { ...server.metadata },
      hostId: server.launchedAt ? sha224(server.projectId + server.host) : '',
      image: server.imageId ? { id: server.imageId, links: [{ rel: 'bookmark', href: `${this.bookmarkBase}/images/${server.imageId}` }] } : '',
      flavor: atLeast(v, '2.47')
        ? { vcpus: flavor?.vcpus, ram: flavor?.ram, disk: flavor?.disk, ephemeral: 0, swap: 0, original_name: flavor?.name, extra_specs: {} }
        : { id: server.flavorId, links: [{ rel: 'bookmark', href: `${this.bookmarkBase}/flavors/${server.flavorId}` }] },
      created: isoSeconds(server.created),
      updated: isoSeconds(server.updated),
      addresses: {},
      accessIPv4: '',
      accessIPv6: '',
      links: [
        { rel: 'self', href: `${this.selfBase}/servers/${server.id}` },
        { rel: 'bookmark', href: `${this.bookmarkBase}/servers/${server.id}` },
      ],
      'OS-DCF:diskConfig': 'MANUAL',
    };
    if (PROGRESS_STATUSES.has(status)) view.progress = 0;
    view['OS-EXT-AZ:availability_zone'] = server.az;
    view.config_drive = '';
    view.key_name = server.keyName;
    view['OS-SRV-USG:launched_at'] = server.launchedAt ? isoZeroMicros(server.launchedAt) : null;
    view['OS-SRV-USG:terminated_at'] = null;
    if (ctx.isAdmin) {
      view['OS-EXT-SRV-ATTR:host'] = server.launchedAt ? server.host : null;
      view['OS-EXT-SRV-ATTR:instance_name'] = `instance-${server.seq.toString(16).padStart(8, '0')}`;
      view['OS-EXT-SRV-ATTR:hypervisor_hostname'] = server.launchedAt ? server.host : null;
      if (atLeast(v, '2.3')) {
        Object.assign(view, {
          'OS-EXT-SRV-ATTR:reservation_id': `r-${server.id.slice(0, 8)}`,
          'OS-EXT-SRV-ATTR:launch_index': 0,
          'OS-EXT-SRV-ATTR:kernel_id': '',
          'OS-EXT-SRV-ATTR:ramdisk_id': '',
          'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
          'OS-EXT-SRV-ATTR:user_data': null,
        });
      }
    }
    view['OS-EXT-STS:task_state'] = server.taskState;
    view['OS-EXT-STS:vm_state'] = server.vmState;
    view['OS-EXT-STS:power_state'] = server.powerState;
    view['os-extended-volumes:volumes_attached'] = server.bdms.map((bdm) =>
      atLeast(v, '2.3') ? { id: bdm.volumeId, delete_on_termination: bdm.deleteOnTermination } : { id: bdm.volumeId },
    );
    if (atLeast(v, '2.9')) view.locked = false;
    if (atLeast(v, '2.73')) view.locked_reason = null;
    if (atLeast(v, '2.19')) view.description = server.description;
    if (atLeast(v, '2.26')) view.tags = [...(server.tags ?? [])];
    if (atLeast(v, '2.63')) view.trusted_image_certificates = null;
    if (ctx.isAdmin && atLeast(v, '2.16')) view.host_status = 'UP';
    if ((ctx.isAdmin && atLeast(v, '2.3')) || atLeast(v, '2.90')) view['OS-EXT-SRV-ATTR:hostname'] = server.hostname;
    if (kind !== 'list' && atLeast(v, '2.71')) view.server_groups = [];
    if (kind === 'rebuild' && !atLeast(v, '2.75')) {
      for (const key of Object.keys(view)) {
        if (/^(OS-EXT-|OS-SRV-USG|os-extended-volumes)/.test(key) || ['config_drive', 'key_name', 'server_groups'].includes(key)) delete view[key];
      }
    }
    return view;
  }

  private flavorView(flavor: FlavorRec, v: Microversion, detail: boolean): Record<string, unknown> {
    const links = [
      { rel: 'self', href: `${this.selfBase}/flavors/${flavor.id}` },
      { rel: 'bookmark', href: `${this.bookmarkBase}/flavors/${flavor.id}` },
    ];
    if (!detail) {
      const view: Record<string, unknown> = { id: flavor.id, links, name: flavor.name };
      if (atLeast(v, '2.55')) view.description = null;
      return view;
    }
    const view: Record<string, unknown> = {
      id: flavor.id,
      name: flavor.name,
      ram: flavor.ram,
      disk: flavor.disk,
      swap: atLeast(v, '2.75') ? 0 : '',
      'OS-FLV-EXT-DATA:ephemeral': 0,
      'OS-FLV-DISABLED:disabled': false,
      vcpus: flavor.vcpus,
      'os-flavor-access:is_public': true,
      rxtx_factor: 1.0,
      links,
    };
    if (atLeast(v, '2.55')) view.description = null;
    if (atLeast(v, '2.61')) view.extra_specs = {};
    return view;
  }

  private attachmentView(server: ServerRec, bdm: BdmRec, v: Microversion): Record<string, unknown> {
    if (atLeast(v, '2.89')) {
      return {
        volumeId: bdm.volumeId,
        serverId: server.id,
        device: bdm.device,
        tag: null,
        delete_on_termination: bdm.deleteOnTermination,
        attachment_id: bdm.attachmentId,
        bdm_uuid: bdm.bdmUuid,
      };
    }
    const view: Record<string, unknown> = { device: bdm.device, id: bdm.volumeId, serverId: server.id, volumeId: bdm.volumeId };
    if (atLeast(v, '2.70')) view.tag = null;
    if (atLeast(v, '2.79')) view.delete_on_termination = bdm.deleteOnTermination;
    return view;
  }

  // -------------------------------------------------------------------------------------------
  // servers

  private listServers({ req, ctx, v }: Call, detail: boolean): FakeResponse {
    this.require(ctx, detail ? 'os_compute_api:servers:detail' : 'os_compute_api:servers:index', false);
    const q = req.query;
    const allTenantsValue = q.get('all_tenants');
    const allTenants = allTenantsValue !== null && boolFrom(allTenantsValue === '' ? 'true' : allTenantsValue) !== false;
    if (allTenants && !ctx.isAdmin) throw new ApiError(403, "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.");
    let servers = [...this.cloud.servers.values()];
    if (!allTenants) servers = servers.filter((server) => server.projectId === ctx.projectId);
    const project = q.get('project_id') ?? q.get('tenant_id');
    if (allTenants && project) servers = servers.filter((server) => server.projectId === project);
    const name = q.get('name');
    if (name !== null) {
      let pattern: RegExp | undefined;
      try {
        pattern = new RegExp(name);
      } catch {
        pattern = undefined;
      }
      servers = servers.filter((server) => pattern?.test(server.name) ?? false);
    }
    const tags = q.get('tags');
    if (tags !== null) servers = servers.filter((server) => tags.split(',').every((tag) => (server.tags ?? []).includes(tag)));
    const anyTags = q.get('tags-any');
    if (anyTags !== null) servers = servers.filter((server) => anyTags.split(',').some((tag) => (server.tags ?? []).includes(tag)));
    const status = q.get('status');
    if (status !== null) servers = servers.filter((server) => serverStatus(server) === status.toUpperCase());
    const image = q.get('image');
    if (image !== null) servers = servers.filter((server) => server.imageId === this.lastSegment(image));
    const flavor = q.get('flavor');
    if (flavor !== null) servers = servers.filter((server) => server.flavorId === this.lastSegment(flavor));
    const az = q.get('availability_zone');
    if (az !== null && ctx.isAdmin) servers = servers.filter((server) => server.az === az);
    const since = q.get('changes-since') ?? q.get('changes_since');
    if (since !== null) {
      const date = Date.parse(since);
      if (Number.isNaN(date)) throw new ApiError(400, `Invalid input for query parameters changes-since. Value: ${since}. '${since}' is not a 'date-time'`);
      servers = servers.filter((server) => server.updated.getTime() >= date);
    }

    const keys = q.getAll('sort_key');
    const dirs = q.getAll('sort_dir');
    const columns: Record<string, (server: ServerRec) => unknown> = {
      created_at: (server) => server.seq,
      updated_at: (server) => server.updated.getTime(),
      display_name: (server) => server.name,
      name: (server) => server.name,
      uuid: (server) => server.id,
      id: (server) => server.id,
      vm_state: (server) => server.vmState,
      task_state: (server) => server.taskState,
      launched_at: (server) => server.launchedAt?.getTime() ?? null,
      availability_zone: (server) => server.az,
    };
    const sort: Array<[(server: ServerRec) => unknown, number]> = [];
    (keys.length ? keys : ['created_at']).forEach((key, index) => {
      const column = columns[key];
      if (!column) throw new ApiError(400, `Invalid input for query parameters sort_key. Value: ${key}.`);
      sort.push([column, (dirs[index] ?? 'desc').toLowerCase() === 'asc' ? 1 : -1]);
    });
    sort.push([(server) => server.id, sort[0]![1]]);
    servers.sort((a, b) => {
      for (const [column, direction] of sort) {
        const order = compareValues(column(a), column(b));
        if (order) return order * direction;
      }
      return 0;
    });
    const marker = q.get('marker');
    if (marker !== null) {
      const index = servers.findIndex((server) => server.id === marker);
      if (index < 0) throw new ApiError(400, `marker [${marker}] not found`);
      servers = servers.slice(index + 1);
    }
    const limitText = q.get('limit');
    let limit = 1000;
    if (limitText !== null) {
      if (!/^\d+$/.test(limitText)) throw new ApiError(400, `Invalid input for query parameters limit. Value: ${limitText}. '${limitText}' does not match '^[0-9]*$'`);
      limit = Math.min(Number(limitText), 1000);
    }
    const page = servers.slice(0, limit);
    const body: Record<string, unknown> = {
      servers: page.map((server) =>
        detail ? this.serverView(server, v, ctx, 'list') : { id: server.id, links: this.serverView(server, v, ctx, 'list').links, name: server.name },
      ),
    };
    if (page.length > 0 && page.length === limit) {
      const params = new URLSearchParams(q);
      params.set('limit', String(limit));
      params.set('marker', page[page.length - 1]!.id);
      body.servers_links = [{ rel: 'next', href: `${this.selfBase}/servers${detail ? '/detail' : ''}?${params.toString()}` }];
    }
    return json(200, body);
  }

  private showServer({ ctx, v }: Call, id: string): FakeResponse {
    this.require(ctx, 'os_compute_api:servers:show', false);
    return json(200, { server: this.serverView(this.server(ctx, id), v, ctx, 'show') });
  }

  private updateServer({ req, ctx, v }: Call, id: string): FakeResponse {
    this.require(ctx, 'os_compute_api:servers:update', true);
    const server = this.server(ctx, id);
    const body = this.body(req);
    const spec = isObject(body) ? body.server : undefined;
    if (!isObject(spec)) throw new ApiError(400, `Invalid input for field/attribute server. Value: ${pyRepr(spec)}. ${pyRepr(spec)} is not of type 'object'`);
    if (spec.name !== undefined) {
      if (typeof spec.name !== 'string' || !spec.name.trim() || spec.name.length > 255) throw new ApiError(400, `Invalid input for field/attribute name. Value: ${pyRepr(spec.name)}.`);
      server.name = spec.name;
    }
    if (spec.description !== undefined && atLeast(v, '2.19')) server.description = spec.description === null ? null : String(spec.description);
    server.updated = new Date();
    return json(200, { server: this.serverView(server, v, ctx, 'show') });
  }

  private createServer({ req, ctx, v }: Call): FakeResponse {
    this.require(ctx, 'os_compute_api:servers:create', true);
    const body = this.body(req);
    const server = this.boot(ctx, v, isObject(body) ? body.server : undefined, body);
    const links = [
      { rel: 'self', href: `${this.selfBase}/servers/${server.record.id}` },
      { rel: 'bookmark', href: `${this.bookmarkBase}/servers/${server.record.id}` },
    ];
    return json(
      202,
      { server: { id: server.record.id, links, 'OS-DCF:diskConfig': 'MANUAL', security_groups: [{ name: 'default' }], adminPass: server.adminPass } },
      { location: `${this.selfBase}/servers/${server.record.id}` },
    );
  }

  /** Validates a server create body and starts the build (BUILD, ACTIVE after the transition delay). */
  boot(ctx: AuthContext, v: Microversion, spec: unknown, body: unknown): { record: ServerRec; adminPass: string } {
    if (!isObject(spec)) {
      if (isObject(body) && !('server' in body)) throw new ApiError(400, `Invalid input for field/attribute server. Value: ${pyRepr(body)}. 'server' is a required property`);
      throw new ApiError(400, `Invalid input for field/attribute server. Value: ${pyRepr(spec)}. ${pyRepr(spec)} is not of type 'object'`);
    }
    const required = ['name', 'flavorRef', ...(atLeast(v, '2.37') ? ['networks'] : [])];
    for (const field of required) {
      if (spec[field] === undefined) throw new ApiError(400, `Invalid input for field/attribute server. Value: ${pyRepr(spec)}. '${field}' is a required property`);
    }
    if (typeof spec.name !== 'string' || spec.name.length > 255 || !/\S/.test(spec.name)) {
      throw new ApiError(400, `Invalid input for field/attribute name. Value: ${pyRepr(spec.name)}. ${pyRepr(spec.name)} does not match '^(?! )[a-zA-Z0-9. _-]*(?<! )$'`);
    }
    if (spec.networks !== undefined && spec.networks !== 'none' && spec.networks !== 'auto' && !Array.isArray(spec.networks)) {
      throw new ApiError(400, `Invalid input for field/attribute networks. Value: ${pyRepr(spec.networks)}. ${pyRepr(spec.networks)} is not valid under any of the given schemas`);
    }
    const metadata = this.metadataArg(spec.metadata, 'metadata');
    let description: string | null = null;
    if (spec.description !== undefined) {
      if (!atLeast(v, '2.19')) throw new ApiError(400, `Invalid input for field/attribute server. Value: ${pyRepr(spec)}. Additional properties are not allowed ('description' was unexpected)`);
      description = spec.description === null ? null : String(spec.description);
    }
    let az = 'nova';
    if (spec.availability_zone !== undefined && spec.availability_zone !== null && spec.availability_zone !== '') {
      const zone = String(spec.availability_zone).split(':')[0]!;
      if (!(zone in this.cloud.zones)) throw new ApiError(400, 'The requested availability zone is not available');
      az = zone;
    }
    const flavor = this.cloud.flavors.find((candidate) => candidate.id === this.lastSegment(spec.flavorRef));
    if (!flavor) throw new ApiError(400, 'Invalid flavorRef provided.');

    const rawBdms = spec.block_device_mapping_v2;
    if (rawBdms !== undefined && !Array.isArray(rawBdms)) {
      throw new ApiError(400, `Invalid input for field/attribute block_device_mapping_v2. Value: ${pyRepr(rawBdms)}. ${pyRepr(rawBdms)} is not of type 'array'`);
    }
    const bdmSpecs = (rawBdms ?? []).filter(isObject);
    const bootIndex = (bdm: Record<string, unknown>): number | null => {
      if (bdm.boot_index === undefined || bdm.boot_index === null) return null;
      const index = Number(bdm.boot_index);
      return Number.isInteger(index) && index >= 0 ? index : null;
    };
    const bootBdm = bdmSpecs.find((bdm) => bootIndex(bdm) === 0);
    const volumeBacked = bootBdm !== undefined && bootBdm.destination_type === 'volume';

    let image: ImageRec | undefined;
    if (!volumeBacked) {
      const imageRef = spec.imageRef ?? (bootBdm && bootBdm.source_type === 'image' ? bootBdm.uuid : undefined);
      if (imageRef === undefined || imageRef === null || imageRef === '') throw new ApiError(400, 'Missing imageRef attribute');
      image = this.visibleImage(ctx, this.lastSegment(imageRef));
      if (!image) throw new ApiError(400, 'Can not find requested image');
      if (image.status !== 'active') throw new ApiError(400, `Image ${image.id} is not active.`);
      if (flavor.disk === 0 && !ctx.isAdmin) throw new ApiError(403, 'Only volume-backed servers are allowed for flavors with zero disk.');
      if (flavor.disk > 0 && image.minDisk > flavor.disk) {
        throw new ApiError(
          400,
          `Flavor's disk is smaller than the minimum size specified in image metadata. Flavor disk is ${flavor.disk * GIB} bytes, minimum size is ${image.minDisk * GIB} bytes.`,
        );
      }
      if (image.minRam > flavor.ram) throw new ApiError(400, "Flavor's memory is too small for requested image.");
    }

    // validate every volume mapping before changing anything
    type Planned = { spec: Record<string, unknown>; volume?: VolumeRec; create?: () => VolumeRec };
    const planned: Planned[] = [];
    for (const bdm of bdmSpecs) {
      if (bdm.destination_type !== 'volume') continue;
      const source = bdm.source_type;
      const id = typeof bdm.uuid === 'string' ? bdm.uuid : '';
      const size = bdm.volume_size === undefined || bdm.volume_size === null ? undefined : Number(bdm.volume_size);
      if (source === 'volume') {
        const volume = this.visibleVolume(ctx, id);
        if (!volume) throw new ApiError(400, `Block Device Mapping is Invalid: failed to get volume ${id}.`);
        if (volume.status !== 'available') {
          throw new ApiError(400, `Invalid volume: Volume ${volume.id} status must be available or downloading to reserve, but the current status is ${volume.status}.`);
        }
        planned.push({ spec: bdm, volume });
      } else if (source === 'snapshot') {
        const snapshot = this.cloud.snapshots.get(id);
        if (!snapshot || (!ctx.isAdmin && snapshot.projectId !== ctx.projectId) || snapshot.status !== 'available') {
          throw new ApiError(400, `Block Device Mapping is Invalid: failed to get snapshot ${id}.`);
        }
        const origin = this.cloud.volumes.get(snapshot.volumeId);
        planned.push({
          spec: bdm,
          create: () =>
            this.cloud.newVolume({
              projectId: ctx.projectId!,
              userId: ctx.userId,
              size: size ?? snapshot.size,
              snapshotId: snapshot.id,
              az,
              bootable: origin?.bootable ?? false,
              imageMeta: origin?.imageMeta ? { ...origin.imageMeta } : undefined,
              typeId: origin?.typeId,
              name: '',
              status: 'creating',
            }),
        });
      } else if (source === 'image') {
        const sourceImage = this.visibleImage(ctx, id);
        if (!sourceImage || sourceImage.status !== 'active') throw new ApiError(400, `Block Device Mapping is Invalid: failed to get image ${id}.`);
        if (!size || size <= 0) throw new ApiError(400, "Images with destination_type 'volume' need to have a non-zero size specified");
        planned.push({
          spec: bdm,
          create: () =>
            this.cloud.newVolume({
              projectId: ctx.projectId!,
              userId: ctx.userId,
              size,
              az,
              bootable: true,
              imageMeta: this.cloud.volumeImageMetadata(sourceImage),
              name: '',
              status: 'creating',
            }),
        });
      } else if (source === 'blank') {
        if (!size || size <= 0) throw new ApiError(400, 'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
        planned.push({ spec: bdm, create: () => this.cloud.newVolume({ projectId: ctx.projectId!, userId: ctx.userId, size, az, name: '', status: 'creating' }) });
      } else {
        throw new ApiError(400, 'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
      }
    }
    if (volumeBacked && !planned.some((item) => bootIndex(item.spec) === 0)) {
      throw new ApiError(400, 'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
    }

    const now = new Date();
    const adminPass = typeof spec.adminPass === 'string' ? spec.adminPass : password();
    const record: ServerRec = {
      id: uuid(),
      name: spec.name,
      projectId: ctx.projectId!,
      userId: ctx.userId,
      imageId: volumeBacked ? '' : image!.id,
      flavorId: flavor.id,
      az,
      host: this.cloud.zones[az]!,
      metadata,
      vmState: 'building',
      taskState: 'scheduling',
      powerState: 0,
      created: now,
      updated: now,
      launchedAt: null,
      bdms: [],
      bootRoles: [...ctx.roles],
      description,
      keyName: typeof spec.key_name === 'string' ? spec.key_name : null,
      hostname: typeof spec.hostname === 'string' && atLeast(v, '2.90') ? spec.hostname : spec.name.replace(/[^A-Za-z0-9-]+/g, '-').slice(0, 63),
      tags: Array.isArray(spec.tags) && atLeast(v, '2.52') ? spec.tags.map(String) : [],
      seq: this.cloud.nextSeq(),
    };
    planned.sort((a, b) => (bootIndex(a.spec) ?? 99) - (bootIndex(b.spec) ?? 99));
    let letter = volumeBacked ? 0 : 1; // an image-booted server has its root disk on vda
    for (const item of planned) {
      const volume = item.volume ?? item.create!();
      if (item.volume) {
        volume.status = 'reserved';
        volume.updatedAt = new Date();
      }
      record.bdms.push({
        bdmUuid: uuid(),
        volumeId: volume.id,
        bootIndex: bootIndex(item.spec),
        deleteOnTermination: boolFrom(item.spec.delete_on_termination) ?? false,
        device: `/dev/vd${String.fromCharCode(97 + letter++)}`,
        attachmentId: uuid(),
      });
    }
    this.cloud.servers.set(record.id, record);
    this.cloud.later(() => this.finishBuild(record.id));
    return { record, adminPass };
  }

  private finishBuild(serverId: string): void {
    const server = this.cloud.servers.get(serverId);
    if (!server || server.vmState !== 'building') return;
    const now = new Date();
    server.vmState = 'active';
    server.taskState = null;
    server.powerState = 1;
    server.launchedAt = now;
    server.updated = now;
    for (const bdm of server.bdms) {
      const volume = this.cloud.volumes.get(bdm.volumeId);
      if (!volume) continue;
      volume.status = 'in-use';
      volume.scheduled = true;
      volume.updatedAt = now;
      volume.attachments = [{ attachmentId: bdm.attachmentId, serverId: server.id, device: bdm.device, attachedAt: now }];
    }
  }

  private metadataArg(value: unknown, field: string): Record<string, string> {
    if (value === undefined || value === null) return {};
    if (!isObject(value)) throw new ApiError(400, `Invalid input for field/attribute ${field}. Value: ${pyRepr(value)}. ${pyRepr(value)} is not of type 'object'`);
    const result: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') throw new ApiError(400, `Invalid input for field/attribute ${key}. Value: ${pyRepr(item)}. ${pyRepr(item)} is not of type 'string'`);
      if (key.length > 255 || item.length > 255) throw new ApiError(400, `Invalid input for field/attribute ${field}. Value: ${pyRepr(value)}.`);
      result[key] = item;
    }
    return result;
  }

  private deleteServer({ ctx }: Call, id: string): FakeResponse {
    this.require(ctx, 'os_compute_api:servers:delete', true);
    const server = this.server(ctx, id);
    if (server.taskState === 'deleting') return empty(204);
    server.taskState = 'deleting';
    server.updated = new Date();
    this.cloud.later(() => {
      if (!this.cloud.servers.delete(server.id)) return;
      const now = new Date();
      for (const bdm of server.bdms) {
        const volume = this.cloud.volumes.get(bdm.volumeId);
        if (!volume) continue;
        volume.attachments = volume.attachments.filter((attachment) => attachment.serverId !== server.id);
        if (bdm.deleteOnTermination) {
          this.cloud.deleteVolumeLater(volume);
        } else if (volume.attachments.length === 0) {
          volume.status = 'available';
          volume.scheduled = true;
          volume.updatedAt = now;
        }
      }
    });
    return empty(204);
  }

  // -------------------------------------------------------------------------------------------
  // actions

  private action(call: Call, id: string): FakeResponse {
    const { req, ctx } = call;
    const server = this.server(ctx, id);
    const body = this.body(req);
    if (!isObject(body) || Object.keys(body).length !== 1) throw new ApiError(400, 'Malformed request body');
    const [name, arg] = Object.entries(body)[0]!;
    switch (name) {
      case 'os-stop':
        this.require(ctx, 'os_compute_api:servers:stop', true);
        this.checkState(server, 'stop', ['active', 'error']);
        return this.transition(server, 'powering-off', 'stopped', 4);
      case 'os-start':
        this.require(ctx, 'os_compute_api:servers:start', true);
        this.checkState(server, 'start', ['stopped']);
        return this.transition(server, 'powering-on', 'active', 1);
      case 'reboot': {
        this.require(ctx, 'os_compute_api:servers:reboot', true);
        const type = isObject(arg) ? String(arg.type ?? '').toUpperCase() : '';
        if (type !== 'SOFT' && type !== 'HARD') throw new ApiError(400, `Invalid input for field/attribute type. Value: ${pyRepr(isObject(arg) ? arg.type : arg)}.`);
        this.checkState(server, 'reboot', ['active', 'stopped', 'error', 'paused', 'suspended']);
        return this.transition(server, type === 'HARD' ? 'reboot_started_hard' : 'reboot_started', 'active', 1);
      }
      case 'suspend':
        this.require(ctx, 'os_compute_api:os-suspend-server:suspend', true);
        this.checkState(server, 'suspend', ['active']);
        return this.transition(server, 'suspending', 'suspended', 7);
      case 'resume':
        this.require(ctx, 'os_compute_api:os-suspend-server:resume', true);
        this.checkState(server, 'resume', ['suspended']);
        return this.transition(server, 'resuming', 'active', 1);
      case 'pause':
        this.require(ctx, 'os_compute_api:os-pause-server:pause', true);
        this.checkState(server, 'pause', ['active']);
        return this.transition(server, 'pausing', 'paused', 3);
      case 'unpause':
        this.require(ctx, 'os_compute_api:os-pause-server:unpause', true);
        this.checkState(server, 'unpause', ['paused']);
        return this.transition(server, 'unpausing', 'active', 1);
      case 'createBackup':
        this.require(ctx, 'os_compute_api:os-create-backup', true);
        return this.createBackup(call, server, arg);
      case 'createImage':
        this.require(ctx, 'os_compute_api:servers:create_image', true);
        return this.createImage(call, server, arg);
      case 'rebuild':
        this.require(ctx, 'os_compute_api:servers:rebuild', true);
        return this.rebuild(call, server, arg);
      default:
        throw new ApiError(400, `There is no such action: ${name}`);
    }
  }

  private transition(server: ServerRec, task: string, vmState: string, powerState: number): FakeResponse {
    server.taskState = task;
    server.updated = new Date();
    this.cloud.later(() => {
      const current = this.cloud.servers.get(server.id);
      if (!current || current.taskState !== task) return;
      current.vmState = vmState;
      current.powerState = powerState;
      current.taskState = null;
      current.updated = new Date();
    });
    return empty(202);
  }

  private createImage({ ctx, v }: Call, server: ServerRec, arg: unknown): FakeResponse {
    if (!isObject(arg) || typeof arg.name !== 'string') {
      throw new ApiError(400, `Invalid input for field/attribute createImage. Value: ${pyRepr(arg)}. 'name' is a required property`);
    }
    if (!arg.name.trim() || arg.name.length > 255) throw new ApiError(400, `Invalid input for field/attribute name. Value: ${pyRepr(arg.name)}.`);
    const metadata = this.metadataArg(arg.metadata, 'metadata');
    this.checkState(server, 'createImage', ['active', 'stopped', 'paused', 'suspended']);
    const flavor = this.cloud.flavors.find((candidate) => candidate.id === server.flavorId);
    const project = this.cloud.projects.get(server.projectId);
    const bootUser = this.cloud.users.get(server.userId);
    const systemProps: Record<string, unknown> = {
      base_image_ref: server.imageId,
      owner_user_name: bootUser?.name ?? '',
      owner_project_name: project?.name ?? '',
      boot_roles: server.bootRoles.join(','),
    };
    let image: ImageRec;
    if (this.isVolumeBacked(server)) {
      const failImage = this.cloud.takeFailure('image');
      const mappings: Array<Record<string, unknown>> = [];
      for (const bdm of [...server.bdms].sort((a, b) => (a.bootIndex ?? 99) - (b.bootIndex ?? 99))) {
        const volume = this.cloud.volumes.get(bdm.volumeId);
        if (!volume) continue;
        const fail = this.cloud.takeFailure('volume') || (failImage && bdm.bootIndex === 0);
        const snapshot = this.cloud.newSnapshot({
          projectId: server.projectId,
          userId: ctx.userId,
          volume,
          name: `snapshot for ${arg.name}`,
          description: volume.description,
          metadata: {},
          fail,
        });
        mappings.push({
          volume_size: volume.size,
          disk_bus: null,
          volume_id: null,
          encryption_secret_uuid: null,
          device_type: null,
          volume_type: null,
          device_name: bdm.device,
          tag: null,
          image_id: null,
          boot_index: bdm.bootIndex,
          source_type: 'snapshot',
          snapshot_id: snapshot.id,
          no_device: null,
          encryption_options: null,
          destination_type: 'volume',
          delete_on_termination: bdm.deleteOnTermination,
          guest_format: null,
          encryption_format: null,
          encrypted: null,
        });
      }
      image = this.cloud.newImage({
        owner: server.projectId,
        name: arg.name,
        visibility: 'private',
        diskFormat: 'qcow2',
        containerFormat: 'bare',
        minDisk: flavor?.disk ?? 0,
        props: { ...systemProps, root_device_name: '/dev/vda', block_device_mapping: pyJsonDumps(mappings), bdm_v2: 'True', ...metadata },
      });
      this.cloud.storeImageData(image, Buffer.alloc(0));
      image.virtualSize = null;
    } else {
      const base = this.cloud.images.get(server.imageId);
      const inherited: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(base?.props ?? {})) if (!NON_INHERITABLE.has(key)) inherited[key] = value;
      const fail = this.cloud.takeFailure('image');
      image = this.cloud.newImage({
        owner: server.projectId,
        name: arg.name,
        visibility: 'private',
        minDisk: Math.max(flavor?.disk ?? 0, base?.minDisk ?? 0),
        minRam: base?.minRam ?? 0,
        props: { ...inherited, ...systemProps, instance_uuid: server.id, user_id: ctx.userId, image_type: 'snapshot', ...metadata },
      });
      server.taskState = 'image_uploading';
      server.updated = new Date();
      const clearTask = () => {
        const current = this.cloud.servers.get(server.id);
        if (current && current.taskState === 'image_uploading') current.taskState = null;
      };
      this.cloud.later(() => {
        const current = this.cloud.images.get(image.id);
        if (!current || current.status !== 'queued') return clearTask();
        current.status = 'saving';
        current.diskFormat = base?.diskFormat ?? 'raw';
        current.containerFormat = base?.containerFormat ?? 'bare';
        current.updatedAt = new Date();
        this.cloud.later(() => {
          const uploading = this.cloud.images.get(image.id);
          if (uploading && uploading.status === 'saving') {
            if (fail) {
              uploading.status = 'killed';
              uploading.updatedAt = new Date();
            } else {
              this.cloud.storeImageData(uploading, Buffer.from(`fake disk of server ${server.id}\n`.repeat(24)));
            }
          }
          clearTask();
        });
      });
    }
    if (atLeast(v, '2.45')) return json(202, { image_id: image.id });
    return empty(202, { location: `${this.cloud.origin}/image/v2/images/${image.id}` });
  }

  /** createBackup: an image like createImage's (image_type backup, backup_type), then Nova deletes the oldest backups of that type beyond rotation. */
  private createBackup(call: Call, server: ServerRec, arg: unknown): FakeResponse {
    if (!isObject(arg)) throw new ApiError(400, `Invalid input for field/attribute createBackup. Value: ${pyRepr(arg)}. ${pyRepr(arg)} is not of type 'object'`);
    for (const field of ['name', 'backup_type', 'rotation']) {
      if (arg[field] === undefined) throw new ApiError(400, `Invalid input for field/attribute createBackup. Value: ${pyRepr(arg)}. '${field}' is a required property`);
    }
    const rotation = Number(arg.rotation);
    if (!Number.isInteger(rotation) || rotation < 0) throw new ApiError(400, `Invalid input for field/attribute rotation. Value: ${pyRepr(arg.rotation)}.`);
    if (this.isVolumeBacked(server)) throw new ApiError(400, 'Backup is not supported for volume-backed instances.');
    const metadata = this.metadataArg(arg.metadata, 'metadata');
    const answer = this.createImage(call, server, { name: arg.name, metadata });
    const image = [...this.cloud.images.values()].filter((candidate) => candidate.props.instance_uuid === server.id).sort((a, b) => b.seq - a.seq)[0]!;
    image.props.image_type = 'backup';
    image.props.backup_type = String(arg.backup_type);
    const older = [...this.cloud.images.values()]
      .filter((candidate) => candidate.id !== image.id && candidate.props.instance_uuid === server.id && candidate.props.image_type === 'backup' && candidate.props.backup_type === String(arg.backup_type))
      .sort((a, b) => b.seq - a.seq);
    for (const old of older.slice(Math.max(0, rotation - 1))) this.cloud.images.delete(old.id);
    return answer;
  }

  private rebuild({ ctx, v }: Call, server: ServerRec, arg: unknown): FakeResponse {
    if (!isObject(arg) || arg.imageRef === undefined) {
      throw new ApiError(400, `Invalid input for field/attribute rebuild. Value: ${pyRepr(arg)}. 'imageRef' is a required property`);
    }
    const metadata = arg.metadata === undefined ? undefined : this.metadataArg(arg.metadata, 'metadata');
    if (arg.name !== undefined && (typeof arg.name !== 'string' || !arg.name.trim() || arg.name.length > 255)) {
      throw new ApiError(400, `Invalid input for field/attribute name. Value: ${pyRepr(arg.name)}.`);
    }
    this.checkState(server, 'rebuild', ['active', 'stopped', 'error']);
    const image = this.visibleImage(ctx, this.lastSegment(arg.imageRef));
    if (!image) throw new ApiError(400, 'Cannot find image for rebuild');
    if (image.status !== 'active') throw new ApiError(400, `Image ${image.id} is not active.`);
    const flavor = this.cloud.flavors.find((candidate) => candidate.id === server.flavorId)!;
    const volumeBacked = this.isVolumeBacked(server);
    const rootVolume = volumeBacked ? this.cloud.volumes.get(server.bdms.find((bdm) => bdm.bootIndex === 0)!.volumeId) : undefined;
    if (volumeBacked) {
      const current = rootVolume?.imageMeta?.image_id ?? '';
      if (!atLeast(v, '2.93') && image.id !== current) {
        throw new ApiError(400, `Image ${image.id} is unacceptable: Unable to rebuild with a different image for a volume-backed server.`);
      }
    } else if (flavor.disk > 0 && image.minDisk > flavor.disk) {
      throw new ApiError(
        400,
        `Flavor's disk is smaller than the minimum size specified in image metadata. Flavor disk is ${flavor.disk * GIB} bytes, minimum size is ${image.minDisk * GIB} bytes.`,
      );
    }
    if (typeof arg.name === 'string') server.name = arg.name;
    if (metadata) server.metadata = metadata;
    if (arg.description !== undefined && atLeast(v, '2.19')) server.description = arg.description === null ? null : String(arg.description);
    if (!volumeBacked) server.imageId = image.id;
    const wasStopped = server.vmState === 'stopped';
    server.taskState = 'rebuilding';
    server.updated = new Date();
    this.cloud.later(() => {
      const current = this.cloud.servers.get(server.id);
      if (!current || current.taskState !== 'rebuilding') return;
      current.taskState = 'rebuild_spawning';
      this.cloud.later(() => {
        if (current.taskState !== 'rebuild_spawning' || !this.cloud.servers.has(current.id)) return;
        const now = new Date();
        current.taskState = null;
        current.vmState = wasStopped ? 'stopped' : 'active';
        current.powerState = wasStopped ? 4 : 1;
        current.launchedAt = now;
        current.updated = now;
        if (rootVolume && this.cloud.volumes.has(rootVolume.id)) {
          rootVolume.imageMeta = this.cloud.volumeImageMetadata(image);
          rootVolume.bootable = true;
          rootVolume.updatedAt = now;
        }
      }, Math.max(1, Math.floor(this.cloud.transitionMs / 2)));
    }, Math.max(1, Math.ceil(this.cloud.transitionMs / 2)));
    const view = this.serverView(server, v, ctx, 'rebuild');
    view.adminPass = typeof arg.adminPass === 'string' ? arg.adminPass : password();
    if (atLeast(v, '2.57')) view.user_data = null;
    return json(202, { server: view }, { location: `${this.selfBase}/servers/${server.id}` });
  }

  // -------------------------------------------------------------------------------------------
  // attachments, metadata

  private listAttachments({ ctx, v }: Call, id: string): FakeResponse {
    this.require(ctx, 'os_compute_api:os-volumes-attachments:index', false);
    const server = this.server(ctx, id);
    return json(200, { volumeAttachments: server.bdms.map((bdm) => this.attachmentView(server, bdm, v)) });
  }

  /** Nova asks Neutron for the server's ports; this cloud has no Neutron, so servers have none. */
  private listInterfaces({ ctx }: Call, id: string): FakeResponse {
    this.require(ctx, 'os_compute_api:os-attach-interfaces:list', false);
    this.server(ctx, id);
    return json(200, { interfaceAttachments: [] });
  }

  private showAttachment({ ctx, v }: Call, id: string, volumeId: string): FakeResponse {
    this.require(ctx, 'os_compute_api:os-volumes-attachments:show', false);
    const server = this.server(ctx, id);
    const bdm = server.bdms.find((candidate) => candidate.volumeId === volumeId);
    if (!bdm) throw new ApiError(404, `Instance ${id} is not attached.`);
    return json(200, { volumeAttachment: this.attachmentView(server, bdm, v) });
  }

  /** Nova reserves the volume at once (attaching) and answers 200; the compute host makes it in-use. */
  private attachVolume({ req, ctx, v }: Call, id: string): FakeResponse {
    this.require(ctx, 'os_compute_api:os-volumes-attachments:create', true);
    const server = this.server(ctx, id);
    const body = this.body(req);
    const spec = isObject(body) ? body.volumeAttachment : undefined;
    if (!isObject(spec)) throw new ApiError(400, `Invalid input for field/attribute volumeAttachment. Value: ${pyRepr(spec)}. ${pyRepr(spec)} is not of type 'object'`);
    if (typeof spec.volumeId !== 'string') throw new ApiError(400, `Invalid input for field/attribute volumeAttachment. Value: ${pyRepr(spec)}. 'volumeId' is a required property`);
    if (spec.device !== undefined && spec.device !== null && (typeof spec.device !== 'string' || !/^\/dev\/[a-z]+$/.test(spec.device))) {
      throw new ApiError(400, `Invalid input for field/attribute device. Value: ${pyRepr(spec.device)}.`);
    }
    this.checkState(server, 'attach_volume', ['active', 'paused', 'stopped', 'resized', 'soft-delete', 'shelved', 'shelved_offloaded']);
    const volume = this.visibleVolume(ctx, spec.volumeId);
    if (!volume) throw new ApiError(404, `Volume ${spec.volumeId} could not be found.`);
    if (server.bdms.some((bdm) => bdm.volumeId === volume.id)) throw new ApiError(400, `Invalid volume: volume ${volume.id} already attached`);
    if (volume.status !== 'available') throw new ApiError(400, `Invalid volume: volume '${volume.id}' status must be 'available'. Currently in '${volume.status}'`);
    const used = new Set(server.bdms.map((bdm) => bdm.device));
    let device = typeof spec.device === 'string' ? spec.device : '';
    if (device && used.has(device)) throw new ApiError(400, `The supplied device path (${device}) is in use.`);
    for (let letter = 0; !device; letter++) if (!used.has(`/dev/vd${String.fromCharCode(97 + letter)}`)) device = `/dev/vd${String.fromCharCode(97 + letter)}`;
    const bdm: BdmRec = { bdmUuid: uuid(), volumeId: volume.id, bootIndex: null, deleteOnTermination: false, device, attachmentId: uuid() };
    server.bdms.push(bdm);
    volume.status = 'attaching';
    volume.updatedAt = new Date();
    this.cloud.later(() => {
      if (!this.cloud.volumes.has(volume.id) || volume.status !== 'attaching') return;
      const now = new Date();
      volume.status = 'in-use';
      volume.attachments = [...volume.attachments, { attachmentId: bdm.attachmentId, serverId: server.id, device, attachedAt: now }];
      volume.updatedAt = now;
    });
    return json(200, { volumeAttachment: this.attachmentView(server, bdm, v) });
  }

  /** Nova answers 202 with the volume detaching; it is available once the host let it go. The root volume stays. */
  private detachVolume({ ctx }: Call, id: string, volumeId: string): FakeResponse {
    this.require(ctx, 'os_compute_api:os-volumes-attachments:delete', true);
    const server = this.server(ctx, id);
    const volume = this.visibleVolume(ctx, volumeId);
    if (!volume) throw new ApiError(404, `Volume ${volumeId} could not be found.`);
    const bdm = server.bdms.find((candidate) => candidate.volumeId === volumeId);
    if (!bdm) throw new ApiError(404, `Instance ${id} is not attached to volume ${volumeId}`);
    this.checkState(server, 'detach_volume', ['active', 'paused', 'stopped', 'resized', 'soft-delete', 'shelved', 'shelved_offloaded']);
    if (bdm.bootIndex === 0) throw new ApiError(400, 'Cannot detach a root device volume');
    if (volume.status !== 'in-use') throw new ApiError(400, `Invalid volume: Unable to detach volume. Volume status must be 'in-use' and attach_status must be 'attached' to detach.`);
    volume.status = 'detaching';
    volume.updatedAt = new Date();
    this.cloud.later(() => {
      server.bdms = server.bdms.filter((candidate) => candidate !== bdm);
      if (!this.cloud.volumes.has(volume.id)) return;
      volume.attachments = volume.attachments.filter((attachment) => attachment.serverId !== server.id);
      volume.status = volume.attachments.length === 0 ? 'available' : 'in-use';
      volume.updatedAt = new Date();
    });
    return empty(202);
  }

  private getMetadata({ ctx }: Call, id: string): FakeResponse {
    this.require(ctx, 'os_compute_api:server-metadata:index', false);
    return json(200, { metadata: { ...this.server(ctx, id).metadata } });
  }

  private setMetadata({ req, ctx }: Call, id: string, replace: boolean): FakeResponse {
    this.require(ctx, replace ? 'os_compute_api:server-metadata:update_all' : 'os_compute_api:server-metadata:create', true);
    const server = this.server(ctx, id);
    const body = this.body(req);
    if (!isObject(body) || !isObject(body.metadata)) throw new ApiError(400, `Invalid input for field/attribute metadata. Value: ${pyRepr(body)}. 'metadata' is a required property`);
    const metadata = this.metadataArg(body.metadata, 'metadata');
    server.metadata = replace ? metadata : { ...server.metadata, ...metadata };
    server.updated = new Date();
    return json(200, { metadata: { ...server.metadata } });
  }

  private getMetadataItem({ ctx }: Call, id: string, key: string): FakeResponse {
    this.require(ctx, 'os_compute_api:server-metadata:show', false);
    const server = this.server(ctx, id);
    if (!(key in server.metadata)) throw new ApiError(404, 'Metadata item was not found');
    return json(200, { meta: { [key]: server.metadata[key] } });
  }

  private setMetadataItem({ req, ctx }: Call, id: string, key: string): FakeResponse {
    this.require(ctx, 'os_compute_api:server-metadata:update', true);
    const server = this.server(ctx, id);
    const body = this.body(req);
    const meta = isObject(body) && isObject(body.meta) ? this.metadataArg(body.meta, 'meta') : undefined;
    if (!meta || Object.keys(meta).length !== 1) throw new ApiError(400, 'Request body contains too many items');
    if (!(key in meta)) throw new ApiError(400, 'Request body and URI mismatch');
    server.metadata[key] = meta[key]!;
    server.updated = new Date();
    return json(200, { meta });
  }

  private deleteMetadataItem({ ctx }: Call, id: string, key: string): FakeResponse {
    this.require(ctx, 'os_compute_api:server-metadata:delete', true);
    const server = this.server(ctx, id);
    if (!(key in server.metadata)) throw new ApiError(404, 'Metadata item was not found');
    delete server.metadata[key];
    server.updated = new Date();
    return empty(204);
  }

  // -------------------------------------------------------------------------------------------
  // flavors, availability zones

  private listFlavors({ req, ctx, v }: Call, detail: boolean): FakeResponse {
    this.require(ctx, 'os_compute_api:flavors:index', false);
    let flavors = [...this.cloud.flavors];
    const minDisk = req.query.get('minDisk');
    if (minDisk !== null) flavors = flavors.filter((flavor) => flavor.disk >= Number(minDisk));
    const minRam = req.query.get('minRam');
    if (minRam !== null) flavors = flavors.filter((flavor) => flavor.ram >= Number(minRam));
    return json(200, { flavors: flavors.map((flavor) => this.flavorView(flavor, v, detail)) });
  }

  private showFlavor({ ctx, v }: Call, id: string): FakeResponse {
    this.require(ctx, 'os_compute_api:flavors:show', false);
    return json(200, { flavor: this.flavorView(this.flavor(id), v, true) });
  }

  private availabilityZones({ ctx }: Call, detail: boolean): FakeResponse {
    this.require(ctx, 'os_compute_api:os-availability-zone:list', false);
    if (!detail) {
      return json(200, {
        availabilityZoneInfo: Object.keys(this.cloud.zones).map((zoneName) => ({ zoneName, zoneState: { available: true }, hosts: null })),
      });
    }
    if (!ctx.isAdmin) throw new ApiError(403, "Policy doesn't allow os_compute_api:os-availability-zone:detail to be performed.");
    const updated = isoZeroMicros(new Date());
    const service = { available: true, active: true, updated_at: updated };
    return json(200, {
      availabilityZoneInfo: [
        { zoneName: 'internal', zoneState: { available: true }, hosts: { controller: { 'nova-conductor': service, 'nova-scheduler': service } } },
        ...Object.entries(this.cloud.zones).map(([zoneName, host]) => ({ zoneName, zoneState: { available: true }, hosts: { [host]: { 'nova-compute': service } } })),
      ],
    });
  }
}
