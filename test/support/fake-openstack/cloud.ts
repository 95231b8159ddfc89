/**
 * The state of the fake cloud (identity, compute, image and volume records) and the operations
 * several services share: tokens, timed status transitions, Cinder snapshots made by Nova, Glance
 * images made by Nova, volumes attached to servers.
 */
import {
  auditId,
  hexId,
  md5,
  opaqueToken,
  sha512,
  uuid,
  type AuthContext,
  type ServiceName,
} from './core';

export interface FakeUser {
  name: string;
  password: string;
  project: string;
  roles: string[];
}

export interface ProjectRec {
  id: string;
  name: string;
  description: string;
}

export interface UserRec {
  id: string;
  name: string;
  password: string;
  projectId: string;
  /** role names assigned on projectId */
  roles: string[];
}

export interface RoleRec {
  id: string;
  name: string;
}

export interface TokenRec {
  id: string;
  /** effective user: the trustor when a trust impersonates */
  userId: string;
  /** the user who authenticated */
  authUserId: string;
  projectId?: string;
  roles: string[];
  methods: string[];
  auditIds: string[];
  issuedAt: Date;
  expiresAt: Date;
  trustId?: string;
}

export interface TrustRec {
  id: string;
  trustorId: string;
  trusteeId: string;
  projectId: string | null;
  impersonation: boolean;
  roles: string[];
  expiresAt: Date | null;
  remainingUses: number | null;
  redelegationCount: number;
  deleted: boolean;
  seq: number;
}

export interface FlavorRec {
  id: string;
  name: string;
  ram: number;
  disk: number;
  vcpus: number;
}

export interface BdmRec {
  bdmUuid: string;
  volumeId: string;
  bootIndex: number | null;
  deleteOnTermination: boolean;
  device: string;
  attachmentId: string;
}

export interface ServerRec {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  /** '' when booted from a volume */
  imageId: string;
  flavorId: string;
  az: string;
  host: string;
  metadata: Record<string, string>;
  vmState: string;
  taskState: string | null;
  powerState: number;
  created: Date;
  updated: Date;
  launchedAt: Date | null;
  bdms: BdmRec[];
  bootRoles: string[];
  description: string | null;
  keyName: string | null;
  hostname: string;
  /** server tags (microversion 2.26) */
  tags?: string[];
  seq: number;
}

export interface ImageRec {
  id: string;
  name: string | null;
  owner: string | null;
  visibility: string;
  status: string;
  diskFormat: string | null;
  containerFormat: string | null;
  size: number | null;
  virtualSize: number | null;
  checksum: string | null;
  hashAlgo: string | null;
  hashValue: string | null;
  protected: boolean;
  minDisk: number;
  minRam: number;
  osHidden: boolean;
  tags: string[];
  /** custom properties, shown at the top level */
  props: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  seq: number;
  data?: Buffer;
}

export interface AttachmentRec {
  attachmentId: string;
  serverId: string;
  device: string;
  attachedAt: Date;
}

export interface VolumeRec {
  id: string;
  projectId: string;
  userId: string;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  az: string;
  typeId: string;
  snapshotId: string | null;
  sourceVolid: string | null;
  metadata: Record<string, string>;
  bootable: boolean;
  attachments: AttachmentRec[];
  createdAt: Date;
  updatedAt: Date | null;
  imageMeta?: Record<string, string>;
  /** a volume service has taken it (service_uuid, shared_targets) */
  scheduled: boolean;
  seq: number;
}

export interface SnapshotRec {
  id: string;
  projectId: string;
  userId: string;
  volumeId: string;
  name: string | null;
  description: string | null;
  status: string;
  size: number;
  metadata: Record<string, string>;
  createdAt: Date;
  updatedAt: Date | null;
  seq: number;
}

export interface BackupRec {
  id: string;
  projectId: string;
  userId: string;
  volumeId: string;
  name: string | null;
  description: string | null;
  status: string;
  size: number;
  container: string;
  isIncremental: boolean;
  /** the backup this incremental one builds on */
  parentId: string | null;
  /** the volume's content when backed up (the fake's stand-in for its data) */
  content: string;
  metadata: Record<string, string>;
  createdAt: Date;
  updatedAt: Date | null;
  seq: number;
}

export interface VolumeTypeRec {
  id: string;
  name: string;
  description: string | null;
  isDefault: boolean;
}

export interface FakeFaultRec {
  service: ServiceName;
  method?: string;
  path: RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  remaining: number;
}

export const DEFAULT_USERS: FakeUser[] = [
  { name: 'admin', password: 'admin-pass', project: 'admin', roles: ['admin', 'member', 'reader'] },
  { name: 'demo', password: 'demo-pass', project: 'demo', roles: ['member', 'reader'] },
  { name: 'alt', password: 'alt-pass', project: 'alt', roles: ['member', 'reader'] },
  { name: 'sirocco', password: 'sirocco-pass', project: 'service', roles: ['admin', 'service'] },
];

/** Keystone's default implied roles: admin implies member, member implies reader. */
const IMPLIED: Record<string, string[]> = { admin: ['member'], member: ['reader'] };

export const TOKEN_LIFETIME_MS = 3600_000;
export const VOLUME_SERVICE_UUID = '8810509b-46fe-4375-8cc7-61272dabf147';
export const GIB = 1024 * 1024 * 1024;

export class Cloud {
  origin = '';
  readonly transitionMs: number;
  readonly projects = new Map<string, ProjectRec>();
  readonly users = new Map<string, UserRec>();
  readonly roles = new Map<string, RoleRec>();
  readonly tokens = new Map<string, TokenRec>();
  readonly trusts = new Map<string, TrustRec>();
  readonly servers = new Map<string, ServerRec>();
  readonly images = new Map<string, ImageRec>();
  readonly volumes = new Map<string, VolumeRec>();
  readonly snapshots = new Map<string, SnapshotRec>();
  readonly backups = new Map<string, BackupRec>();
  readonly flavors: FlavorRec[] = [
    { id: '1', name: 'm1.tiny', ram: 64, disk: 1, vcpus: 1 },
    { id: '2', name: 'm1.bfv', ram: 64, disk: 0, vcpus: 1 },
    { id: '3', name: 'm1.small', ram: 128, disk: 1, vcpus: 1 },
  ];
  /** availability zone -> compute host */
  readonly zones: Record<string, string> = { nova: 'compute1', zone2: 'compute2' };
  readonly volumeTypes: VolumeTypeRec[] = [
    { id: uuid(), name: 'fake', description: null, isDefault: true },
    { id: uuid(), name: 'fast', description: null, isDefault: false },
  ];
  readonly faults: FakeFaultRec[] = [];
  readonly failures = { image: 0, volume: 0 };
  /** stable ids of the catalog entries and endpoints */
  readonly catalogIds = new Map<string, string>();
  readonly startedAt = new Date();
  private readonly timers = new Set<NodeJS.Timeout>();
  private sequence = 0;
  closed = false;

  constructor(transitionMs: number, users: FakeUser[]) {
    this.transitionMs = transitionMs;
    for (const name of ['admin', 'member', 'reader', 'service']) this.roles.set(name, { id: hexId(), name });
    for (const user of users) {
      let project = this.projectByName(user.project);
      if (!project) {
        project = { id: hexId(), name: user.project, description: user.project };
        this.projects.set(project.id, project);
      }
      for (const role of user.roles) if (!this.roles.has(role)) this.roles.set(role, { id: hexId(), name: role });
      const record: UserRec = { id: hexId(), name: user.name, password: user.password, projectId: project.id, roles: [...user.roles] };
      this.users.set(record.id, record);
    }
    const owner = this.projectByName('admin') ?? [...this.projects.values()][0];
    const data = Buffer.alloc(4096, 'cirros-fake disk\n');
    const cirros: ImageRec = {
      id: uuid(),
      name: 'cirros-fake',
      owner: owner?.id ?? null,
      visibility: 'public',
      status: 'active',
      diskFormat: 'raw',
      containerFormat: 'bare',
      size: data.length,
      virtualSize: data.length,
      checksum: md5(data),
      hashAlgo: 'sha512',
      hashValue: sha512(data),
      protected: false,
      minDisk: 0,
      minRam: 0,
      osHidden: false,
      tags: [],
      props: {},
      createdAt: new Date(this.startedAt.getTime() - 60_000),
      updatedAt: new Date(this.startedAt.getTime() - 60_000),
      seq: this.nextSeq(),
      data,
    };
    this.images.set(cirros.id, cirros);
  }

  get authUrl(): string {
    return `${this.origin}/identity/v3`;
  }

  nextSeq(): number {
    return ++this.sequence;
  }

  /** Runs fn after the transition delay (or `ms`), unless the cloud was closed meanwhile. */
  later(fn: () => void, ms = this.transitionMs): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) fn();
    }, ms);
    timer.unref?.();
    this.timers.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  takeFailure(kind: 'image' | 'volume'): boolean {
    if (this.failures[kind] > 0) {
      this.failures[kind]--;
      return true;
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // identity

  projectByName(name: string): ProjectRec | undefined {
    return [...this.projects.values()].find((project) => project.name === name);
  }

  userByName(name: string): UserRec | undefined {
    return [...this.users.values()].find((user) => user.name === name);
  }

  /** A user that works in the project (first one assigned there), for the seed helpers. */
  memberOf(projectId: string): UserRec | undefined {
    const users = [...this.users.values()].filter((user) => user.projectId === projectId);
    return users.find((user) => user.roles.includes('member')) ?? users[0];
  }

  /** Role names with the implied ones added (admin -> member -> reader). */
  expandRoles(assigned: string[]): string[] {
    const result: string[] = [];
    const add = (name: string) => {
      if (!result.includes(name)) result.push(name);
    };
    for (const name of assigned) add(name);
    for (let i = 0; i < result.length; i++) for (const implied of IMPLIED[result[i]!] ?? []) add(implied);
    return result;
  }

  /** The roles the user holds on the project (with implied ones), none when not assigned there. */
  effectiveRoles(userId: string, projectId: string): string[] {
    const user = this.users.get(userId);
    if (!user || user.projectId !== projectId) return [];
    return this.expandRoles(user.roles);
  }

  issueToken(fields: Omit<TokenRec, 'id' | 'issuedAt' | 'expiresAt' | 'auditIds'> & { expiresAt?: Date; parentAuditId?: string }): TokenRec {
    const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const token: TokenRec = {
      id: opaqueToken(),
      userId: fields.userId,
      authUserId: fields.authUserId,
      projectId: fields.projectId,
      roles: fields.roles,
      methods: fields.methods,
      auditIds: fields.parentAuditId ? [auditId(), fields.parentAuditId] : [auditId()],
      issuedAt,
      expiresAt: fields.expiresAt ?? new Date(issuedAt.getTime() + TOKEN_LIFETIME_MS),
      trustId: fields.trustId,
    };
    this.tokens.set(token.id, token);
    return token;
  }

  /** The token if it is known and not expired. */
  liveToken(tokenId: string | undefined): TokenRec | undefined {
    if (!tokenId) return undefined;
    const token = this.tokens.get(tokenId);
    if (!token) return undefined;
    if (token.expiresAt.getTime() <= Date.now()) {
      this.tokens.delete(tokenId);
      return undefined;
    }
    return token;
  }

  contextOf(token: TokenRec): AuthContext {
    const user = this.users.get(token.userId);
    const project = token.projectId ? this.projects.get(token.projectId) : undefined;
    return {
      tokenId: token.id,
      userId: token.userId,
      userName: user?.name ?? token.userId,
      projectId: project?.id,
      projectName: project?.name,
      roles: token.roles,
      isAdmin: token.roles.includes('admin'),
      trustId: token.trustId,
    };
  }

  /** The caller of a service (Nova, Glance, Cinder): a live token, as keystonemiddleware would accept it. */
  authenticate(tokenId: string | undefined): AuthContext | undefined {
    const token = this.liveToken(tokenId);
    return token ? this.contextOf(token) : undefined;
  }

  /** A trust that can still be used: not deleted, not expired, uses left. */
  liveTrust(trustId: string): TrustRec | undefined {
    const trust = this.trusts.get(trustId);
    if (!trust || trust.deleted) return undefined;
    if (trust.expiresAt && trust.expiresAt.getTime() <= Date.now()) return undefined;
    if (trust.remainingUses !== null && trust.remainingUses <= 0) return undefined;
    return trust;
  }

  // -------------------------------------------------------------------------------------------
  // image

  imageVisible(image: ImageRec, ctx: { projectId?: string; isAdmin: boolean }): boolean {
    if (ctx.isAdmin) return true;
    if (image.visibility === 'public' || image.visibility === 'community') return true;
    return image.owner !== null && image.owner === ctx.projectId;
  }

  newImage(fields: Partial<ImageRec> & { owner: string | null }): ImageRec {
    const now = new Date();
    const image: ImageRec = {
      id: fields.id ?? uuid(),
      name: fields.name ?? null,
      owner: fields.owner,
      visibility: fields.visibility ?? 'shared',
      status: fields.status ?? 'queued',
      diskFormat: fields.diskFormat ?? null,
      containerFormat: fields.containerFormat ?? null,
      size: fields.size ?? null,
      virtualSize: fields.virtualSize ?? null,
      checksum: fields.checksum ?? null,
      hashAlgo: fields.hashAlgo ?? null,
      hashValue: fields.hashValue ?? null,
      protected: fields.protected ?? false,
      minDisk: fields.minDisk ?? 0,
      minRam: fields.minRam ?? 0,
      osHidden: fields.osHidden ?? false,
      tags: fields.tags ?? [],
      props: fields.props ?? {},
      createdAt: now,
      updatedAt: now,
      seq: this.nextSeq(),
      data: fields.data,
    };
    this.images.set(image.id, image);
    return image;
  }

  /** Stores the image's data: active, with size and checksums, as Glance's upload does. */
  storeImageData(image: ImageRec, data: Buffer): void {
    image.data = data;
    image.size = data.length;
    image.virtualSize = data.length;
    image.checksum = md5(data);
    image.hashAlgo = 'sha512';
    image.hashValue = sha512(data);
    image.status = 'active';
    image.updatedAt = new Date();
  }

  // -------------------------------------------------------------------------------------------
  // volume

  defaultVolumeType(): VolumeTypeRec {
    return this.volumeTypes.find((type) => type.isDefault) ?? this.volumeTypes[0]!;
  }

  newVolume(fields: Partial<VolumeRec> & { projectId: string; userId: string; size: number }): VolumeRec {
    const volume: VolumeRec = {
      id: fields.id ?? uuid(),
      projectId: fields.projectId,
      userId: fields.userId,
      name: fields.name ?? null,
      description: fields.description ?? null,
      size: fields.size,
      status: fields.status ?? 'creating',
      az: fields.az ?? 'nova',
      typeId: fields.typeId ?? this.defaultVolumeType().id,
      snapshotId: fields.snapshotId ?? null,
      sourceVolid: fields.sourceVolid ?? null,
      metadata: fields.metadata ?? {},
      bootable: fields.bootable ?? false,
      attachments: [],
      createdAt: new Date(),
      updatedAt: null,
      imageMeta: fields.imageMeta,
      scheduled: false,
      seq: this.nextSeq(),
    };
    this.volumes.set(volume.id, volume);
    return volume;
  }

  /** creating -> available after the transition delay (unless something else took it meanwhile). */
  scheduleVolumeAvailable(volume: VolumeRec): void {
    this.later(() => {
      const current = this.volumes.get(volume.id);
      if (!current || current.status !== 'creating') return;
      current.status = 'available';
      current.scheduled = true;
      current.updatedAt = new Date();
    });
  }

  /** deleting -> gone after the transition delay. */
  deleteVolumeLater(volume: VolumeRec): void {
    volume.status = 'deleting';
    volume.updatedAt = new Date();
    this.later(() => {
      this.volumes.delete(volume.id);
    });
  }

  /** Volume metadata Cinder keeps about the image a volume was made from. */
  volumeImageMetadata(image: ImageRec): Record<string, string> {
    return {
      signature_verified: 'False',
      image_id: image.id,
      image_name: image.name ?? '',
      checksum: image.checksum ?? '',
      container_format: image.containerFormat ?? '',
      disk_format: image.diskFormat ?? '',
      min_disk: String(image.minDisk),
      min_ram: String(image.minRam),
      size: String(image.size ?? 0),
    };
  }

  /** A Cinder snapshot, creating -> available (or error when a failure was asked for). */
  newSnapshot(fields: { projectId: string; userId: string; volume: VolumeRec; name: string | null; description: string | null; metadata: Record<string, string>; fail: boolean }): SnapshotRec {
    const snapshot: SnapshotRec = {
      id: uuid(),
      projectId: fields.projectId,
      userId: fields.userId,
      volumeId: fields.volume.id,
      name: fields.name,
      description: fields.description,
      status: 'creating',
      size: fields.volume.size,
      metadata: { ...fields.metadata },
      createdAt: new Date(),
      updatedAt: null,
      seq: this.nextSeq(),
    };
    this.snapshots.set(snapshot.id, snapshot);
    this.later(() => {
      const current = this.snapshots.get(snapshot.id);
      if (!current || current.status !== 'creating') return;
      current.status = fields.fail ? 'error' : 'available';
      current.updatedAt = new Date();
    });
    return snapshot;
  }

  deleteSnapshotLater(snapshot: SnapshotRec): void {
    snapshot.status = 'deleting';
    snapshot.updatedAt = new Date();
    this.later(() => {
      this.snapshots.delete(snapshot.id);
    });
  }

  snapshotsOf(volumeId: string): SnapshotRec[] {
    return [...this.snapshots.values()].filter((snapshot) => snapshot.volumeId === volumeId);
  }
}
