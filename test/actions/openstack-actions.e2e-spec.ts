import { osEnvironment, startFakeOpenStack, type FakeOpenStack } from '../support/fake-openstack/fake-openstack';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * The OpenStack actions as a user runs them (POST /v2/action_executions, noauth mode with the
 * cloud given by OS_* variables) against the in-process fake cloud.
 */
describe('OpenStack actions', () => {
  let cloud: FakeOpenStack;
  let t: TestApp;
  let cirros: string;

  beforeAll(async () => {
    cloud = await startFakeOpenStack({ transitionMs: 10 });
    t = await startTestApp(osEnvironment(cloud));
    cirros = String(cloud.images().find((image) => image.name === 'cirros-fake')!.id);
  });
  afterAll(async () => {
    await t.close();
    await cloud.close();
  });

  /** Runs one action; resolves with its state and parsed output (`{"result": ...}`). */
  const act = async (name: string, input: Record<string, unknown> = {}) => {
    const response = await t.http.post('/v2/action_executions').send({ name, input });
    if (response.status !== 201) throw new Error(`${name}: ${response.status} ${JSON.stringify(response.body)}`);
    return { state: response.body.state as string, stateInfo: response.body.state_info as string | null, result: JSON.parse(response.body.output).result };
  };

  /** Waits until the fake cloud shows the object in `status`, its transition over. */
  const reaches = (list: () => Array<Record<string, unknown>>, id: string, status: string) =>
    waitFor(`${id} ${status}`, () => list().some((item) => item.id === id && item.status === status && !item['OS-EXT-STS:task_state']));

  it('lists every OpenStack action with its Mistral signature', async () => {
    const listed = await t.http.get('/v2/actions').query({ limit: 1000 }).expect(200);
    const byName = new Map<string, string>(listed.body.actions.map((action: { name: string; input: string }) => [action.name, action.input]));
    const expected = [
      'nova.servers_find', 'nova.servers_get', 'nova.servers_list', 'nova.servers_create_image', 'nova.servers_stop', 'nova.servers_start',
      'nova.servers_rebuild', 'nova.servers_create', 'nova.servers_delete', 'nova.flavors_find', 'nova.availability_zones_list',
      'nova.volumes_get_server_volumes', 'nova.volumes_create_server_volume', 'nova.volumes_delete_server_volume',
      'glance.images_list', 'glance.images_get', 'glance.images_delete',
      'cinder.volumes_get', 'cinder.volumes_find', 'cinder.volumes_list', 'cinder.volumes_create', 'cinder.volumes_delete',
      'cinder.volume_snapshots_create', 'cinder.volume_snapshots_get', 'cinder.volume_snapshots_find', 'cinder.volume_snapshots_list', 'cinder.volume_snapshots_delete',
    ];
    for (const name of expected) expect(byName.has(name)).toBe(true);
    expect(byName.get('nova.servers_get')).toBe('server, action_region=""');
    expect(byName.get('nova.servers_find')).toBe('action_region="", **kwargs');
    expect(byName.get('nova.servers_create_image')).toBe('server, image_name, metadata=null, action_region=""');
    expect(byName.get('nova.volumes_create_server_volume')).toBe('server_id, volume_id, device=null, action_region=""');
    expect(byName.get('nova.volumes_delete_server_volume')).toBe('server_id, volume_id, action_region=""');
    expect(byName.get('cinder.volume_snapshots_create')).toBe('volume_id, force=false, name=null, description=null, metadata=null, action_region=""');
    expect(byName.get('cinder.volumes_create')).toContain('size, consistencygroup_id=null, group_id=null, snapshot_id=null');
  });

  it("shows servers, images, volumes and snapshots as the services' JSON", async () => {
    const server = await cloud.createServer('demo', { name: 'act1', imageRef: cirros, flavorRef: '1', metadata: { team: 'ops' } });
    const found = await act('nova.servers_find', { name: 'act1' });
    expect(found.state).toBe('SUCCESS');
    expect(found.result).toMatchObject({ id: server.id, name: 'act1', status: 'ACTIVE', metadata: { team: 'ops' }, flavor: { original_name: 'm1.tiny' } });
    expect((await act('nova.servers_get', { server: server.id })).result.id).toBe(server.id);
    expect((await act('nova.flavors_find', { name: 'm1.small' })).result).toMatchObject({ id: '3', name: 'm1.small' });
    const zones = (await act('nova.availability_zones_list')).result as Array<{ zoneName: string; zoneState: { available: boolean } }>;
    expect(zones.map((zone) => zone.zoneName).sort()).toEqual(['nova', 'zone2']); // detailed needs admin: the plain list
    const images = (await act('glance.images_list', { filters: { name: 'cirros-fake' } })).result as Array<{ id: string; visibility: string }>;
    expect(images).toEqual([expect.objectContaining({ id: cirros, visibility: 'public' })]);

    const volume = (await act('cinder.volumes_create', { size: 1, name: 'act-vol', metadata: { k: 'v' } })).result as { id: string; status: string };
    expect(volume.status).toBe('creating');
    await reaches(() => cloud.volumes(), volume.id, 'available');
    expect((await act('cinder.volumes_find', { name: 'act-vol' })).result).toMatchObject({ id: volume.id, status: 'available', metadata: { k: 'v' } });
    const snapshot = (await act('cinder.volume_snapshots_create', { volume_id: volume.id, name: 'act-snap', metadata: { by: 'test' } })).result as { id: string };
    await reaches(() => cloud.volumeSnapshots(), snapshot.id, 'available');
    const listed = (await act('cinder.volume_snapshots_list', { search_opts: { volume_id: volume.id, metadata: { by: 'test' } } })).result as Array<{ id: string; status: string }>;
    expect(listed).toEqual([expect.objectContaining({ id: snapshot.id, status: 'available' })]);
    expect((await act('cinder.volume_snapshots_delete', { snapshot: snapshot.id })).state).toBe('SUCCESS');
  });

  it('snapshots, stops, starts and rebuilds a server', async () => {
    const server = await cloud.createServer('demo', { name: 'act2', imageRef: cirros, flavorRef: '1' });
    expect((await act('nova.servers_stop', { server: server.id })).result).toBeNull();
    await reaches(() => cloud.servers(), String(server.id), 'SHUTOFF');
    const imageId = (await act('nova.servers_create_image', { server: server.id, image_name: 'act2-snap', metadata: { by: 'sirocco' } })).result as string;
    expect(imageId).toMatch(/^[0-9a-f-]{36}$/);
    await reaches(() => cloud.images(), imageId, 'active');
    await reaches(() => cloud.servers(), String(server.id), 'SHUTOFF'); // the snapshot's task over
    expect((await act('glance.images_get', { image_id: imageId })).result).toMatchObject({ id: imageId, status: 'active', by: 'sirocco', instance_uuid: server.id });
    expect((await act('nova.servers_start', { server: server.id })).state).toBe('SUCCESS');
    await reaches(() => cloud.servers(), String(server.id), 'ACTIVE');
    const rebuilt = (await act('nova.servers_rebuild', { server: server.id, image: imageId })).result as { id: string; status: string; adminPass?: string };
    expect(rebuilt).toMatchObject({ id: server.id, status: 'REBUILD' });
    expect(rebuilt.adminPass).toBeUndefined(); // a secret: never in a result
  });

  it('detaches a data volume from a server and attaches it again on a device', async () => {
    const volume = await cloud.createVolume('demo', { size: 1, name: 'act-data' });
    const server = await cloud.createServer('demo', { name: 'act4', imageRef: cirros, flavorRef: '1' });
    const attached = await act('nova.volumes_create_server_volume', { server_id: server.id, volume_id: volume.id, device: '/dev/vdc' });
    expect(attached.state).toBe('SUCCESS');
    expect(attached.result).toMatchObject({ volumeId: volume.id, serverId: server.id, device: '/dev/vdc' });
    await reaches(() => cloud.volumes(), String(volume.id), 'in-use');
    expect((await act('nova.volumes_get_server_volumes', { server_id: server.id })).result).toEqual([expect.objectContaining({ volumeId: volume.id, device: '/dev/vdc' })]);
    const detached = await act('nova.volumes_delete_server_volume', { server_id: server.id, volume_id: volume.id });
    expect([detached.state, detached.result]).toEqual(['SUCCESS', null]);
    await reaches(() => cloud.volumes(), String(volume.id), 'available');
    expect((await act('nova.volumes_get_server_volumes', { server_id: server.id })).result).toEqual([]);
    const notAttached = await act('nova.volumes_delete_server_volume', { server_id: server.id, volume_id: volume.id });
    expect(notAttached.result).toMatchObject({ status: 404, service: 'Nova' });
    const noVolume = await t.http.post('/v2/action_executions').send({ name: 'nova.volumes_create_server_volume', input: { server_id: server.id } });
    expect(noVolume.status).toBe(400);
    expect(noVolume.body.faultstring).toContain("missing=['volume_id']");
  });

  it("fails with the service's status and message, as the task's result", async () => {
    const missing = await act('nova.servers_get', { server: '00000000-0000-0000-0000-000000000000' });
    expect(missing.state).toBe('ERROR');
    expect(missing.result).toEqual({
      message: 'Nova: HTTP 404 on GET /servers/00000000-0000-0000-0000-000000000000: Instance 00000000-0000-0000-0000-000000000000 could not be found.',
      status: 404,
      service: 'Nova',
      service_message: 'Instance 00000000-0000-0000-0000-000000000000 could not be found.',
      request_id: expect.stringMatching(/^req-/),
    });
    const conflict = await act('nova.servers_start', { server: (await cloud.createServer('demo', { name: 'act3', imageRef: cirros, flavorRef: '1' })).id });
    expect(conflict.result.status).toBe(409);
    expect(conflict.result.service_message).toContain("Cannot 'start' instance");
    const none = await act('nova.servers_find', { name: 'nobody' });
    expect(none.result).toMatchObject({ status: 404, service: 'Nova' });
    expect(none.stateInfo).toContain('No Server matching');
  });

  it('logs in again once when the token is refused, and waits out a 503 with Retry-After', async () => {
    cloud.revokeTokens();
    expect((await act('glance.images_get', { image_id: cirros })).state).toBe('SUCCESS');
    cloud.injectFault({ service: 'image', method: 'GET', path: /^\/v2\/images\//, status: 503, headers: { 'Retry-After': '1' } });
    expect((await act('glance.images_get', { image_id: cirros })).state).toBe('SUCCESS');
    const gets = cloud.requests.filter((request) => request.method === 'GET' && request.path.endsWith(`/v2/images/${cirros}`));
    expect(gets.slice(-2).map((request) => request.status)).toEqual([503, 200]);
  });
});
