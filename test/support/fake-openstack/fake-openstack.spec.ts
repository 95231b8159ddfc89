/**
 * The fake OpenStack cloud answers like the real Zed services (see the samples recorded in
 * /work/shared/reference/openstack): these tests go through HTTP only, as a client would.
 */
import { startFakeOpenStack, type FakeOpenStack } from './fake-openstack';
import { waitFor } from '../wait-for';

type J = Record<string, any>;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: J;
}

let cloud: FakeOpenStack;
let origin: string;

const NOVA = { 'OpenStack-API-Version': 'compute 2.93' };
const CINDER = { 'OpenStack-API-Version': 'volume 3.70' };

async function call(
  method: string,
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; contentType?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['X-Auth-Token'] = options.token;
  let body: string | Buffer | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    body = typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(url.startsWith('http') ? url : `${origin}${url}`, { method, headers, body });
  const text = await response.text();
  let parsed: J = {};
  try {
    parsed = text ? (JSON.parse(text) as J) : {};
  } catch {
    parsed = {};
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

async function login(user: string, password: string, scope: unknown = { project: { name: user === 'sirocco' ? 'service' : user, domain: { id: 'default' } } }): Promise<Answer & { token: string }> {
  const answer = await call('POST', '/identity/v3/auth/tokens', {
    body: { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, ...(scope === undefined ? {} : { scope }) } },
  });
  return { ...answer, token: answer.headers.get('x-subject-token') ?? '' };
}

/** The fake cloud's transitions take milliseconds: look often, give up after 3 s. */
const FAKE_POLL = { timeoutMs: 3000, intervalMs: 5 };

async function serverIn(token: string, id: string, status: string): Promise<J> {
  return waitFor(`server ${id} ${status}`, async () => {
    const { body } = await call('GET', `/compute/v2.1/servers/${id}`, { token, headers: NOVA });
    return body.server?.status === status && body.server['OS-EXT-STS:task_state'] === null ? (body.server as J) : undefined;
  }, FAKE_POLL);
}

async function imageIn(token: string, id: string, status: string): Promise<J> {
  return waitFor(`image ${id} ${status}`, async () => {
    const { body } = await call('GET', `/image/v2/images/${id}`, { token });
    return body.status === status ? body : undefined;
  }, FAKE_POLL);
}

function volumeUrl(project: string, path: string): string {
  return `/volume/v3/${cloud.projectId(project)}${path}`;
}

async function volumeIn(token: string, project: string, id: string, status: string): Promise<J> {
  return waitFor(`volume ${id} ${status}`, async () => {
    const { body } = await call('GET', volumeUrl(project, `/volumes/${id}`), { token, headers: CINDER });
    return body.volume?.status === status ? (body.volume as J) : undefined;
  }, FAKE_POLL);
}

async function snapshotIn(token: string, project: string, id: string, status: string): Promise<J> {
  return waitFor(`snapshot ${id} ${status}`, async () => {
    const { body } = await call('GET', volumeUrl(project, `/snapshots/${id}`), { token, headers: CINDER });
    return body.snapshot?.status === status ? (body.snapshot as J) : undefined;
  }, FAKE_POLL);
}

async function boot(token: string, server: J, headers: Record<string, string> = NOVA): Promise<Answer> {
  return call('POST', '/compute/v2.1/servers', { token, headers, body: { server } });
}

function cirrosId(): string {
  return cloud.images().find((image) => image.name === 'cirros-fake')!.id as string;
}

beforeAll(async () => {
  cloud = await startFakeOpenStack({ transitionMs: 250 });
  origin = cloud.authUrl.replace(/\/identity\/v3$/, '');
});

afterAll(async () => {
  await cloud.close();
});

describe('Keystone', () => {
  it('issues a project-scoped token with the X-Subject-Token header and a full catalog', async () => {
    const answer = await login('demo', 'demo-pass');
    expect(answer.status).toBe(201);
    expect(answer.token).toMatch(/^gAAAAAB/);
    const token = answer.body.token;
    expect(token.methods).toEqual(['password']);
    expect(token.user).toEqual({ domain: { id: 'default', name: 'Default' }, id: cloud.userId('demo'), name: 'demo', password_expires_at: null });
    expect(token.project).toEqual({ domain: { id: 'default', name: 'Default' }, id: cloud.projectId('demo'), name: 'demo' });
    expect(token.is_domain).toBe(false);
    expect(token.roles.map((role: J) => role.name)).toEqual(['member', 'reader']);
    expect(token.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$/);
    expect(Date.parse(token.expires_at) - Date.parse(token.issued_at)).toBe(3600_000);
    expect(token.audit_ids).toHaveLength(1);

    const types = token.catalog.map((entry: J) => entry.type);
    expect(types).toEqual(expect.arrayContaining(['identity', 'compute', 'image', 'volumev3', 'block-storage']));
    for (const entry of token.catalog as J[]) {
      expect(entry.endpoints.map((endpoint: J) => endpoint.interface).sort()).toEqual(['admin', 'internal', 'public']);
      for (const endpoint of entry.endpoints as J[]) {
        expect(endpoint).toMatchObject({ region_id: 'RegionOne', region: 'RegionOne' });
        expect(endpoint.id).toMatch(/^[0-9a-f]{32}$/);
      }
    }
    const url = (type: string) => token.catalog.find((entry: J) => entry.type === type).endpoints[0].url;
    expect(url('compute')).toBe(`${origin}/compute/v2.1`);
    expect(url('image')).toBe(`${origin}/image`);
    expect(url('identity')).toBe(cloud.authUrl);
    expect(url('volumev3')).toBe(`${origin}/volume/v3/${cloud.projectId('demo')}`);
    expect(url('block-storage')).toBe(`${origin}/volume/v3/${cloud.projectId('demo')}`);
  });

  it('refuses a wrong password with 401 and scopes to the default project, or not at all when asked', async () => {
    const wrong = await login('demo', 'nope');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Keystone uri=/);

    const defaultScope = await login('sirocco', 'sirocco-pass', undefined);
    expect(defaultScope.status).toBe(201);
    expect(defaultScope.body.token.project.name).toBe('service');
    expect(defaultScope.body.token.roles.map((role: J) => role.name).sort()).toEqual(['admin', 'member', 'reader', 'service']);

    const unscoped = await login('demo', 'demo-pass', 'unscoped');
    expect(unscoped.status).toBe(201);
    expect(unscoped.body.token.project).toBeUndefined();
    expect(unscoped.body.token.catalog).toBeUndefined();

    const byId = await login('demo', 'demo-pass', { project: { id: cloud.projectId('demo') } });
    expect(byId.status).toBe(201);
    const notMine = await login('demo', 'demo-pass', { project: { name: 'alt', domain: { name: 'Default' } } });
    expect(notMine.status).toBe(401);
  });

  it('validates tokens: 200 with the same body, 404 for an unknown subject, 401 for a bad caller', async () => {
    const service = await login('sirocco', 'sirocco-pass');
    const demo = await login('demo', 'demo-pass');
    const valid = await call('GET', '/identity/v3/auth/tokens', { token: service.token, headers: { 'X-Subject-Token': demo.token } });
    expect(valid.status).toBe(200);
    expect(valid.body.token.user.name).toBe('demo');
    expect(valid.body.token.expires_at).toBe(demo.body.token.expires_at);
    const unknown = await call('GET', '/identity/v3/auth/tokens', { token: service.token, headers: { 'X-Subject-Token': 'garbage' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 404, title: 'Not Found' });
    const badCaller = await call('GET', `/identity/v3/projects/${cloud.projectId('demo')}`, { token: 'garbage' });
    expect(badCaller.status).toBe(401);
    const project = await call('GET', `/identity/v3/projects/${cloud.projectId('demo')}`, { token: demo.token });
    expect(project.body.project).toMatchObject({ id: cloud.projectId('demo'), name: 'demo', domain_id: 'default', enabled: true });
  });

  it('lets a trustee act as the trustor with a trust-scoped token, until the trust is deleted', async () => {
    const demo = await login('demo', 'demo-pass');
    const trustRequest = (roles: string[]) => ({
      trust: {
        trustor_user_id: cloud.userId('demo'),
        trustee_user_id: cloud.userId('sirocco'),
        project_id: cloud.projectId('demo'),
        roles: roles.map((name) => ({ name })),
        impersonation: true,
        allow_redelegation: false,
        expires_at: null,
      },
    });
    const notHeld = await call('POST', '/identity/v3/OS-TRUST/trusts', { token: demo.token, body: trustRequest(['admin']) });
    expect(notHeld.status).toBe(404);
    expect(notHeld.body.error.message).toMatch(/^Could not find role: [0-9a-f]{32}\.$/);

    const created = await call('POST', '/identity/v3/OS-TRUST/trusts', { token: demo.token, body: trustRequest(['member']) });
    expect(created.status).toBe(201);
    const trust = created.body.trust;
    expect(trust).toMatchObject({ impersonation: true, remaining_uses: null, deleted_at: null, redelegation_count: 0, expires_at: null });
    expect(trust.roles).toEqual([expect.objectContaining({ name: 'member', domain_id: null, options: { immutable: true } })]);
    expect(trust.roles_links.self).toBe(`${cloud.authUrl}/${trust.id}/roles`);

    const trustToken = await login('sirocco', 'sirocco-pass', { 'OS-TRUST:trust': { id: trust.id } });
    expect(trustToken.status).toBe(201);
    const token = trustToken.body.token;
    expect(token.user.name).toBe('demo');
    expect(token.project.name).toBe('demo');
    expect(token.is_domain).toBeUndefined();
    expect(token.roles.map((role: J) => role.name)).toEqual(['member', 'reader']);
    expect(token['OS-TRUST:trust']).toEqual({
      id: trust.id,
      trustor_user: { id: cloud.userId('demo') },
      trustee_user: { id: cloud.userId('sirocco') },
      impersonation: true,
    });

    // the trust token works on other services as the trustor
    const server = await cloud.createServer('demo', { name: 'trusted', metadata: { owner: 'demo' } });
    const snapshot = await call('POST', `/compute/v2.1/servers/${server.id}/action`, { token: trustToken.token, headers: NOVA, body: { createImage: { name: 'by-trust' } } });
    expect(snapshot.status).toBe(202);
    const image = await imageIn(trustToken.token, snapshot.body.image_id, 'active');
    expect(image.owner).toBe(cloud.projectId('demo'));
    expect(image.user_id).toBe(cloud.userId('demo'));
    const logged = cloud.requests.filter((request) => request.path.endsWith(`/servers/${server.id}/action`));
    expect(logged[logged.length - 1]).toMatchObject({ method: 'POST', service: 'compute', status: 202, user: 'demo', project: 'demo' });

    // what a trust token may not do
    const again = await call('POST', '/identity/v3/OS-TRUST/trusts', { token: trustToken.token, body: trustRequest(['member']) });
    expect(again.status).toBe(403);
    const rescope = await call('POST', '/identity/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['token'], token: { id: trustToken.token } }, scope: { project: { id: cloud.projectId('demo') } } } },
    });
    expect(rescope.status).toBe(403);
    expect(rescope.body.error.message).toContain('Using trust-scoped token to create another token');
    const byTrustor = await login('demo', 'demo-pass', { 'OS-TRUST:trust': { id: trust.id } });
    expect(byTrustor.status).toBe(403);

    // the token method gives a trust token too, with the parent's expiry
    const unscoped = await login('sirocco', 'sirocco-pass', 'unscoped');
    const viaToken = await call('POST', '/identity/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['token'], token: { id: unscoped.token } }, scope: { 'OS-TRUST:trust': { id: trust.id } } } },
    });
    expect(viaToken.status).toBe(201);
    expect(viaToken.body.token.methods).toEqual(['password', 'token']);
    expect(viaToken.body.token.expires_at).toBe(unscoped.body.token.expires_at);

    const listed = await call('GET', `/identity/v3/OS-TRUST/trusts?trustee_user_id=${cloud.userId('sirocco')}`, { token: (await login('sirocco', 'sirocco-pass')).token });
    expect(listed.body.trusts.map((item: J) => item.id)).toContain(trust.id);
    const deleted = await call('DELETE', `/identity/v3/OS-TRUST/trusts/${trust.id}`, { token: demo.token });
    expect(deleted.status).toBe(204);
    expect((await login('sirocco', 'sirocco-pass', { 'OS-TRUST:trust': { id: trust.id } })).status).toBe(401);
    const gone = await call('GET', `/identity/v3/OS-TRUST/trusts/${trust.id}`, { token: demo.token });
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toBe(`Could not find trust: ${trust.id}.`);
  });
});

describe('Nova', () => {
  let token: string;
  beforeAll(async () => {
    token = (await login('demo', 'demo-pass')).token;
  });

  it('checks microversions and the body at boot like Nova 2.93', async () => {
    const noNetworks = await boot(token, { name: 'x', imageRef: cirrosId(), flavorRef: '1' });
    expect(noNetworks.status).toBe(400);
    expect(noNetworks.body.badRequest.code).toBe(400);
    expect(noNetworks.body.badRequest.message).toBe(
      `Invalid input for field/attribute server. Value: {'name': 'x', 'imageRef': '${cirrosId()}', 'flavorRef': '1'}. 'networks' is a required property`,
    );
    expect(noNetworks.headers.get('openstack-api-version')).toBe('compute 2.93');
    expect(noNetworks.headers.get('x-openstack-nova-api-version')).toBe('2.93');

    const tooNew = await boot(token, { name: 'x' }, { 'OpenStack-API-Version': 'compute 2.94' });
    expect(tooNew.status).toBe(406);
    expect(tooNew.body.computeFault.message).toBe('Version 2.94 is not supported by the API. Minimum is 2.1 and maximum is 2.93.');

    const badImage = await boot(token, { name: 'x', imageRef: '00000000-0000-0000-0000-000000000000', flavorRef: '1', networks: 'none' });
    expect(badImage.body).toEqual({ badRequest: { code: 400, message: 'Can not find requested image' } });
    const badFlavor = await boot(token, { name: 'x', imageRef: cirrosId(), flavorRef: '42', networks: 'none' });
    expect(badFlavor.status).toBe(400);
    const badZone = await boot(token, { name: 'x', imageRef: cirrosId(), flavorRef: '1', networks: 'none', availability_zone: 'nowhere' });
    expect(badZone.body).toEqual({ badRequest: { code: 400, message: 'The requested availability zone is not available' } });

    const legacy = await call('GET', '/compute/v2.1/flavors/1', { token, headers: { 'X-OpenStack-Nova-API-Version': '2.36' } });
    expect(legacy.headers.get('openstack-api-version')).toBe('compute 2.36');
    expect(legacy.body.flavor.swap).toBe('');
    expect(legacy.body.flavor.extra_specs).toBeUndefined();
  });

  it('runs a server through BUILD, stop/start, createImage, rebuild and delete', async () => {
    const created = await boot(token, {
      name: 'srv1',
      imageRef: cirrosId(),
      flavorRef: '1',
      networks: 'none',
      availability_zone: 'zone2',
      metadata: { owner: 'demo', backup: 'nightly' },
    });
    expect(created.status).toBe(202);
    const id = created.body.server.id as string;
    expect(Object.keys(created.body.server).sort()).toEqual(['OS-DCF:diskConfig', 'adminPass', 'id', 'links', 'security_groups']);
    expect(created.headers.get('location')).toBe(`${origin}/compute/v2.1/servers/${id}`);
    expect(created.body.server.links[1]).toEqual({ rel: 'bookmark', href: `${origin}/compute/servers/${id}` });

    const building = await call('GET', `/compute/v2.1/servers/${id}`, { token, headers: NOVA });
    expect(building.body.server.status).toBe('BUILD');
    expect(building.body.server['OS-EXT-STS:vm_state']).toBe('building');

    const active = await serverIn(token, id, 'ACTIVE');
    expect(active).toMatchObject({
      name: 'srv1',
      tenant_id: cloud.projectId('demo'),
      user_id: cloud.userId('demo'),
      metadata: { owner: 'demo', backup: 'nightly' },
      image: { id: cirrosId(), links: [{ rel: 'bookmark', href: `${origin}/compute/images/${cirrosId()}` }] },
      flavor: { vcpus: 1, ram: 64, disk: 1, ephemeral: 0, swap: 0, original_name: 'm1.tiny', extra_specs: {} },
      'OS-EXT-AZ:availability_zone': 'zone2',
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:power_state': 1,
      'os-extended-volumes:volumes_attached': [],
      progress: 0,
      locked: false,
      server_groups: [],
      'OS-EXT-SRV-ATTR:hostname': 'srv1',
    });
    expect(active.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(active.hostId).toMatch(/^[0-9a-f]{56}$/);

    const old = await call('GET', `/compute/v2.1/servers/${id}`, { token, headers: { 'OpenStack-API-Version': 'compute 2.46' } });
    expect(old.body.server.flavor).toEqual({ id: '1', links: [{ rel: 'bookmark', href: `${origin}/compute/flavors/1` }] });
    expect(old.body.server.server_groups).toBeUndefined();

    const startActive = await call('POST', `/compute/v2.1/servers/${id}/action`, { token, headers: NOVA, body: { 'os-start': null } });
    expect(startActive.status).toBe(409);
    expect(startActive.body).toEqual({ conflictingRequest: { code: 409, message: `Cannot 'start' instance ${id} while it is in vm_state active` } });

    expect((await call('POST', `/compute/v2.1/servers/${id}/action`, { token, headers: NOVA, body: { 'os-stop': null } })).status).toBe(202);
    const stopped = await serverIn(token, id, 'SHUTOFF');
    expect(stopped['OS-EXT-STS:power_state']).toBe(4);
    expect(stopped.progress).toBeUndefined();
    const stopAgain = await call('POST', `/compute/v2.1/servers/${id}/action`, { token, headers: NOVA, body: { 'os-stop': null } });
    expect(stopAgain.body.conflictingRequest.message).toBe(`Cannot 'stop' instance ${id} while it is in vm_state stopped`);

    const snap = await call('POST', `/compute/v2.1/servers/${id}/action`, {
      token,
      headers: NOVA,
      body: { createImage: { name: 'srv1-snap-1', metadata: { cron_trigger: 'nightly', snapshot_seq: '1' } } },
    });
    expect(snap.status).toBe(202);
    const imageId = snap.body.image_id as string;
    const during = await call('GET', `/compute/v2.1/servers/${id}`, { token, headers: NOVA });
    expect(during.body.server['OS-EXT-STS:task_state']).toBe('image_uploading');
    const second = await call('POST', `/compute/v2.1/servers/${id}/action`, { token, headers: NOVA, body: { createImage: { name: 'srv1-snap-x' } } });
    expect(second.body).toEqual({ conflictingRequest: { code: 409, message: `Cannot 'createImage' instance ${id} while it is in task_state image_uploading` } });

    const queued = await call('GET', `/image/v2/images/${imageId}`, { token });
    expect(queued.body).toMatchObject({ status: 'queued', size: null, disk_format: null, visibility: 'private', owner: cloud.projectId('demo') });
    const image = await imageIn(token, imageId, 'active');
    expect(image).toMatchObject({
      name: 'srv1-snap-1',
      image_type: 'snapshot',
      instance_uuid: id,
      base_image_ref: cirrosId(),
      user_id: cloud.userId('demo'),
      owner_user_name: 'demo',
      owner_project_name: 'demo',
      boot_roles: 'member,reader',
      cron_trigger: 'nightly',
      snapshot_seq: '1',
      min_disk: 1,
      disk_format: 'raw',
      container_format: 'bare',
      os_hash_algo: 'sha512',
      stores: 'file',
    });
    expect(image.size).toBeGreaterThan(0);
    expect(image.checksum).toMatch(/^[0-9a-f]{32}$/);
    await serverIn(token, id, 'SHUTOFF');

    expect((await call('POST', `/compute/v2.1/servers/${id}/action`, { token, headers: NOVA, body: { 'os-start': null } })).status).toBe(202);
    await serverIn(token, id, 'ACTIVE');

    const rebuild = await call('POST', `/compute/v2.1/servers/${id}/action`, { token, headers: NOVA, body: { rebuild: { imageRef: imageId } } });
    expect(rebuild.status).toBe(202);
    expect(rebuild.body.server).toMatchObject({ status: 'REBUILD', image: { id: imageId }, user_data: null });
    expect(rebuild.body.server.adminPass).toEqual(expect.any(String));
    const rebuilt = await serverIn(token, id, 'ACTIVE');
    expect(rebuilt.image.id).toBe(imageId);

    const byName = await call('GET', '/compute/v2.1/servers/detail?name=srv', { token, headers: NOVA });
    expect(byName.body.servers.map((server: J) => server.id)).toContain(id);
    expect(byName.body.servers[0].server_groups).toBeUndefined();
    const allTenants = await call('GET', '/compute/v2.1/servers/detail?all_tenants=1', { token, headers: NOVA });
    expect(allTenants.status).toBe(403);
    const alt = (await login('alt', 'alt-pass')).token;
    expect((await call('GET', `/compute/v2.1/servers/${id}`, { token: alt, headers: NOVA })).status).toBe(404);

    expect((await call('DELETE', `/compute/v2.1/servers/${id}`, { token, headers: NOVA })).status).toBe(204);
    const gone = await waitFor('server gone', async () => {
      const answer = await call('GET', `/compute/v2.1/servers/${id}`, { token, headers: NOVA });
      return answer.status === 404 ? answer : undefined;
    }, FAKE_POLL);
    expect(gone.body).toEqual({ itemNotFound: { code: 404, message: `Instance ${id} could not be found.` } });
  });

  it('lists flavors and availability zones', async () => {
    const flavors = await call('GET', '/compute/v2.1/flavors/detail', { token, headers: NOVA });
    expect(flavors.body.flavors.map((flavor: J) => [flavor.id, flavor.name, flavor.disk])).toEqual([
      ['1', 'm1.tiny', 1],
      ['2', 'm1.bfv', 0],
      ['3', 'm1.small', 1],
    ]);
    expect(flavors.body.flavors[2]).toMatchObject({ ram: 128, 'os-flavor-access:is_public': true, description: null, extra_specs: {} });
    const missing = await call('GET', '/compute/v2.1/flavors/99', { token, headers: NOVA });
    expect(missing.body).toEqual({ itemNotFound: { code: 404, message: 'Flavor 99 could not be found.' } });
    const zones = await call('GET', '/compute/v2.1/os-availability-zone', { token, headers: NOVA });
    expect(zones.body.availabilityZoneInfo).toEqual([
      { zoneName: 'nova', zoneState: { available: true }, hosts: null },
      { zoneName: 'zone2', zoneState: { available: true }, hosts: null },
    ]);
    expect((await call('GET', '/compute/v2.1/os-availability-zone/detail', { token, headers: NOVA })).status).toBe(403);
    const admin = (await login('admin', 'admin-pass')).token;
    const detail = await call('GET', '/compute/v2.1/os-availability-zone/detail', { token: admin, headers: NOVA });
    expect(detail.body.availabilityZoneInfo.map((zone: J) => zone.zoneName)).toEqual(['internal', 'nova', 'zone2']);
  });
});

describe('boot from volume and Cinder', () => {
  it('boots from a volume, snapshots it (Cinder and Nova), restores a volume and cleans up', async () => {
    const token = (await login('demo', 'demo-pass')).token;
    const created = await call('POST', volumeUrl('demo', '/volumes'), { token, headers: CINDER, body: { volume: { size: 2, name: 'vol1', volume_type: 'fake', metadata: { owner: 'demo' } } } });
    expect(created.status).toBe(202);
    expect(created.headers.get('openstack-api-version')).toBe('volume 3.70');
    expect(created.body.volume).toMatchObject({ status: 'creating', updated_at: null, bootable: 'false', volume_type: 'fake', attachments: [], shared_targets: true, service_uuid: null });
    const volumeId = created.body.volume.id as string;
    const available = await volumeIn(token, 'demo', volumeId, 'available');
    expect(available['os-vol-tenant-attr:tenant_id']).toBe(cloud.projectId('demo'));
    expect(available.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const bootable = await call('POST', volumeUrl('demo', `/volumes/${volumeId}/action`), { token, headers: CINDER, body: { 'os-set_bootable': { bootable: true } } });
    expect(bootable.status).toBe(200);

    const booted = await boot(token, {
      name: 'bfv1',
      flavorRef: '2',
      networks: 'none',
      metadata: { kind: 'bfv' },
      block_device_mapping_v2: [{ boot_index: 0, uuid: volumeId, source_type: 'volume', destination_type: 'volume', delete_on_termination: false }],
    });
    expect(booted.status).toBe(202);
    const serverId = booted.body.server.id as string;
    const server = await serverIn(token, serverId, 'ACTIVE');
    expect(server.image).toBe('');
    expect(server['os-extended-volumes:volumes_attached']).toEqual([{ id: volumeId, delete_on_termination: false }]);
    const attachments = await call('GET', `/compute/v2.1/servers/${serverId}/os-volume_attachments`, { token, headers: NOVA });
    expect(attachments.body.volumeAttachments).toEqual([
      expect.objectContaining({ volumeId, serverId, device: '/dev/vda', tag: null, delete_on_termination: false, attachment_id: expect.any(String), bdm_uuid: expect.any(String) }),
    ]);
    const inUse = await volumeIn(token, 'demo', volumeId, 'in-use');
    expect(inUse.bootable).toBe('true');
    expect(inUse.attachments).toEqual([expect.objectContaining({ id: volumeId, volume_id: volumeId, server_id: serverId, device: '/dev/vda', host_name: null })]);

    const noForce = await call('POST', volumeUrl('demo', '/snapshots'), { token, headers: { 'OpenStack-API-Version': 'volume 3.0' }, body: { snapshot: { volume_id: volumeId, name: 'bfv1-snap-0' } } });
    expect(noForce.status).toBe(400);
    expect(noForce.body).toEqual({ badRequest: { code: 400, message: `Invalid volume: Volume ${volumeId} status must be available, but current status is: in-use.` } });
    expect(noForce.headers.get('openstack-api-version')).toBe('volume 3.0');

    const snap = await call('POST', volumeUrl('demo', '/snapshots'), {
      token,
      headers: CINDER,
      body: { snapshot: { volume_id: volumeId, name: 'bfv1-snap-1', description: 'cron trigger nightly', force: true, metadata: { cron_trigger: 'nightly', instance_uuid: serverId } } },
    });
    expect(snap.status).toBe(202);
    expect(snap.body.snapshot).toMatchObject({ status: 'creating', size: 2, updated_at: null, group_snapshot_id: null, user_id: cloud.userId('demo'), consumes_quota: true });
    const snapshotId = snap.body.snapshot.id as string;
    const ready = await snapshotIn(token, 'demo', snapshotId, 'available');
    expect(ready['os-extended-snapshot-attributes:progress']).toBe('100%');
    expect(ready['os-extended-snapshot-attributes:project_id']).toBe(cloud.projectId('demo'));

    const other = await call('POST', volumeUrl('demo', '/snapshots'), { token, headers: CINDER, body: { snapshot: { volume_id: volumeId, name: 'bfv1-snap-2', force: true } } });
    await snapshotIn(token, 'demo', other.body.snapshot.id, 'available');
    const byMetadata = await call('GET', volumeUrl('demo', `/snapshots/detail?metadata=${encodeURIComponent(JSON.stringify({ cron_trigger: 'nightly' }))}`), { token, headers: CINDER });
    expect(byMetadata.body.snapshots.map((item: J) => item.id)).toEqual([snapshotId]);
    const ofVolume = await call('GET', volumeUrl('demo', `/snapshots/detail?volume_id=${volumeId}&sort=created_at:asc`), { token, headers: CINDER });
    expect(ofVolume.body.snapshots.map((item: J) => item.name)).toEqual(['bfv1-snap-1', 'bfv1-snap-2']);

    const tooSmall = await call('POST', volumeUrl('demo', '/volumes'), { token, headers: CINDER, body: { volume: { snapshot_id: snapshotId, size: 1 } } });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.badRequest.message).toContain('cannot be smaller than the snapshot size 2GB');
    const zero = await call('POST', volumeUrl('demo', '/volumes'), { token, headers: CINDER, body: { volume: { snapshot_id: snapshotId, size: 0 } } });
    expect(zero.body.badRequest.message).toBe('Invalid input for field/attribute size. Value: 0. 0 is less than the minimum of 1');
    const restore = await call('POST', volumeUrl('demo', '/volumes'), { token, headers: CINDER, body: { volume: { snapshot_id: snapshotId, name: 'bfv1-restore', size: 2 } } });
    expect(restore.status).toBe(202);
    const restored = await volumeIn(token, 'demo', restore.body.volume.id, 'available');
    expect(restored).toMatchObject({ snapshot_id: snapshotId, bootable: 'true', volume_type: 'fake' });

    const cannotDelete =
      'Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.';
    const withSnapshots = await call('DELETE', volumeUrl('demo', `/volumes/${volumeId}`), { token, headers: CINDER });
    expect(withSnapshots.body).toEqual({ badRequest: { code: 400, message: cannotDelete } });

    // createImage of a volume-backed server: a Cinder snapshot plus an active image of size 0
    const nova = await call('POST', `/compute/v2.1/servers/${serverId}/action`, { token, headers: NOVA, body: { createImage: { name: 'bfv1-image-snap', metadata: { kind: 'bfv' } } } });
    expect(nova.status).toBe(202);
    const bfvImage = (await call('GET', `/image/v2/images/${nova.body.image_id}`, { token })).body;
    expect(bfvImage).toMatchObject({ status: 'active', size: 0, virtual_size: null, bdm_v2: 'True', root_device_name: '/dev/vda', base_image_ref: '', kind: 'bfv' });
    expect(bfvImage.checksum).toBe('d41d8cd98f00b204e9800998ecf8427e');
    const mapping = JSON.parse(bfvImage.block_device_mapping as string) as J[];
    expect(mapping[0]).toMatchObject({ source_type: 'snapshot', destination_type: 'volume', boot_index: 0, volume_size: 2, device_name: '/dev/vda' });
    expect(bfvImage.block_device_mapping).toContain('"source_type": "snapshot"');
    const novaSnapshot = await snapshotIn(token, 'demo', mapping[0]!.snapshot_id, 'available');
    expect(novaSnapshot).toMatchObject({ name: 'snapshot for bfv1-image-snap', volume_id: volumeId, metadata: {} });

    const otherImage = await cloud.createImage('demo', { name: 'other-image' });
    const bfvRebuild = await call('POST', `/compute/v2.1/servers/${serverId}/action`, {
      token,
      headers: { 'OpenStack-API-Version': 'compute 2.92' },
      body: { rebuild: { imageRef: otherImage.id } },
    });
    expect(bfvRebuild.body).toEqual({
      badRequest: { code: 400, message: `Image ${String(otherImage.id)} is unacceptable: Unable to rebuild with a different image for a volume-backed server.` },
    });

    // a clone booted from the restored volume, deleted with it
    const clone = await boot(token, {
      name: 'bfv1-clone',
      flavorRef: '2',
      networks: 'none',
      block_device_mapping_v2: [{ boot_index: 0, uuid: restored.id, source_type: 'volume', destination_type: 'volume', delete_on_termination: true }],
    });
    await serverIn(token, clone.body.server.id, 'ACTIVE');
    const inUseDelete = await call('DELETE', volumeUrl('demo', `/volumes/${restored.id}`), { token, headers: CINDER });
    expect(inUseDelete.body).toEqual({ badRequest: { code: 400, message: cannotDelete } });
    expect((await call('DELETE', `/compute/v2.1/servers/${clone.body.server.id}`, { token, headers: NOVA })).status).toBe(204);
    await waitFor('clone volume deleted', async () => (await call('GET', volumeUrl('demo', `/volumes/${restored.id}`), { token, headers: CINDER })).status === 404, FAKE_POLL);

    expect((await call('DELETE', `/compute/v2.1/servers/${serverId}`, { token, headers: NOVA })).status).toBe(204);
    const detached = await volumeIn(token, 'demo', volumeId, 'available');
    expect(detached.attachments).toEqual([]);

    const deleted = await call('DELETE', volumeUrl('demo', `/snapshots/${snapshotId}`), { token, headers: CINDER });
    expect(deleted.status).toBe(202);
    expect((await call('GET', volumeUrl('demo', `/snapshots/${snapshotId}`), { token, headers: CINDER })).body.snapshot.status).toBe('deleting');
    const gone = await waitFor('snapshot gone', async () => {
      const answer = await call('GET', volumeUrl('demo', `/snapshots/${snapshotId}`), { token, headers: CINDER });
      return answer.status === 404 ? answer : undefined;
    }, FAKE_POLL);
    expect(gone.body).toEqual({ itemNotFound: { code: 404, message: `Snapshot ${snapshotId} could not be found.` } });
    const missing = await call('GET', volumeUrl('demo', '/volumes/00000000-0000-0000-0000-000000000000'), { token, headers: CINDER });
    expect(missing.body).toEqual({ itemNotFound: { code: 404, message: 'Volume 00000000-0000-0000-0000-000000000000 could not be found.' } });

    const types = await call('GET', volumeUrl('demo', '/types'), { token, headers: CINDER });
    expect(types.body.volume_types.map((type: J) => type.name)).toEqual(['fake', 'fast']);
  });

  it('detaches and attaches a data volume like Nova (detaching then available, attaching then in-use) and refuses the root volume', async () => {
    const token = (await login('demo', 'demo-pass')).token;
    const newVolume = async (name: string) => {
      const created = await call('POST', volumeUrl('demo', '/volumes'), { token, headers: CINDER, body: { volume: { size: 1, name } } });
      return (await volumeIn(token, 'demo', created.body.volume.id as string, 'available')).id as string;
    };
    const root = await newVolume('att-root');
    const data = await newVolume('att-data');
    const mapping = (uuid: string, bootIndex: number) => ({ boot_index: bootIndex, uuid, source_type: 'volume', destination_type: 'volume', delete_on_termination: false });
    const booted = await boot(token, { name: 'att1', flavorRef: '2', networks: 'none', block_device_mapping_v2: [mapping(root, 0), mapping(data, -1)] });
    const serverId = booted.body.server.id as string;
    await serverIn(token, serverId, 'ACTIVE');
    const attachments = `/compute/v2.1/servers/${serverId}/os-volume_attachments`;

    const rootDetach = await call('DELETE', `${attachments}/${root}`, { token, headers: NOVA });
    expect([rootDetach.status, rootDetach.body]).toEqual([400, { badRequest: { code: 400, message: 'Cannot detach a root device volume' } }]);
    const detached = await call('DELETE', `${attachments}/${data}`, { token, headers: NOVA });
    expect([detached.status, detached.text]).toEqual([202, '']);
    const { body: detaching } = await call('GET', volumeUrl('demo', `/volumes/${data}`), { token, headers: CINDER });
    expect(detaching.volume.status).toBe('detaching');
    expect((await volumeIn(token, 'demo', data, 'available')).attachments).toEqual([]);
    expect((await call('GET', attachments, { token, headers: NOVA })).body.volumeAttachments.map((item: J) => item.volumeId)).toEqual([root]);
    expect((await call('DELETE', `${attachments}/${data}`, { token, headers: NOVA })).status).toBe(404);

    const noVolumeId = await call('POST', attachments, { token, headers: NOVA, body: { volumeAttachment: { device: '/dev/vdb' } } });
    expect(noVolumeId.status).toBe(400);
    expect(noVolumeId.body.badRequest.message).toContain("'volumeId' is a required property");
    const attached = await call('POST', attachments, { token, headers: NOVA, body: { volumeAttachment: { volumeId: data, device: '/dev/vdb' } } });
    expect(attached.status).toBe(200);
    expect(attached.body.volumeAttachment).toMatchObject({ volumeId: data, serverId, device: '/dev/vdb' });
    const { body: attaching } = await call('GET', volumeUrl('demo', `/volumes/${data}`), { token, headers: CINDER });
    expect(attaching.volume.status).toBe('attaching');
    expect((await volumeIn(token, 'demo', data, 'in-use')).attachments).toEqual([expect.objectContaining({ server_id: serverId, device: '/dev/vdb' })]);
    const again = await call('POST', attachments, { token, headers: NOVA, body: { volumeAttachment: { volumeId: data } } });
    expect(again.status).toBe(400);
    expect((await call('DELETE', `/compute/v2.1/servers/${serverId}`, { token, headers: NOVA })).status).toBe(204);
  });

  it('ends a snapshot in error when asked to', async () => {
    const volume = await cloud.createVolume('alt', { size: 1, name: 'alt-vol' });
    const token = (await login('alt', 'alt-pass')).token;
    cloud.failNextSnapshot('volume');
    const snap = await call('POST', volumeUrl('alt', '/snapshots'), { token, headers: CINDER, body: { snapshot: { volume_id: volume.id, name: 'doomed' } } });
    expect(snap.status).toBe(202);
    await snapshotIn(token, 'alt', snap.body.snapshot.id, 'error');
    const foreign = await call('GET', volumeUrl('demo', '/volumes/detail'), { token, headers: CINDER });
    expect(foreign.status).toBe(400);
  });
});

describe('Glance', () => {
  let token: string;
  beforeAll(async () => {
    token = (await login('demo', 'demo-pass')).token;
  });

  it('creates, uploads and shows images like Glance', async () => {
    const created = await call('POST', '/image/v2/images', { token, body: { name: 'tiny-raw', disk_format: 'raw', container_format: 'bare', os_distro: 'none' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'queued', size: null, checksum: null, visibility: 'shared', os_distro: 'none', self: `/v2/images/${created.body.id}` });
    expect(created.headers.get('location')).toBe(`${origin}/image/v2/images/${created.body.id}`);
    const data = Buffer.from('osmini tiny raw image\n'.repeat(100));
    const upload = await call('PUT', `/image/v2/images/${created.body.id}/file`, { token, body: data, contentType: 'application/octet-stream' });
    expect(upload.status).toBe(204);
    const active = (await call('GET', `/image/v2/images/${created.body.id}`, { token })).body;
    expect(active).toMatchObject({ status: 'active', size: data.length, virtual_size: data.length, os_hash_algo: 'sha512', stores: 'file' });
    const again = await call('PUT', `/image/v2/images/${created.body.id}/file`, { token, body: data, contentType: 'application/octet-stream' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(again.text).toContain('<h1>409 Conflict</h1>');
    expect(again.text).toContain('Image status transition from active to saving is not allowed');
    const download = await fetch(`${origin}/image/v2/images/${created.body.id}/file`, { headers: { 'X-Auth-Token': token } });
    expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);

    const bogus = await call('POST', '/image/v2/images', { token, body: { name: 'x', disk_format: 'bogus', container_format: 'bare' } });
    expect(bogus.status).toBe(400);
    expect(bogus.text).toContain('&#x27;bogus&#x27; is not one of');
  });

  it('filters by any property, sorts both ways and pages with next links', async () => {
    const instance = '11111111-2222-3333-4444-555555555555';
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const image = await call('POST', '/image/v2/images', {
        token,
        body: { name: `snap-${i}`, disk_format: 'raw', container_format: 'bare', image_type: 'snapshot', instance_uuid: instance, 'owner_specified.openstack.object': 'cron/instance_snapshot' },
      });
      ids.push(image.body.id as string);
    }
    const ascending = await call('GET', `/image/v2/images?instance_uuid=${instance}&sort_key=created_at&sort_dir=asc`, { token });
    expect(ascending.body.images.map((image: J) => image.id)).toEqual(ids);
    expect(ascending.body.first).toBe(`/v2/images?instance_uuid=${instance}&sort_key=created_at&sort_dir=asc`);
    expect(ascending.body.schema).toBe('/v2/schemas/images');
    const descending = await call('GET', `/image/v2/images?instance_uuid=${instance}&sort=created_at:desc`, { token });
    expect(descending.body.images.map((image: J) => image.id)).toEqual([...ids].reverse());
    const byName = await call('GET', '/image/v2/images?sort=name:asc&image_type=snapshot&status=queued', { token });
    expect(byName.body.images.map((image: J) => image.name)).toEqual(['snap-1', 'snap-2', 'snap-3']);

    const page1 = await call('GET', `/image/v2/images?instance_uuid=${instance}&sort_key=created_at&sort_dir=asc&limit=2`, { token });
    expect(page1.body.images.map((image: J) => image.id)).toEqual(ids.slice(0, 2));
    expect(page1.body.next).toBe(`/v2/images?instance_uuid=${instance}&sort_key=created_at&sort_dir=asc&limit=2&marker=${ids[1]}`);
    const page2 = await call('GET', `/image${page1.body.next as string}`, { token });
    expect(page2.body.images.map((image: J) => image.id)).toEqual([ids[2]]);
    expect(page2.body.next).toBeUndefined();

    const publicOnly = await call('GET', '/image/v2/images?visibility=public', { token });
    expect(publicOnly.body.images.map((image: J) => image.name)).toEqual(['cirros-fake']);
    const badSort = await call('GET', '/image/v2/images?sort_key=bogus', { token, headers: { Accept: 'application/json' } });
    expect(badSort.status).toBe(400);
    expect(badSort.body.code).toBe('400 Bad Request');

    // another project sees the public image but not demo's
    const alt = (await login('alt', 'alt-pass')).token;
    const altList = await call('GET', '/image/v2/images', { token: alt });
    expect(altList.body.images.map((image: J) => image.name)).not.toContain('snap-1');
    const html = await call('GET', `/image/v2/images/${ids[0]}`, { token: alt });
    expect(html.status).toBe(404);
    expect(html.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(html.text).toBe(
      `<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID ${ids[0]}<br /><br />\n\n\n\n </body>\n</html>`,
    );
    const asJson = await call('GET', `/image/v2/images/${ids[0]}`, { token: alt, headers: { Accept: 'application/json' } });
    expect(asJson.body).toEqual({ message: `No image found with ID ${ids[0]}<br /><br />\n\n\n`, code: '404 Not Found', title: 'Not Found' });
    expect((await call('DELETE', `/image/v2/images/${ids[0]}`, { token: alt })).status).toBe(404);
  });

  it('patches properties with a JSON patch, protects and deletes images', async () => {
    const image = await cloud.createImage('demo', { name: 'patchme', cron_trigger: 'hourly' });
    expect(image.status).toBe('active');
    const patch = (body: unknown, contentType = 'application/openstack-images-v2.1-json-patch') =>
      call('PATCH', `/image/v2/images/${String(image.id)}`, { token, body: JSON.stringify(body), contentType });
    const patched = await patch([
      { op: 'add', path: '/retention', value: '3' },
      { op: 'replace', path: '/cron_trigger', value: 'nightly' },
      { op: 'replace', path: '/protected', value: true },
    ]);
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ retention: '3', cron_trigger: 'nightly', protected: true });
    const protectedDelete = await call('DELETE', `/image/v2/images/${String(image.id)}`, { token });
    expect(protectedDelete.status).toBe(403);
    expect(protectedDelete.text).toContain(`Image ${String(image.id)} is protected and cannot be deleted.`);
    expect((await patch([{ op: 'remove', path: '/missing' }])).status).toBe(409);
    expect((await patch([{ op: 'replace', path: '/status', value: 'active' }])).status).toBe(403);
    expect((await patch([{ op: 'add', path: '/x', value: '1' }], 'application/json')).status).toBe(415);
    const unprotected = await patch([
      { op: 'replace', path: '/protected', value: false },
      { op: 'remove', path: '/retention' },
    ]);
    expect(unprotected.body.retention).toBeUndefined();
    expect((await call('DELETE', `/image/v2/images/${String(image.id)}`, { token })).status).toBe(204);
    expect((await call('GET', `/image/v2/images/${String(image.id)}`, { token })).status).toBe(404);
  });

  it('answers 401 in HTML without a token', async () => {
    const answer = await call('GET', '/image/v2/images');
    expect(answer.status).toBe(401);
    expect(answer.text).toContain('<title>401 Unauthorized</title>');
    expect(answer.text).toContain('This server could not verify that you are authorized');
  });
});

describe('faults, revoked tokens and seeds', () => {
  it('injects faults into the matching requests only, the given number of times', async () => {
    const token = (await login('demo', 'demo-pass')).token;
    cloud.injectFault({ service: 'compute', method: 'GET', path: /^\/servers\/detail/, status: 503, headers: { 'Retry-After': '1' }, times: 2 });
    const first = await call('GET', '/compute/v2.1/servers/detail', { token, headers: NOVA });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.body.serviceUnavailable.code).toBe(503);
    expect((await call('GET', '/compute/v2.1/flavors', { token, headers: NOVA })).status).toBe(200);
    expect((await call('GET', '/compute/v2.1/servers/detail', { token, headers: NOVA })).status).toBe(503);
    expect((await call('GET', '/compute/v2.1/servers/detail', { token, headers: NOVA })).status).toBe(200);
    const statuses = cloud.requests.filter((request) => request.path === '/compute/v2.1/servers/detail').map((request) => request.status);
    expect(statuses.slice(-3)).toEqual([503, 503, 200]);

    cloud.injectFault({ service: 'image', path: /\/v2\/images/, status: 500, body: { oops: true } });
    const custom = await call('GET', '/image/v2/images', { token });
    expect(custom.status).toBe(500);
    expect(custom.body).toEqual({ oops: true });
    cloud.injectFault({ service: 'identity', method: 'POST', path: /\/auth\/tokens$/, status: 503 });
    const keystone = await login('demo', 'demo-pass');
    expect(keystone.status).toBe(503);
    expect(keystone.body.error).toMatchObject({ code: 503, title: 'Service Unavailable' });
  });

  it('answers 401 with each service body once tokens are revoked, and a new login works', async () => {
    const demo = await login('demo', 'demo-pass');
    cloud.revokeTokens();
    const nova = await call('GET', '/compute/v2.1/servers/detail', { token: demo.token, headers: NOVA });
    expect(nova.status).toBe(401);
    expect(nova.body).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
    expect(nova.headers.get('www-authenticate')).toBe(`Keystone uri="${cloud.authUrl}"`);
    const cinder = await call('GET', volumeUrl('demo', '/volumes/detail'), { token: demo.token, headers: CINDER });
    expect(cinder.status).toBe(401);
    expect((await call('GET', '/image/v2/images', { token: demo.token })).status).toBe(401);
    const keystone = await call('GET', `/identity/v3/projects/${cloud.projectId('demo')}`, { token: demo.token });
    expect(keystone.status).toBe(401);
    const fresh = await login('demo', 'demo-pass');
    expect((await call('GET', '/compute/v2.1/servers/detail', { token: fresh.token, headers: NOVA })).status).toBe(200);
  });

  it('seeds servers, volumes and images as a project member would, and marks failed image snapshots killed', async () => {
    const server = await cloud.createServer('alt', { name: 'seeded', metadata: { a: 'b' } });
    expect(server).toMatchObject({ name: 'seeded', status: 'ACTIVE', metadata: { a: 'b' }, tenant_id: cloud.projectId('alt') });
    const volume = await cloud.createVolume('alt', { size: 1, name: 'boot', imageRef: cirrosId() });
    expect(volume).toMatchObject({ status: 'available', bootable: 'true', volume_image_metadata: expect.objectContaining({ image_id: cirrosId() }) });
    const image = await cloud.createImage('alt', { name: 'seeded-image', instance_uuid: server.id, image_type: 'snapshot' });
    expect(image).toMatchObject({ status: 'active', instance_uuid: server.id, owner: cloud.projectId('alt') });
    expect(cloud.servers('alt').map((item) => item.id)).toEqual([server.id]);
    expect(cloud.volumes('alt').map((item) => item.id)).toContain(volume.id);
    expect(cloud.images('alt').map((item) => item.id)).toContain(image.id);

    const token = (await login('alt', 'alt-pass')).token;
    cloud.failNextSnapshot('image');
    const snap = await call('POST', `/compute/v2.1/servers/${String(server.id)}/action`, { token, headers: NOVA, body: { createImage: { name: 'doomed' } } });
    await imageIn(token, snap.body.image_id, 'killed');
    await serverIn(token, String(server.id), 'ACTIVE');
    expect(cloud.volumeSnapshots('alt').every((snapshot) => snapshot.status === 'error' || snapshot.status === 'available')).toBe(true);
  });
});
