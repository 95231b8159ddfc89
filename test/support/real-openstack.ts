import { readFileSync } from 'node:fs';
import { OpenStackClients } from '../../src/actions/openstack/client/openstack-clients';
import type { Json, Server } from '../../src/actions/openstack/client/compute.client';
import { OpenStackError } from '../../src/actions/openstack/client/openstack-error';
import type { Image } from '../../src/actions/openstack/client/image.client';
import type { Volume, VolumeSnapshot } from '../../src/actions/openstack/client/volume.client';
import { KeystoneClient, type KeystoneToken } from '../../src/identity/keystone/keystone-client';
import { waitFor } from './wait-for';

/** The state directory of scripts/keystone-dev.sh and scripts/openstack-dev.sh. */
export const OPENSTACK_DIR = process.env.SIROCCO_OS_DIR ?? '/var/lib/sirocco-openstack';

/** KEY=VALUE lines of an env file those scripts wrote. */
export function readEnvFile(name: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(`${OPENSTACK_DIR}/${name}`, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** The real cloud is slow: look again every 250 ms, for up to a minute. */
export const CLOUD_POLL = { timeoutMs: 60_000, intervalMs: 250 };
/** Clean-up waits longer: on a busy machine the fake hypervisor takes its time, and what is left behind slows the next run. */
const CLEANUP_POLL = { timeoutMs: 180_000, intervalMs: 1000 };

/**
 * One user of the real test cloud (scripts/openstack-dev.sh), through Sirocco's own OpenStack
 * client: what the tests set up (servers, boot volumes, images) and look at afterwards. Every
 * object it creates is named with `prefix`, and `cleanUp()` deletes what carries it.
 */
export class RealCloudUser {
  readonly clients: OpenStackClients;
  readonly settings = readEnvFile('openstack.env');
  private token: KeystoneToken | null = null;

  constructor(
    readonly username: string,
    password: string,
    project: string,
    readonly prefix: string,
  ) {
    const keystone = new KeystoneClient(this.settings.OS_AUTH_URL!);
    this.clients = new OpenStackClients({
      token: async (fresh) => {
        if (fresh || !this.token || this.token.expiresAt.getTime() - Date.now() < 60_000) {
          this.token = await keystone.passwordAuth({ username, password, project, userDomain: 'default', projectDomain: 'default' });
        }
        return this.token;
      },
    });
  }

  get imageId(): string {
    return this.settings.OPENSTACK_IMAGE_ID!;
  }

  async projectId(): Promise<string> {
    return (await this.clients.session.projectId())!;
  }

  async waitForServer(id: string, status = 'ACTIVE'): Promise<Server> {
    // ERROR ends the wait too, so a failed boot fails the test at once
    const server = await waitFor(`server ${id} ${status}`, async () => {
      const current = await this.clients.compute.getServer(id);
      return current.status === 'ERROR' || (current.status === status && !current['OS-EXT-STS:task_state']) ? current : undefined;
    }, CLOUD_POLL);
    if (server.status === 'ERROR' && status !== 'ERROR') throw new Error(`server ${id} went to ERROR: ${JSON.stringify(server.fault ?? null)}`);
    return server;
  }

  async bootFromImage(name: string, metadata: Record<string, string> = {}): Promise<Server> {
    const created = await this.clients.compute.createServer({ name: `${this.prefix}${name}`, imageRef: this.imageId, flavorRef: this.settings.OPENSTACK_FLAVOR_ID, networks: 'none', metadata });
    return this.waitForServer(String(created.id));
  }

  async createVolume(name: string, fromImage: boolean): Promise<Volume> {
    const volume = await this.clients.volume.createVolume({
      size: 1,
      name: `${this.prefix}${name}`,
      volume_type: this.settings.OPENSTACK_VOLUME_TYPE,
      ...(fromImage ? { imageRef: this.imageId } : {}),
    });
    const settled = await waitFor(`volume ${volume.id} available`, async () => {
      const current = await this.clients.volume.getVolume(volume.id);
      return current.status === 'error' || current.status === 'available' ? current : undefined;
    }, CLOUD_POLL);
    if (settled.status === 'error') throw new Error(`volume ${volume.id} went to error`);
    return settled;
  }

  /** A server booted from a volume made of the test image; `withData`: a second (data) volume attached at boot. */
  async bootFromVolume(name: string, metadata: Record<string, string> = {}, withData = false): Promise<{ server: Server; volume: Volume; data?: Volume }> {
    const volume = await this.createVolume(`${name}-root`, true);
    const data = withData ? await this.createVolume(`${name}-data`, false) : undefined;
    const mapping = (id: string, bootIndex: number) => ({ boot_index: bootIndex, uuid: id, source_type: 'volume', destination_type: 'volume', delete_on_termination: false });
    const created = await this.clients.compute.createServer({
      name: `${this.prefix}${name}`,
      imageRef: '',
      flavorRef: this.settings.OPENSTACK_BFV_FLAVOR_ID,
      networks: 'none',
      metadata,
      block_device_mapping_v2: data ? [mapping(volume.id, 0), mapping(data.id, -1)] : [mapping(volume.id, 0)],
    });
    return { server: await this.waitForServer(String(created.id)), volume, data };
  }

  async servers(): Promise<Server[]> {
    return (await this.clients.compute.listServers()).filter((server) => server.name.startsWith(this.prefix));
  }

  async serverNamed(name: string): Promise<Server[]> {
    return (await this.servers()).filter((server) => server.name === `${this.prefix}${name}`);
  }

  async imagesOf(serverId: string): Promise<Image[]> {
    return this.clients.image.listImages({ filters: { instance_uuid: serverId } });
  }

  async snapshotsOf(volumeId: string): Promise<VolumeSnapshot[]> {
    return (await this.clients.volume.listSnapshots({ volume_id: volumeId })).filter((snapshot) => snapshot.status !== 'deleting');
  }

  /** Deletes this prefix's servers, then images, snapshots and volumes (in that order). */
  async cleanUp(): Promise<void> {
    const ignoreGone = (error: unknown) => {
      if (!(error instanceof OpenStackError && error.status === 404)) throw error;
    };
    // a delete Nova refused (409: the server was busy, e.g. rebuilding) is asked again
    const deleteServers = async () => {
      const servers = await this.servers();
      await Promise.all(servers.map((server) => this.clients.compute.deleteServer(server.id).catch((error: unknown) => error)));
      return servers.length === 0;
    };
    await waitFor('servers deleted', deleteServers, CLEANUP_POLL);
    const images = (await this.clients.image.listImages({ filters: { owner: await this.projectId() } })).filter((image) => String(image.name ?? '').startsWith(this.prefix));
    for (const image of images) {
      if (image.protected) await this.clients.image.updateImage(image.id, { protected: false });
      await this.clients.image.deleteImage(image.id).catch(ignoreGone);
    }
    const snapshots = (await this.clients.volume.listSnapshots()).filter((snapshot) => String(snapshot.name ?? '').startsWith(this.prefix) && snapshot.status !== 'deleting');
    await Promise.all(snapshots.map((snapshot) => this.clients.volume.deleteSnapshot(snapshot.id).catch(ignoreGone)));
    await waitFor('snapshots deleted', async () => !(await this.clients.volume.listSnapshots()).some((snapshot) => String(snapshot.name ?? '').startsWith(this.prefix)), CLEANUP_POLL);
    const volumes = (await this.clients.volume.listVolumes()).filter((volume) => String(volume.name ?? '').startsWith(this.prefix));
    await Promise.all(volumes.map((volume) => this.clients.volume.deleteVolume(volume.id).catch(ignoreGone)));
  }
}

export type { Json };
