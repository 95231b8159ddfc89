import { ActionInputError } from '../action.types';
import type { Json } from './client/compute.client';
import { OpenStackError } from './client/openstack-error';
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

const SERVER = { name: 'server' };

/** Nova's server-side name filter is a regular expression: anchor and escape the exact name. */
function exactNameFilter(name: string): string {
  return `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/**
 * python-novaclient's `nics` (`"auto"`, `"none"` or a list of `{"net-id", "v4-fixed-ip",
 * "v6-fixed-ip", "port-id", "tag"}`) as Nova's `networks`. None given: `auto`, as the openstack
 * CLI does (Nova requires the key from microversion 2.37 on).
 */
function networksOf(nics: unknown): unknown {
  if (nics === null || nics === undefined || nics === '') return 'auto';
  if (nics === 'auto' || nics === 'none') return nics;
  if (!Array.isArray(nics)) throw new ActionInputError(`nics must be "auto", "none" or a list of {"net-id", "v4-fixed-ip", "port-id"} (got a ${typeof nics})`);
  return nics.map((nic: unknown, index) => {
    if (!nic || typeof nic !== 'object') throw new ActionInputError(`nics[${index}] must be a mapping`);
    const entry = nic as Record<string, unknown>;
    const network: Json = {};
    if (entry['net-id']) network.uuid = String(entry['net-id']);
    if (entry['port-id']) network.port = String(entry['port-id']);
    const fixedIp = entry['v4-fixed-ip'] ?? entry['v6-fixed-ip'];
    if (fixedIp) network.fixed_ip = String(fixedIp);
    if (entry.tag) network.tag = String(entry.tag);
    if (!network.uuid && !network.port) throw new ActionInputError(`nics[${index}] needs a net-id or a port-id`);
    return network;
  });
}

function serverCreateBody(input: Record<string, unknown>): { server: Json; hints?: Json } {
  const image = input.image === null || input.image === undefined || input.image === '' ? '' : idOf(input, 'image');
  const server: Json = { name: requiredText(input, 'name'), imageRef: image, flavorRef: idOf(input, 'flavor'), networks: networksOf(input.nics) };
  const meta = optionalStringMap(input, 'meta');
  if (meta) server.metadata = meta;
  if (input.userdata) server.user_data = Buffer.from(String(input.userdata)).toString('base64');
  const minCount = optionalInteger(input, 'min_count');
  const maxCount = optionalInteger(input, 'max_count');
  if (minCount !== undefined) server.min_count = minCount;
  if (maxCount !== undefined) server.max_count = maxCount;
  if (input.reservation_id === true) server.return_reservation_id = true;
  if (Array.isArray(input.security_groups)) server.security_groups = input.security_groups.map((group) => ({ name: String(group) }));
  const copies: Array<[string, string]> = [
    ['key_name', 'key_name'],
    ['availability_zone', 'availability_zone'],
    ['admin_pass', 'adminPass'],
    ['access_ip_v4', 'accessIPv4'],
    ['access_ip_v6', 'accessIPv6'],
    ['description', 'description'],
    ['hostname', 'hostname'],
    ['disk_config', 'OS-DCF:diskConfig'],
  ];
  copyTexts(input, server, copies);
  if (input.config_drive !== null && input.config_drive !== undefined) server.config_drive = Boolean(input.config_drive);
  if (Array.isArray(input.tags)) server.tags = input.tags.map(String);
  if (input.block_device_mapping_v2 !== null && input.block_device_mapping_v2 !== undefined) {
    if (!Array.isArray(input.block_device_mapping_v2)) throw new ActionInputError('block_device_mapping_v2 must be a list of mappings');
    server.block_device_mapping_v2 = input.block_device_mapping_v2;
  }
  const legacyMapping = optionalObject(input, 'block_device_mapping');
  if (legacyMapping) {
    // novaclient's v1 form {"vda": "<id>:<type>:<size>:<delete>"}
    server.block_device_mapping = Object.entries(legacyMapping).map(([device, spec]) => {
      const [id, type, size, deleteOnTermination] = String(spec).split(':');
      return {
        device_name: device,
        [type === 'snap' ? 'snapshot_id' : 'volume_id']: id,
        ...(size ? { volume_size: size } : {}),
        delete_on_termination: deleteOnTermination === '1' || deleteOnTermination === 'true',
      };
    });
  }
  const hints = optionalObject(input, 'scheduler_hints');
  return { server, hints };
}

/** Nova actions with Mistral's names and parameters; results are Nova's JSON objects. */
export const NOVA_ACTIONS: OpenStackActionSpec[] = [
  {
    name: 'nova.servers_get',
    description: 'Shows a server (GET /servers/{id}).',
    parameters: [SERVER],
    idempotent: true,
    run: (clients, input, signal) => clients.compute.getServer(idOf(input, 'server'), signal),
  },
  {
    name: 'nova.servers_find',
    description: "Finds the one server whose attributes equal the keywords, e.g. name=vm1 (404 when none, 409 when several).",
    parameters: [],
    acceptsOtherParameters: true,
    idempotent: true,
    async run(clients, input, signal) {
      const criteria = findCriteria(input, 'nova.servers_find', 'name=vm1');
      const query: Record<string, string> = {};
      if (typeof criteria.name === 'string') query.name = exactNameFilter(criteria.name);
      if (criteria.all_tenants) query.all_tenants = '1';
      const { all_tenants: _allTenants, ...attributes } = criteria;
      return findOne('Nova', 'Server', await clients.compute.listServers(query, true, signal), attributes);
    },
  },
  {
    name: 'nova.servers_list',
    description: 'Lists servers (all pages); search_opts are Nova filters (name is a regular expression, status, all_tenants, ...).',
    parameters: [
      { name: 'detailed', default: true },
      { name: 'search_opts', default: null },
      { name: 'marker', default: null },
      { name: 'limit', default: null },
      { name: 'sort_keys', default: null },
      { name: 'sort_dirs', default: null },
    ],
    idempotent: true,
    async run(clients, input, signal) {
      const query: Record<string, string | number | string[]> = {};
      for (const [key, value] of Object.entries(optionalObject(input, 'search_opts') ?? {})) {
        if (value !== null && value !== undefined) query[key] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
      }
      const marker = optionalText(input, 'marker');
      if (marker) query.marker = marker;
      const limit = optionalInteger(input, 'limit');
      if (limit !== undefined) query.limit = limit;
      if (Array.isArray(input.sort_keys)) query.sort_key = input.sort_keys.map(String);
      if (Array.isArray(input.sort_dirs)) query.sort_dir = input.sort_dirs.map(String);
      return limited(await clients.compute.listServers(query, input.detailed !== false, signal), input);
    },
  },
  {
    name: 'nova.servers_create',
    description:
      'Boots a server from an image (image) or from volumes (block_device_mapping_v2, image empty); nics: "auto" (default), "none" or [{"net-id", "v4-fixed-ip", "port-id"}]. The result is Nova\'s answer (id, links); the server is BUILD until ACTIVE.',
    parameters: [
      { name: 'name' },
      { name: 'image' },
      { name: 'flavor' },
      { name: 'meta', default: null },
      { name: 'files', default: null },
      { name: 'reservation_id', default: false },
      { name: 'min_count', default: null },
      { name: 'max_count', default: null },
      { name: 'security_groups', default: null },
      { name: 'userdata', default: null },
      { name: 'key_name', default: null },
      { name: 'availability_zone', default: null },
      { name: 'block_device_mapping', default: null },
      { name: 'block_device_mapping_v2', default: null },
      { name: 'nics', default: null },
      { name: 'scheduler_hints', default: null },
      { name: 'config_drive', default: null },
      { name: 'disk_config', default: null },
      { name: 'admin_pass', default: null },
      { name: 'access_ip_v4', default: null },
      { name: 'access_ip_v6', default: null },
      { name: 'description', default: null },
      { name: 'tags', default: null },
      { name: 'hostname', default: null },
    ],
    idempotent: false,
    async run(clients, input, signal) {
      if (input.files) throw new ActionInputError('files (personality) was removed from Nova at microversion 2.57 and is not supported');
      const { server, hints } = serverCreateBody(input);
      const created = await clients.compute.createServer(server, hints, signal);
      // the generated admin password is a secret: it stays out of results, logs and the API
      const { adminPass: _adminPass, ...result } = created;
      return result;
    },
  },
  {
    name: 'nova.servers_delete',
    description: 'Deletes a server (Nova answers at once; the server is gone a moment later).',
    parameters: [SERVER],
    idempotent: false,
    run: async (clients, input, signal) => clients.compute.deleteServer(idOf(input, 'server'), signal),
  },
  {
    name: 'nova.servers_stop',
    description: 'Stops a server (os-stop: ACTIVE to SHUTOFF; 409 in another state).',
    parameters: [SERVER],
    idempotent: false,
    run: async (clients, input, signal) => void (await clients.compute.action(idOf(input, 'server'), { 'os-stop': null }, signal)),
  },
  {
    name: 'nova.servers_start',
    description: 'Starts a stopped server (os-start: SHUTOFF to ACTIVE; 409 in another state).',
    parameters: [SERVER],
    idempotent: false,
    run: async (clients, input, signal) => void (await clients.compute.action(idOf(input, 'server'), { 'os-start': null }, signal)),
  },
  ...(
    [
      ['nova.servers_suspend', 'suspend', 'Suspends a server (SUSPENDED once done).'],
      ['nova.servers_resume', 'resume', 'Resumes a suspended server (ACTIVE once done).'],
      ['nova.servers_pause', 'pause', 'Pauses a server (PAUSED once done).'],
      ['nova.servers_unpause', 'unpause', 'Unpauses a paused server (ACTIVE once done).'],
    ] as const
  ).map(
    ([name, action, description]): OpenStackActionSpec => ({
      name,
      description,
      parameters: [SERVER],
      idempotent: false,
      run: async (clients, input, signal) => void (await clients.compute.action(idOf(input, 'server'), { [action]: null }, signal)),
    }),
  ),
  {
    name: 'nova.servers_backup',
    description: "Nova's createBackup: an image of the server (backup_type, e.g. daily), then Nova deletes the oldest of that type beyond rotation. The result is the image id.",
    parameters: [SERVER, { name: 'backup_name' }, { name: 'backup_type' }, { name: 'rotation' }, { name: 'metadata', default: null }],
    idempotent: false,
    async run(clients, input, signal) {
      const rotation = optionalInteger(input, 'rotation');
      if (rotation === undefined || rotation < 0) throw new ActionInputError('rotation must be an integer, 0 or more');
      const body: Json = { name: requiredText(input, 'backup_name'), backup_type: requiredText(input, 'backup_type'), rotation };
      const metadata = optionalStringMap(input, 'metadata');
      if (metadata) body.metadata = metadata;
      const answer = await clients.compute.action<{ image_id?: string } | null>(idOf(input, 'server'), { createBackup: body }, signal);
      return answer?.image_id ?? null;
    },
  },
  {
    name: 'nova.servers_create_image',
    description: "Snapshots a server into a Glance image (createImage); the result is the new image's id. metadata becomes image properties.",
    parameters: [SERVER, { name: 'image_name' }, { name: 'metadata', default: null }],
    idempotent: false,
    run: (clients, input, signal) => clients.compute.createImage(idOf(input, 'server'), requiredText(input, 'image_name'), optionalStringMap(input, 'metadata') ?? null, signal),
  },
  {
    name: 'nova.servers_rebuild',
    description:
      'Rebuilds a server from an image, keeping its id, addresses and volumes. reimage_boot_volume=true (a Sirocco extension): at microversion 2.93, so that Nova writes the image onto the boot volume of a volume-backed server.',
    parameters: [
      SERVER,
      { name: 'image' },
      { name: 'password', default: null },
      { name: 'disk_config', default: null },
      { name: 'preserve_ephemeral', default: false },
      { name: 'name', default: null },
      { name: 'meta', default: null },
      { name: 'description', default: null },
      { name: 'key_name', default: null },
      { name: 'userdata', default: null },
      { name: 'reimage_boot_volume', default: false },
    ],
    idempotent: false,
    async run(clients, input, signal) {
      const rebuild: Json = { imageRef: idOf(input, 'image') };
      copyTexts(input, rebuild, [
        ['password', 'adminPass'],
        ['disk_config', 'OS-DCF:diskConfig'],
      ]);
      if (flag(input, 'preserve_ephemeral')) rebuild.preserve_ephemeral = true;
      copyTexts(input, rebuild, ['name']);
      const meta = optionalStringMap(input, 'meta');
      if (meta) rebuild.metadata = meta;
      copyTexts(input, rebuild, ['description', 'key_name']);
      if (input.userdata) rebuild.user_data = Buffer.from(String(input.userdata)).toString('base64');
      const { adminPass: _adminPass, ...server } = await clients.compute.rebuild(idOf(input, 'server'), rebuild, signal, flag(input, 'reimage_boot_volume'));
      return server;
    },
  },
  {
    name: 'nova.servers_interface_list',
    description: "Lists a server's network interfaces (port_id, net_id, fixed_ips, mac_addr, port_state).",
    parameters: [SERVER],
    idempotent: true,
    run: (clients, input, signal) => clients.compute.listInterfaces(idOf(input, 'server'), signal),
  },
  {
    name: 'nova.volumes_get_server_volumes',
    description: "Lists the volumes attached to a server (volumeId, device, ...): a volume-booted server's root volume is among them.",
    parameters: [{ name: 'server_id' }],
    idempotent: true,
    run: (clients, input, signal) => clients.compute.listVolumeAttachments(idOf(input, 'server_id'), signal),
  },
  {
    name: 'nova.volumes_create_server_volume',
    description: 'Attaches a volume to a server (POST os-volume_attachments; device: e.g. /dev/vdb, null lets Nova choose). The volume is attaching until in-use.',
    parameters: [{ name: 'server_id' }, { name: 'volume_id' }, { name: 'device', default: null }],
    idempotent: false,
    run(clients, input, signal) {
      const attachment: Json = { volumeId: idOf(input, 'volume_id') };
      const device = optionalText(input, 'device');
      if (device) attachment.device = device;
      return clients.compute.attachVolume(idOf(input, 'server_id'), attachment, signal);
    },
  },
  {
    name: 'nova.volumes_delete_server_volume',
    description: "Detaches a volume from a server (DELETE os-volume_attachments/{volume_id}); the volume is detaching until available. Nova refuses a server's root volume (400).",
    parameters: [{ name: 'server_id' }, { name: 'volume_id' }],
    idempotent: false,
    run: async (clients, input, signal) => clients.compute.detachVolume(idOf(input, 'server_id'), idOf(input, 'volume_id'), signal),
  },
  {
    name: 'nova.flavors_get',
    description: 'Shows a flavor by id.',
    parameters: [{ name: 'flavor' }],
    idempotent: true,
    run: (clients, input, signal) => clients.compute.getFlavor(idOf(input, 'flavor'), signal),
  },
  {
    name: 'nova.flavors_find',
    description: 'Finds the one flavor whose attributes equal the keywords, e.g. name=m1.small (404 when none, 409 when several).',
    parameters: [],
    acceptsOtherParameters: true,
    idempotent: true,
    async run(clients, input, signal) {
      const criteria = findCriteria(input, 'nova.flavors_find', 'name=m1.small');
      const { is_public: isPublic, ...attributes } = criteria;
      const query = isPublic === undefined ? {} : { is_public: isPublic === null ? 'None' : String(isPublic) };
      return findOne('Nova', 'Flavor', await clients.compute.listFlavors(query, true, signal), attributes);
    },
  },
  {
    name: 'nova.availability_zones_list',
    description: 'Lists availability zones ({zoneName, zoneState: {available}, hosts}); detailed needs the admin role and falls back to the plain list without it.',
    parameters: [{ name: 'detailed', default: true }],
    idempotent: true,
    async run(clients, input, signal) {
      if (input.detailed === false) return clients.compute.listAvailabilityZones(false, signal);
      try {
        return await clients.compute.listAvailabilityZones(true, signal);
      } catch (error) {
        if (error instanceof OpenStackError && error.status === 403) return clients.compute.listAvailabilityZones(false, signal);
        throw error;
      }
    },
  },
];
