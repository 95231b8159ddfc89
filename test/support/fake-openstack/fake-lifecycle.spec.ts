/**
 * The fake cloud's server lifecycle and backup calls answer like Nova and Cinder's REST APIs:
 * suspend / resume / pause / unpause and createBackup server actions, server tags, Cinder's
 * /backups (full, incremental, restore), the os-revert volume action (microversion 3.40) and
 * os-volume_upload_image.
 */
import { startFakeOpenStack, type FakeOpenStack } from './fake-openstack';
import { waitFor } from '../wait-for';

type J = Record<string, any>;

let cloud: FakeOpenStack;
let origin: string;
let token: string;
const NOVA = { 'OpenStack-API-Version': 'compute 2.93' };
const CINDER = { 'OpenStack-API-Version': 'volume 3.70' };
const FAKE_POLL = { timeoutMs: 3000, intervalMs: 5 };

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: J }> {
  const response = await fetch(`${origin}${path}`, {
    method,
    headers: { 'X-Auth-Token': token, ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as J) : {} };
}
const nova = (method: string, path: string, body?: unknown) => call(method, `/compute/v2.1${path}`, body, NOVA);
const cinder = (method: string, path: string, body?: unknown, version = '3.70') =>
  call(method, `/volume/v3/${cloud.projectId('demo')}${path}`, body, { 'OpenStack-API-Version': `volume ${version}` });
const statusOf = (id: string) => waitFor(`server ${id} settled`, async () => {
  const { body } = await nova('GET', `/servers/${id}`);
  return body.server['OS-EXT-STS:task_state'] === null ? String(body.server.status) : undefined;
}, FAKE_POLL);
const backupIn = (id: string, status: string) => waitFor(`backup ${id} ${status}`, async () => {
  const { body } = await cinder('GET', `/backups/${id}`);
  return body.backup?.status === status ? (body.backup as J) : undefined;
}, FAKE_POLL);
const volumeIn = (id: string, status: string) => waitFor(`volume ${id} ${status}`, async () => {
  const { body } = await cinder('GET', `/volumes/${id}`);
  return body.volume?.status === status ? (body.volume as J) : undefined;
}, FAKE_POLL);

beforeAll(async () => {
  cloud = await startFakeOpenStack({ transitionMs: 20 });
  origin = cloud.authUrl.replace(/\/identity\/v3$/, '');
  token = cloud.tokenFor('demo');
});
afterAll(async () => {
  await cloud.close();
});

describe('Nova server lifecycle', () => {
  it('suspends, resumes, pauses and unpauses with 202, refusing a wrong state with 409', async () => {
    const cirros = String(cloud.images().find((image) => image.name === 'cirros-fake')!.id);
    const server = await cloud.createServer('demo', { name: 'life1', imageRef: cirros, tags: ['night'] });
    const id = String(server.id);
    expect(server.tags).toEqual(['night']);
    expect((await nova('GET', '/servers/detail?tags=night')).body.servers.map((item: J) => item.id)).toEqual([id]);
    expect((await nova('GET', '/servers/detail?tags=night,other')).body.servers).toEqual([]);

    expect((await nova('POST', `/servers/${id}/action`, { resume: null })).status).toBe(409);
    for (const [action, status] of [['suspend', 'SUSPENDED'], ['resume', 'ACTIVE'], ['pause', 'PAUSED'], ['unpause', 'ACTIVE']]) {
      expect((await nova('POST', `/servers/${id}/action`, { [action!]: null })).status).toBe(202);
      expect(await statusOf(id)).toBe(status);
    }
    const refused = await nova('POST', `/servers/${id}/action`, { unpause: null });
    expect(refused).toEqual({ status: 409, body: { conflictingRequest: { code: 409, message: `Cannot 'unpause' instance ${id} while it is in vm_state active` } } });
  });

  it('makes backups with createBackup, rotating by backup_type, and refuses a volume-backed server', async () => {
    const cirros = String(cloud.images().find((image) => image.name === 'cirros-fake')!.id);
    const server = await cloud.createServer('demo', { name: 'life2', imageRef: cirros });
    const ids: string[] = [];
    for (const name of ['b1', 'b2', 'b3']) {
      const answer = await nova('POST', `/servers/${String(server.id)}/action`, { createBackup: { name, backup_type: 'daily', rotation: 2 } });
      expect(answer.status).toBe(202);
      ids.push(answer.body.image_id);
      await statusOf(String(server.id));
    }
    const backups = cloud.images('demo').filter((image) => image.instance_uuid === server.id);
    expect(backups.map((image) => [image.id, image.image_type, image.backup_type])).toEqual([
      [ids[1], 'backup', 'daily'],
      [ids[2], 'backup', 'daily'],
    ]);
    const missing = await nova('POST', `/servers/${String(server.id)}/action`, { createBackup: { name: 'x', backup_type: 'daily' } });
    expect(missing.status).toBe(400);
    expect(missing.body.badRequest.message).toContain("'rotation' is a required property");
  });
});

describe('Cinder backups and revert', () => {
  it('backs a volume up (full, then incremental), keeps a needed full backup, restores only into an available volume', async () => {
    const volume = await cloud.createVolume('demo', { size: 1, name: 'data1' });
    const first = await cinder('POST', '/backups', { backup: { volume_id: volume.id, incremental: true } });
    expect(first).toEqual({ status: 400, body: { badRequest: { code: 400, message: 'Invalid backup: No backups available to do an incremental backup.' } } });
    const full = await cinder('POST', '/backups', { backup: { volume_id: volume.id, name: 'full', metadata: { k: 'v' } } });
    expect(full.status).toBe(202);
    expect(Object.keys(full.body.backup).sort()).toEqual(['id', 'links', 'name']);
    expect((await backupIn(full.body.backup.id, 'available')).is_incremental).toBe(false);
    await volumeIn(String(volume.id), 'available');
    const incremental = await cinder('POST', '/backups', { backup: { volume_id: volume.id, name: 'inc', incremental: true } });
    const shown = await backupIn(incremental.body.backup.id, 'available');
    expect(shown).toMatchObject({ is_incremental: true, volume_id: volume.id, metadata: {} });
    expect((await cinder('GET', `/backups/${full.body.backup.id}`)).body.backup).toMatchObject({ has_dependent_backups: true, metadata: { k: 'v' } });
    expect((await cinder('GET', `/backups/detail?volume_id=${String(volume.id)}`)).body.backups.map((item: J) => item.name)).toEqual(['inc', 'full']);
    const refused = await cinder('DELETE', `/backups/${full.body.backup.id}`);
    expect(refused).toEqual({ status: 400, body: { badRequest: { code: 400, message: 'Invalid backup: Incremental backups exist for this backup.' } } });

    await volumeIn(String(volume.id), 'available');
    const restore = await cinder('POST', `/backups/${full.body.backup.id}/restore`, { restore: { volume_id: volume.id } });
    expect(restore).toEqual({ status: 202, body: { restore: { backup_id: full.body.backup.id, volume_id: volume.id, volume_name: 'data1' } } });
    expect((await cinder('GET', `/volumes/${String(volume.id)}`)).body.volume.status).toBe('restoring-backup');
    await volumeIn(String(volume.id), 'available');
    const toNew = await cinder('POST', `/backups/${incremental.body.backup.id}/restore`, { restore: { name: 'copy' } });
    expect(toNew.body.restore.volume_name).toBe('copy');
    await volumeIn(toNew.body.restore.volume_id, 'available');
    expect((await cinder('DELETE', `/backups/${incremental.body.backup.id}`)).status).toBe(202);
  });

  it('reverts an available volume to its latest snapshot at 3.40, not before, and not an attached one', async () => {
    const volume = await cloud.createVolume('demo', { size: 1, name: 'rev1' });
    const snapshot = (await cinder('POST', '/snapshots', { snapshot: { volume_id: volume.id, name: 's1' } })).body.snapshot;
    await waitFor('snapshot available', async () => ((await cinder('GET', `/snapshots/${snapshot.id}`)).body.snapshot.status === 'available' ? true : undefined), FAKE_POLL);
    expect((await cinder('POST', `/volumes/${String(volume.id)}/action`, { revert: { snapshot_id: snapshot.id } }, '3.39')).status).toBe(404);
    expect((await cinder('POST', `/volumes/${String(volume.id)}/action`, { revert: { snapshot_id: snapshot.id } }, '3.40')).status).toBe(202);
    expect((await cinder('GET', `/volumes/${String(volume.id)}`)).body.volume.status).toBe('reverting');
    await volumeIn(String(volume.id), 'available');

    const cirros = String(cloud.images().find((image) => image.name === 'cirros-fake')!.id);
    const root = await cloud.createVolume('demo', { size: 1, name: 'rev-root', imageRef: cirros });
    await cloud.createServer('demo', { name: 'rev-vm', flavorRef: '2', block_device_mapping_v2: [{ boot_index: 0, uuid: root.id, source_type: 'volume', destination_type: 'volume' }] });
    const rootSnapshot = (await cinder('POST', '/snapshots', { snapshot: { volume_id: root.id, force: true } })).body.snapshot;
    await waitFor('snapshot available', async () => ((await cinder('GET', `/snapshots/${rootSnapshot.id}`)).body.snapshot.status === 'available' ? true : undefined), FAKE_POLL);
    const attached = await cinder('POST', `/volumes/${String(root.id)}/action`, { revert: { snapshot_id: rootSnapshot.id } });
    expect(attached).toEqual({
      status: 409,
      body: { conflictingRequest: { code: 409, message: `Invalid volume: Can't revert volume ${String(root.id)} to its latest snapshot ${String(rootSnapshot.id)}. Volume's status must be 'available'.` } },
    });
  });

  it('uploads a volume to a new image (os-volume_upload_image): the volume is uploading, the image becomes active', async () => {
    const volume = await cloud.createVolume('demo', { size: 1, name: 'up1' });
    const upload = await cinder('POST', `/volumes/${String(volume.id)}/action`, { 'os-volume_upload_image': { image_name: 'up1-image', disk_format: 'raw', container_format: 'bare' } });
    expect(upload.status).toBe(202);
    expect(upload.body['os-volume_upload_image']).toMatchObject({ id: volume.id, status: 'uploading', image_name: 'up1-image', disk_format: 'raw', container_format: 'bare' });
    const imageId = String(upload.body['os-volume_upload_image'].image_id);
    await volumeIn(String(volume.id), 'available');
    expect(cloud.images('demo').find((image) => image.id === imageId)).toMatchObject({ name: 'up1-image', status: 'active' });
    const missing = await cinder('POST', `/volumes/${String(volume.id)}/action`, { 'os-volume_upload_image': {} });
    expect(missing.status).toBe(400);
  });
});
