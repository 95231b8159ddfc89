/**
 * An in-process fake OpenStack cloud for fast tests: Keystone, Nova, Glance and Cinder behind one
 * HTTP server on 127.0.0.1, speaking their real REST APIs (paths, status codes, microversions,
 * asynchronous status transitions, error bodies) as captured on Zed services.
 *
 *   const cloud = await startFakeOpenStack({ transitionMs: 5 });
 *   // point the code under test at cloud.authUrl (http://127.0.0.1:PORT/identity/v3)
 *   await cloud.close();
 *
 * Services: /identity/v3 (Keystone), /compute/v2.1 (Nova), /image (Glance, /image/v2/...),
 * /volume/v3/{project_id} (Cinder). Users (default): admin/admin-pass, demo/demo-pass,
 * alt/alt-pass (member of their own project) and sirocco/sirocco-pass (admin + service on
 * project "service").
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Cinder, cinderError } from './cinder';
import { Cloud, DEFAULT_USERS, type FakeUser } from './cloud';
import { ApiError, REASONS, header, keystoneMiddleware401, type AuthContext, type FakeRequest, type FakeResponse, type Microversion, type ServiceName } from './core';
import { Glance, glanceError, imageView } from './glance';
import { Keystone, keystoneError } from './keystone';
import { Nova, novaError, serverStatus } from './nova';
import { waitFor } from '../wait-for';

export type { FakeUser } from './cloud';

export interface FakeOpenStackOptions {
  /** delay of each async transition (BUILD->ACTIVE, creating->available, queued->saving->active, deleting...), default 30 ms */
  transitionMs?: number;
  /** default: admin/admin-pass project admin roles [admin, member, reader]; demo/demo-pass project demo [member, reader]; alt/alt-pass project alt [member, reader]; sirocco/sirocco-pass project service [admin, service] */
  users?: FakeUser[];
}

export interface FakeFault {
  service: 'identity' | 'compute' | 'image' | 'volume';
  /** any method when absent */
  method?: string;
  /** tested against the full path with query (/compute/v2.1/servers?x=1) and the path inside the service (/servers?x=1) */
  path: RegExp;
  status: number;
  /** a string is sent as is, anything else as JSON; absent: the service's own error body for the status */
  body?: unknown;
  headers?: Record<string, string>;
  /** how many matching requests to answer so (default 1; Infinity for all) */
  times?: number;
}

export interface FakeRequestRecord {
  method: string;
  /** path with query, as received */
  path: string;
  service: string;
  status: number;
  /** the token's (effective) user name: the trustor for an impersonating trust token */
  user?: string;
  /** the token's project name */
  project?: string;
  userId?: string;
  projectId?: string;
}

export interface FakeOpenStack {
  /** http://127.0.0.1:PORT/identity/v3 */
  readonly authUrl: string;
  projectId(name: string): string;
  userId(name: string): string;
  /** answer the next matching request(s) with this status/body instead (e.g. 503 + Retry-After, 500, 403) */
  injectFault(fault: FakeFault): void;
  /**
   * make the next created image (createImage) / volume snapshot end in status 'error' (killed for images) instead of active/available.
   * 'image' applies to the next Nova createImage: the Glance image ends 'killed' (for a volume-backed server, whose image is
   * active at once, its Cinder snapshot ends 'error'); 'volume' to the next Cinder snapshot, also one made by Nova's createImage.
   */
  failNextSnapshot(kind: 'image' | 'volume'): void;
  /** seed helpers, as a project's member would do via the API, return the created objects as the API shows them */
  createServer(
    project: string,
    body: { name: string; imageRef?: string; flavorRef?: string; metadata?: Record<string, string>; availability_zone?: string; block_device_mapping_v2?: unknown[]; tags?: string[] },
  ): Promise<Record<string, unknown>>;
  createVolume(project: string, body: { size: number; name?: string; volume_type?: string; imageRef?: string; bootable?: boolean }): Promise<Record<string, unknown>>;
  createImage(project: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** raw state for assertions */
  servers(project?: string): Array<Record<string, unknown>>;
  images(project?: string): Array<Record<string, unknown>>;
  volumes(project?: string): Array<Record<string, unknown>>;
  volumeSnapshots(project?: string): Array<Record<string, unknown>>;
  /** Cinder backups: id, name, volume_id, status, is_incremental, parent_id, metadata */
  volumeBackups(project?: string): Array<Record<string, unknown>>;
  /** puts a server in SHUTOFF at once, as a guest shutting itself down */
  stopServer(id: string): void;
  /** every request received: method, path (with query), service, status answered, the token's user/project (names) */
  readonly requests: FakeRequestRecord[];
  /** expire every token issued so far: the next call with one gets 401 (to test re-authentication) */
  revokeTokens(): void;
  /** a project-scoped token for a user (its own project by default), without going through HTTP */
  tokenFor(user: string, project?: string): string;
  close(): Promise<void>;
}

const MAX_COMPUTE: Microversion = { major: 2, minor: 93, text: '2.93' };
const MAX_VOLUME: Microversion = { major: 3, minor: 70, text: '3.70' };
const SERVICES: Record<string, ServiceName> = { identity: 'identity', compute: 'compute', image: 'image', volume: 'volume' };

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  403: 'You are not authorized to perform the requested action.',
  404: 'The resource could not be found.',
  409: 'There was a conflict when trying to complete your request.',
  413: 'The request entity is too large.',
  429: 'This request was rate-limited.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
  503: 'The server is currently unavailable. Please try again at a later time.',
};

class FakeOpenStackCloud implements FakeOpenStack {
  readonly requests: FakeRequestRecord[] = [];
  private readonly keystone: Keystone;
  private readonly nova: Nova;
  private readonly glance: Glance;
  private readonly cinder: Cinder;

  constructor(
    private readonly cloud: Cloud,
    private readonly server: Server,
  ) {
    this.keystone = new Keystone(cloud);
    this.nova = new Nova(cloud);
    this.glance = new Glance(cloud);
    this.cinder = new Cinder(cloud);
  }

  get authUrl(): string {
    return this.cloud.authUrl;
  }

  projectId(name: string): string {
    const project = this.cloud.projectByName(name);
    if (!project) throw new Error(`fake OpenStack: no project named ${name}`);
    return project.id;
  }

  userId(name: string): string {
    const user = this.cloud.userByName(name);
    if (!user) throw new Error(`fake OpenStack: no user named ${name}`);
    return user.id;
  }

  injectFault(fault: FakeFault): void {
    this.cloud.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  failNextSnapshot(kind: 'image' | 'volume'): void {
    this.cloud.failures[kind]++;
  }

  revokeTokens(): void {
    this.cloud.tokens.clear();
  }

  tokenFor(userName: string, project?: string): string {
    const user = this.cloud.userByName(userName);
    if (!user) throw new Error(`fake OpenStack: no user named ${userName}`);
    const projectId = project ? this.projectId(project) : user.projectId;
    const roles = this.cloud.effectiveRoles(user.id, projectId);
    if (!roles.length) throw new Error(`fake OpenStack: ${userName} has no role on project ${project}`);
    return this.cloud.issueToken({ userId: user.id, authUserId: user.id, projectId, roles, methods: ['password'] }).id;
  }

  // -------------------------------------------------------------------------------------------
  // seeding

  /** A project member's view of the cloud, for the seed helpers. */
  private memberContext(project: string): AuthContext {
    const projectId = this.projectId(project);
    const user = this.cloud.memberOf(projectId);
    if (!user) throw new Error(`fake OpenStack: no user works in project ${project}`);
    return { tokenId: 'seed', userId: user.id, userName: user.name, projectId, projectName: project, roles: ['member', 'reader'], isAdmin: false };
  }

  private async waitFor(what: string, done: () => boolean | 'failed'): Promise<void> {
    const state = await waitFor(`fake OpenStack: ${what}`, done, {
      timeoutMs: 10_000 + this.cloud.transitionMs * 20,
      intervalMs: Math.max(2, Math.floor(this.cloud.transitionMs / 4)),
    });
    if (state === 'failed') throw new Error(`fake OpenStack: ${what} failed`);
  }

  private seedError(what: string, error: unknown): Error {
    if (error instanceof ApiError) return new Error(`fake OpenStack: ${what}: HTTP ${error.status}: ${error.message}`);
    return error instanceof Error ? error : new Error(String(error));
  }

  async createServer(
    project: string,
    body: { name: string; imageRef?: string; flavorRef?: string; metadata?: Record<string, string>; availability_zone?: string; block_device_mapping_v2?: unknown[] },
  ): Promise<Record<string, unknown>> {
    const ctx = this.memberContext(project);
    const bootFromVolume = Array.isArray(body.block_device_mapping_v2) && body.block_device_mapping_v2.length > 0;
    const cirros = [...this.cloud.images.values()].find((image) => image.name === 'cirros-fake');
    const spec: Record<string, unknown> = {
      flavorRef: bootFromVolume ? '2' : '1',
      ...(bootFromVolume ? {} : { imageRef: cirros?.id }),
      networks: 'none',
      ...body,
    };
    let id: string;
    try {
      id = this.nova.boot(ctx, MAX_COMPUTE, spec, { server: spec }).record.id;
    } catch (error) {
      throw this.seedError(`createServer ${body.name}`, error);
    }
    await this.waitFor(`server ${body.name} to become ACTIVE`, () => {
      const server = this.cloud.servers.get(id);
      if (!server || server.vmState === 'error') return 'failed';
      return serverStatus(server) === 'ACTIVE' && server.taskState === null;
    });
    return this.nova.serverView(this.cloud.servers.get(id)!, MAX_COMPUTE, ctx, 'show');
  }

  async createVolume(project: string, body: { size: number; name?: string; volume_type?: string; imageRef?: string; bootable?: boolean }): Promise<Record<string, unknown>> {
    const ctx = this.memberContext(project);
    const { bootable, ...spec } = body;
    let id: string;
    try {
      const volume = this.cinder.create(ctx, spec, { volume: spec });
      if (bootable !== undefined) volume.bootable = bootable;
      id = volume.id;
    } catch (error) {
      throw this.seedError(`createVolume ${body.name ?? ''}`, error);
    }
    await this.waitFor(`volume ${body.name ?? id} to become available`, () => {
      const volume = this.cloud.volumes.get(id);
      if (!volume || volume.status === 'error') return 'failed';
      return volume.status === 'available';
    });
    return this.cinder.volumeView(this.cloud.volumes.get(id)!, MAX_VOLUME, ctx, 'show');
  }

  async createImage(project: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const ctx = this.memberContext(project);
    const { id, name, visibility, protected: isProtected, min_disk: minDisk, min_ram: minRam, os_hidden: osHidden, tags, owner, status, disk_format, container_format, ...props } = body;
    const properties: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(props)) properties[key] = typeof value === 'string' ? value : JSON.stringify(value);
    const image = this.cloud.newImage({
      id: typeof id === 'string' ? id : undefined,
      owner: typeof owner === 'string' ? owner : ctx.projectId!,
      name: name === undefined ? null : (name as string | null),
      visibility: typeof visibility === 'string' ? visibility : 'shared',
      protected: isProtected === true,
      minDisk: typeof minDisk === 'number' ? minDisk : 0,
      minRam: typeof minRam === 'number' ? minRam : 0,
      osHidden: osHidden === true,
      tags: Array.isArray(tags) ? tags.map(String) : [],
      diskFormat: disk_format === undefined ? 'raw' : (disk_format as string | null),
      containerFormat: container_format === undefined ? 'bare' : (container_format as string | null),
      props: properties,
    });
    if (status === undefined || status === 'active') {
      this.cloud.storeImageData(image, Buffer.from(`fake image ${String(name ?? image.id)}\n`.repeat(32)));
    } else {
      image.status = String(status);
    }
    return imageView(image);
  }

  // -------------------------------------------------------------------------------------------
  // state

  private projectFilter(project?: string): (projectId: string | null) => boolean {
    if (project === undefined) return () => true;
    const id = this.projectId(project);
    return (projectId) => projectId === id;
  }

  servers(project?: string): Array<Record<string, unknown>> {
    const keep = this.projectFilter(project);
    return [...this.cloud.servers.values()]
      .filter((server) => keep(server.projectId))
      .sort((a, b) => a.seq - b.seq)
      .map((server) => this.nova.serverView(server, MAX_COMPUTE, { isAdmin: false }, 'show'));
  }

  images(project?: string): Array<Record<string, unknown>> {
    const keep = this.projectFilter(project);
    return [...this.cloud.images.values()]
      .filter((image) => keep(image.owner))
      .sort((a, b) => a.seq - b.seq)
      .map(imageView);
  }

  volumes(project?: string): Array<Record<string, unknown>> {
    const keep = this.projectFilter(project);
    return [...this.cloud.volumes.values()]
      .filter((volume) => keep(volume.projectId))
      .sort((a, b) => a.seq - b.seq)
      .map((volume) => this.cinder.volumeView(volume, MAX_VOLUME, { isAdmin: false }, 'show'));
  }

  volumeSnapshots(project?: string): Array<Record<string, unknown>> {
    const keep = this.projectFilter(project);
    return [...this.cloud.snapshots.values()]
      .filter((snapshot) => keep(snapshot.projectId))
      .sort((a, b) => a.seq - b.seq)
      .map((snapshot) => this.cinder.snapshotView(snapshot, MAX_VOLUME, true));
  }

  /** Puts a server in SHUTOFF at once (as a guest shutting itself down). */
  stopServer(id: string): void {
    const server = this.cloud.servers.get(id);
    if (!server) throw new Error(`fake OpenStack: no server ${id}`);
    server.vmState = 'stopped';
    server.powerState = 4;
    server.updated = new Date();
  }

  /** Cinder backups, as the cloud holds them (volume_id, status, is_incremental, parent_id, metadata). */
  volumeBackups(project?: string): Array<Record<string, unknown>> {
    const keep = this.projectFilter(project);
    return [...this.cloud.backups.values()]
      .filter((backup) => keep(backup.projectId))
      .sort((a, b) => a.seq - b.seq)
      .map((backup) => ({ id: backup.id, name: backup.name, volume_id: backup.volumeId, status: backup.status, is_incremental: backup.isIncremental, parent_id: backup.parentId, metadata: { ...backup.metadata } }));
  }

  async close(): Promise<void> {
    this.cloud.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  async onRequest(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const method = (incoming.method ?? 'GET').toUpperCase();
    const rawUrl = incoming.url ?? '/';
    const url = new URL(rawUrl, this.cloud.origin);
    const prefix = url.pathname.split('/')[1] ?? '';
    const service = SERVICES[prefix];
    let response: FakeResponse;
    let req: FakeRequest | undefined;
    if (!service) {
      response = { status: 404, headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: '404 Not Found\n' };
    } else {
      req = {
        method,
        service,
        rawUrl,
        path: url.pathname.slice(prefix.length + 1),
        query: url.searchParams,
        headers: incoming.headers,
        body: Buffer.concat(chunks),
        origin: this.cloud.origin,
      };
      const fault = this.takeFault(req, url);
      if (fault) {
        response = fault;
        req.ctx = this.cloud.authenticate(header(req, 'x-auth-token'));
      } else {
        try {
          response = await this.dispatch(req);
        } catch (error) {
          response = this.errorResponse(req, 500, `Unexpected API Error in the fake cloud: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        }
      }
    }
    this.requests.push({
      method,
      path: rawUrl,
      service: service ?? 'unknown',
      status: response.status,
      user: req?.ctx?.userName,
      project: req?.ctx?.projectName,
      userId: req?.ctx?.userId,
      projectId: req?.ctx?.projectId,
    });
    const body = response.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(response.body) ? response.body : Buffer.from(response.body);
    const headers: Record<string, string> = { ...response.headers };
    if (response.status !== 204 && response.status !== 304) headers['Content-Length'] = String(body.length);
    outgoing.writeHead(response.status, REASONS[response.status], headers);
    outgoing.end(method === 'HEAD' || response.status === 204 ? undefined : body);
  }

  private dispatch(req: FakeRequest): FakeResponse | Promise<FakeResponse> {
    switch (req.service) {
      case 'identity':
        return this.keystone.handle(req);
      case 'compute':
        return this.nova.handle(req);
      case 'image':
        return this.glance.handle(req);
      case 'volume':
        return this.cinder.handle(req);
    }
  }

  /** The path inside the service (/servers/x, /v2/images, /snapshots, /auth/tokens) with the query. */
  private servicePath(req: FakeRequest, url: URL): string {
    let path = req.path;
    if (req.service === 'identity') path = path.replace(/^\/v3(?=\/|$)/, '');
    if (req.service === 'compute') path = path.replace(/^\/v2\.1(?=\/|$)/, '');
    if (req.service === 'volume') path = path.replace(/^\/v3\/[^/]+(?=\/|$)/, '');
    return `${path || '/'}${url.search}`;
  }

  private takeFault(req: FakeRequest, url: URL): FakeResponse | undefined {
    const full = `${url.pathname}${url.search}`;
    const inner = this.servicePath(req, url);
    const index = this.cloud.faults.findIndex(
      (fault) =>
        fault.remaining > 0 &&
        fault.service === req.service &&
        (!fault.method || fault.method.toUpperCase() === req.method) &&
        (test(fault.path, full) || test(fault.path, inner)),
    );
    if (index < 0) return undefined;
    const fault = this.cloud.faults[index]!;
    fault.remaining--;
    if (fault.remaining <= 0) this.cloud.faults.splice(index, 1);
    let response: FakeResponse;
    if (fault.body === undefined) {
      response = this.errorResponse(req, fault.status, this.defaultMessage(req, fault.status));
    } else if (typeof fault.body === 'string' || Buffer.isBuffer(fault.body)) {
      response = { status: fault.status, headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: fault.body };
    } else {
      response = { status: fault.status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fault.body) };
    }
    response.headers = { ...response.headers, ...fault.headers };
    return response;
  }

  private defaultMessage(req: FakeRequest, status: number): string {
    if (status === 500 && req.service === 'compute') {
      return "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n<class 'oslo_messaging.exceptions.MessagingTimeout'>";
    }
    return DEFAULT_MESSAGES[status] ?? REASONS[status] ?? `HTTP ${status}`;
  }

  /** An error answer in the service's own format. */
  private errorResponse(req: FakeRequest, status: number, message: string): FakeResponse {
    switch (req.service) {
      case 'identity':
        return keystoneError(this.cloud, status, message);
      case 'compute':
        return status === 401 ? keystoneMiddleware401(this.cloud.authUrl) : novaError(status, message);
      case 'image':
        return glanceError(req, status, message);
      case 'volume':
        return status === 401 ? keystoneMiddleware401(this.cloud.authUrl) : cinderError(status, message);
    }
  }
}

function test(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

/** Starts the fake cloud on 127.0.0.1 (a free port). Close it with close(). */
export async function startFakeOpenStack(options: FakeOpenStackOptions = {}): Promise<FakeOpenStack> {
  const cloud = new Cloud(options.transitionMs ?? 30, options.users ?? DEFAULT_USERS);
  let fake: FakeOpenStackCloud | undefined;
  const server = createServer((incoming, outgoing) => {
    fake!.onRequest(incoming, outgoing).catch((error: unknown) => {
      if (!outgoing.headersSent) outgoing.writeHead(500, { 'Content-Type': 'text/plain' });
      outgoing.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  cloud.origin = `http://127.0.0.1:${port}`;
  fake = new FakeOpenStackCloud(cloud, server);
  return fake;
}

/** The OS_* variables that make Sirocco (noauth mode) act on the fake cloud as `user` of their own project. */
export function osEnvironment(cloud: FakeOpenStack, user = 'demo', password = `${user}-pass`): Record<string, string> {
  return {
    OS_AUTH_URL: cloud.authUrl,
    OS_USERNAME: user,
    OS_PASSWORD: password,
    OS_PROJECT_NAME: user,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
  };
}
