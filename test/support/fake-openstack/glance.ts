/**
 * Glance v2 (Zed) under /image: images (list with property filters, sorting and paging, show,
 * create, upload, download, JSON-patch update, delete) and tags. Errors are webob's: an HTML page
 * unless the request prefers `application/json`, then {"message", "code", "title"}.
 */
import type { Cloud, ImageRec } from './cloud';
import {
  ApiError,
  REASONS,
  Router,
  boolFrom,
  compareValues,
  header,
  htmlEscape,
  isObject,
  isoSeconds,
  json,
  pyRepr,
  requestId,
  sortSpec,
  type AuthContext,
  type FakeRequest,
  type FakeResponse,
} from './core';

const DISK_FORMATS = [null, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
const CONTAINER_FORMATS = [null, 'ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];
const VISIBILITIES = ['public', 'private', 'shared', 'community'];
const STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'pending_delete', 'deactivated', 'uploading', 'importing'];
const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'];
const READ_ONLY = ['created_at', 'updated_at', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id', 'stores'];
const RESERVED = ['location', 'deleted', 'deleted_at'];
const BASE_ATTRIBUTES = ['name', 'visibility', 'protected', 'min_disk', 'min_ram', 'disk_format', 'container_format', 'tags', 'owner', 'os_hidden'];
const LIST_PARAMS = new Set(['limit', 'marker', 'sort_key', 'sort_dir', 'sort', 'visibility', 'member_status', 'os_hidden']);
const UNAUTHORIZED =
  'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.';

/** webob's content negotiation between its HTML and JSON error bodies (HTML wins ties). */
function prefersJson(req: FakeRequest): boolean {
  const accept = header(req, 'accept');
  if (!accept) return false;
  const ranges = accept.split(',').map((part) => {
    const [range, ...params] = part.trim().split(';');
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    return { range: (range ?? '').trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
  });
  const quality = (offer: string): number => {
    let best = -1;
    let specificity = -1;
    for (const { range, q } of ranges) {
      const [type, sub] = range.split('/');
      const [offerType] = offer.split('/');
      const score = range === offer ? 2 : type === offerType && sub === '*' ? 1 : range === '*/*' ? 0 : -1;
      if (score > specificity) {
        specificity = score;
        best = q;
      }
    }
    return specificity < 0 ? 0 : best;
  };
  const html = quality('text/html');
  const jsonQ = quality('application/json');
  return jsonQ > 0 && jsonQ > html;
}

export function glanceError(req: FakeRequest, status: number, message: string, extraHeaders: Record<string, string> = {}): FakeResponse {
  const reason = REASONS[status] ?? 'Error';
  const statusLine = `${status} ${reason}`;
  const headers: Record<string, string> = { 'X-Openstack-Request-Id': requestId(), ...extraHeaders };
  if (prefersJson(req)) {
    return { status, headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify({ message: `${message}<br /><br />\n\n\n`, code: statusLine, title: reason }) };
  }
  const body = `<html>\n <head>\n  <title>${statusLine}</title>\n </head>\n <body>\n  <h1>${statusLine}</h1>\n  ${htmlEscape(message)}<br /><br />\n\n\n\n </body>\n</html>`;
  return { status, headers: { ...headers, 'Content-Type': 'text/html; charset=UTF-8' }, body };
}

export function imageView(image: ImageRec): Record<string, unknown> {
  const view: Record<string, unknown> = {
    ...image.props,
    name: image.name,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    visibility: image.visibility,
    size: image.size,
    virtual_size: image.virtualSize,
    status: image.status,
    checksum: image.checksum,
    protected: image.protected,
    min_ram: image.minRam,
    min_disk: image.minDisk,
    owner: image.owner,
    os_hidden: image.osHidden,
    os_hash_algo: image.hashAlgo,
    os_hash_value: image.hashValue,
    id: image.id,
    created_at: isoSeconds(image.createdAt),
    updated_at: isoSeconds(image.updatedAt),
    tags: [...image.tags],
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
  if (image.status === 'active' && image.data) view.stores = 'file';
  return view;
}

function noContent(): FakeResponse {
  return { status: 204, headers: { 'Content-Type': 'text/html; charset=UTF-8' }, body: '' };
}

export class Glance {
  private readonly router = new Router();

  constructor(private readonly cloud: Cloud) {
    this.router
      .on('GET', '/v2/images', (req) => this.list(req))
      .on('POST', '/v2/images', (req) => this.create(req))
      .on('GET', '/v2/images/:id', (req, p) => json(200, imageView(this.visible(req, p.id!))))
      .on('PATCH', '/v2/images/:id', (req, p) => this.patch(req, p.id!))
      .on('DELETE', '/v2/images/:id', (req, p) => this.delete(req, p.id!))
      .on('PUT', '/v2/images/:id/file', (req, p) => this.upload(req, p.id!))
      .on('GET', '/v2/images/:id/file', (req, p) => this.download(req, p.id!))
      .on('PUT', '/v2/images/:id/tags/:tag', (req, p) => this.tag(req, p.id!, p.tag!, true))
      .on('DELETE', '/v2/images/:id/tags/:tag', (req, p) => this.tag(req, p.id!, p.tag!, false));
  }

  handle(req: FakeRequest): FakeResponse {
    const path = req.path.replace(/\/+$/, '');
    if (path === '' || path === '/versions' || path === '/v2') {
      return json(path === '' ? 300 : 200, { versions: this.versions() });
    }
    const ctx = this.cloud.authenticate(header(req, 'x-auth-token'));
    if (!ctx) return glanceError(req, 401, UNAUTHORIZED, { 'WWW-Authenticate': `Keystone uri="${this.cloud.authUrl}"` });
    req.ctx = ctx;
    try {
      const match = this.router.match(req.method, path);
      if (match === 'method') throw new ApiError(405, 'The method specified is not allowed for this resource.');
      if (!match) throw new ApiError(404, 'The resource could not be found.');
      const response = match.handler(req, match.params) as FakeResponse;
      return { ...response, headers: { 'X-Openstack-Request-Id': requestId(), ...response.headers } };
    } catch (error) {
      if (error instanceof ApiError) return glanceError(req, error.status, error.message, error.headers);
      throw error;
    }
  }

  private versions(): Array<Record<string, unknown>> {
    return ['2.16', '2.15', '2.9', '2.0'].map((version, index) => ({
      id: `v${version}`,
      status: index === 0 ? 'CURRENT' : 'SUPPORTED',
      links: [{ rel: 'self', href: `${this.cloud.origin}/image/v2/` }],
    }));
  }

  private ctx(req: FakeRequest): AuthContext {
    return req.ctx!;
  }

  private requireWrite(ctx: AuthContext, action: string): void {
    if (!ctx.projectId || !ctx.roles.some((role) => role === 'member' || role === 'admin')) {
      throw new ApiError(403, `You are not authorized to complete ${action} action.`);
    }
  }

  private visible(req: FakeRequest, id: string, notFound = `No image found with ID ${id}`): ImageRec {
    const image = this.cloud.images.get(id);
    if (!image || !this.cloud.imageVisible(image, this.ctx(req))) throw new ApiError(404, notFound);
    return image;
  }

  private owned(req: FakeRequest, image: ImageRec, action: string): void {
    const ctx = this.ctx(req);
    this.requireWrite(ctx, action);
    if (!ctx.isAdmin && image.owner !== ctx.projectId) throw new ApiError(403, `You are not authorized to complete ${action} action.`);
  }

  // -------------------------------------------------------------------------------------------
  // list

  private list(req: FakeRequest): FakeResponse {
    const ctx = this.ctx(req);
    const q = req.query;
    const visibility = q.get('visibility');
    if (visibility !== null && visibility !== 'all' && !VISIBILITIES.includes(visibility)) throw new ApiError(400, `Invalid visibility value: ${visibility}`);
    let images = [...this.cloud.images.values()].filter((image) => this.cloud.imageVisible(image, ctx));
    if (visibility === null) {
      images = images.filter((image) => ctx.isAdmin || image.visibility !== 'community' || image.owner === ctx.projectId);
    } else if (visibility !== 'all') {
      images = images.filter((image) => image.visibility === visibility);
    }
    const hidden = q.get('os_hidden');
    const wantHidden = hidden === null ? false : boolFrom(hidden);
    if (wantHidden === undefined) throw new ApiError(400, `Invalid value '${hidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`);
    images = images.filter((image) => image.osHidden === wantHidden);

    const keys = new Set<string>();
    q.forEach((_value, key) => keys.add(key));
    for (const key of keys) {
      if (LIST_PARAMS.has(key)) continue;
      const values = q.getAll(key);
      images = images.filter((image) => values.every((value) => this.matches(image, key, value)));
    }

    const spec = sortSpec(q, 'desc');
    if ('error' in spec) {
      if (spec.error === 'combined') throw new ApiError(400, 'The "sort" parameter cannot be combined with "sort_key" or "sort_dir".');
      throw new ApiError(400, `Invalid sort direction: ${spec.error.slice(4)}`);
    }
    const sort = spec.length ? [...spec] : [['created_at', 'desc'] as [string, 'asc' | 'desc']];
    for (const [key] of sort) {
      if (!SORT_KEYS.includes(key)) throw new ApiError(400, `Invalid sort key: ${key}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
    }
    const lastDir = sort[sort.length - 1]![1];
    if (!sort.some(([key]) => key === 'created_at')) sort.push(['created_at', lastDir]);
    if (!sort.some(([key]) => key === 'id')) sort.push(['id', lastDir]);
    const compare = (a: ImageRec, b: ImageRec): number => {
      for (const [key, dir] of sort) {
        const order = compareValues(this.sortValue(a, key), this.sortValue(b, key));
        if (order) return dir === 'asc' ? order : -order;
      }
      return 0;
    };
    images.sort(compare);

    const marker = q.get('marker');
    if (marker !== null) {
      const markerImage = this.cloud.images.get(marker);
      if (!markerImage || !this.cloud.imageVisible(markerImage, ctx)) throw new ApiError(400, `No image found with ID ${marker}`);
      images = images.filter((image) => compare(image, markerImage) > 0);
    }
    const limitText = q.get('limit');
    let limit = 25;
    if (limitText !== null) {
      if (!/^-?\d+$/.test(limitText)) throw new ApiError(400, 'limit param must be an integer');
      limit = Number(limitText);
      if (limit < 0) throw new ApiError(400, 'limit param must be positive');
      limit = Math.min(limit, 1000);
    }
    const page = images.slice(0, limit);
    const firstParams = new URLSearchParams(q);
    firstParams.delete('marker');
    const first = firstParams.toString();
    const body: Record<string, unknown> = {
      images: page.map(imageView),
      first: `/v2/images${first ? `?${first}` : ''}`,
      schema: '/v2/schemas/images',
    };
    if (page.length > 0 && page.length === limit) {
      const nextParams = new URLSearchParams(firstParams);
      nextParams.set('marker', page[page.length - 1]!.id);
      body.next = `/v2/images?${nextParams.toString()}`;
    }
    return json(200, body);
  }

  private sortValue(image: ImageRec, key: string): unknown {
    switch (key) {
      case 'created_at':
        // the stored timestamp has sub-second precision, so images made within a second keep their order
        return image.createdAt.getTime() * 1000 + (image.seq % 1000);
      case 'updated_at':
        return image.updatedAt.getTime() * 1000 + (image.seq % 1000);
      case 'size':
        return image.size;
      case 'disk_format':
        return image.diskFormat;
      case 'container_format':
        return image.containerFormat;
      default:
        return (image as unknown as Record<string, unknown>)[key];
    }
  }

  /** One list filter: a base attribute (with `in:`/comparison operators where Glance has them) or a custom property. */
  private matches(image: ImageRec, key: string, raw: string): boolean {
    const view = imageView(image);
    const inList = (value: unknown): boolean => {
      if (raw.startsWith('in:')) {
        const options = raw.slice(3).split(',').map((option) => option.trim().replace(/^"(.*)"$/, '$1'));
        return options.includes(String(value));
      }
      return String(value) === raw;
    };
    switch (key) {
      case 'name':
      case 'id':
      case 'disk_format':
      case 'container_format':
      case 'owner':
      case 'checksum':
      case 'os_hash_value':
        return view[key] !== null && inList(view[key]);
      case 'status':
        if (!raw.startsWith('in:') && !STATUSES.includes(raw)) throw new ApiError(400, `Invalid status value: ${raw}`);
        return inList(image.status);
      case 'protected': {
        const wanted = boolFrom(raw);
        if (wanted === undefined) throw new ApiError(400, `Invalid value '${raw}' for 'protected' filter. Valid values are 'true' or 'false'.`);
        return image.protected === wanted;
      }
      case 'tag':
        return image.tags.includes(raw);
      case 'size_min':
        return image.size !== null && image.size >= Number(raw);
      case 'size_max':
        return image.size !== null && image.size <= Number(raw);
      case 'min_disk':
        return image.minDisk === Number(raw);
      case 'min_ram':
        return image.minRam === Number(raw);
      case 'created_at':
      case 'updated_at':
        return this.compareTime(key === 'created_at' ? image.createdAt : image.updatedAt, raw);
      default:
        return key in image.props && String(image.props[key]) === raw;
    }
  }

  private compareTime(value: Date, raw: string): boolean {
    const match = /^(gt|gte|lt|lte|eq|neq):(.+)$/.exec(raw);
    const operator = match ? match[1]! : 'eq';
    const when = Date.parse(match ? match[2]! : raw);
    if (Number.isNaN(when)) throw new ApiError(400, `Unable to filter by unknown operator '${raw}'.`);
    const time = Math.floor(value.getTime() / 1000) * 1000;
    switch (operator) {
      case 'gt':
        return time > when;
      case 'gte':
        return time >= when;
      case 'lt':
        return time < when;
      case 'lte':
        return time <= when;
      case 'neq':
        return time !== when;
      default:
        return time === when;
    }
  }

  // -------------------------------------------------------------------------------------------
  // create, update, delete

  private jsonBody(req: FakeRequest): unknown {
    const text = req.body.toString('utf8');
    if (!text.trim()) throw new ApiError(400, 'Body expected in request.');
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError(400, 'Malformed JSON in request body.');
    }
  }

  private schemaError(detail: string): ApiError {
    return new ApiError(400, `Provided object does not match schema 'image': ${detail}`);
  }

  private checkAttribute(key: string, value: unknown, ctx: AuthContext): void {
    switch (key) {
      case 'name':
        if (value !== null && (typeof value !== 'string' || value.length > 255)) throw this.schemaError(`${pyRepr(value)} is not of type 'null', 'string'`);
        return;
      case 'disk_format':
        if (!DISK_FORMATS.includes(value as string | null)) {
          throw this.schemaError(`${pyRepr(value)} is not one of ${pyRepr(DISK_FORMATS)}\n\nFailed validating 'enum' in schema['properties']['disk_format']`);
        }
        return;
      case 'container_format':
        if (!CONTAINER_FORMATS.includes(value as string | null)) {
          throw this.schemaError(`${pyRepr(value)} is not one of ${pyRepr(CONTAINER_FORMATS)}\n\nFailed validating 'enum' in schema['properties']['container_format']`);
        }
        return;
      case 'visibility':
        if (!VISIBILITIES.includes(value as string)) throw this.schemaError(`${pyRepr(value)} is not one of ${pyRepr(VISIBILITIES)}`);
        if (value === 'public' && !ctx.isAdmin) throw new ApiError(403, 'You are not authorized to complete publicize_image action.');
        return;
      case 'protected':
      case 'os_hidden':
        if (typeof value !== 'boolean') throw this.schemaError(`${pyRepr(value)} is not of type 'boolean'`);
        return;
      case 'min_disk':
      case 'min_ram':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw this.schemaError(`${pyRepr(value)} is not of type 'integer'`);
        return;
      case 'tags':
        if (!Array.isArray(value) || value.some((tag) => typeof tag !== 'string')) throw this.schemaError(`${pyRepr(value)} is not of type 'array'`);
        return;
      case 'owner':
        if (value !== null && typeof value !== 'string') throw this.schemaError(`${pyRepr(value)} is not of type 'null', 'string'`);
        return;
      default:
        if (typeof value !== 'string') throw this.schemaError(`${pyRepr(value)} is not of type 'string'`);
    }
  }

  private apply(image: ImageRec, key: string, value: unknown): void {
    switch (key) {
      case 'name':
        image.name = value as string | null;
        break;
      case 'disk_format':
        image.diskFormat = value as string | null;
        break;
      case 'container_format':
        image.containerFormat = value as string | null;
        break;
      case 'visibility':
        image.visibility = value as string;
        break;
      case 'protected':
        image.protected = value as boolean;
        break;
      case 'os_hidden':
        image.osHidden = value as boolean;
        break;
      case 'min_disk':
        image.minDisk = value as number;
        break;
      case 'min_ram':
        image.minRam = value as number;
        break;
      case 'tags':
        image.tags = [...new Set(value as string[])];
        break;
      case 'owner':
        image.owner = value as string | null;
        break;
      default:
        image.props[key] = value;
    }
  }

  private create(req: FakeRequest): FakeResponse {
    const ctx = this.ctx(req);
    this.requireWrite(ctx, 'add_image');
    const body = this.jsonBody(req);
    if (!isObject(body)) throw this.schemaError(`${pyRepr(body)} is not of type 'object'`);
    for (const key of Object.keys(body)) {
      if (READ_ONLY.includes(key) && key !== 'id') throw new ApiError(403, `Attribute '${key}' is read-only.`);
      if (RESERVED.includes(key)) throw new ApiError(403, `Attribute '${key}' is reserved.`);
    }
    for (const [key, value] of Object.entries(body)) if (key !== 'id') this.checkAttribute(key, value, ctx);
    if (body.owner !== undefined && body.owner !== ctx.projectId && !ctx.isAdmin) {
      throw new ApiError(403, `You are not permitted to create images owned by '${String(body.owner)}'.`);
    }
    if (body.id !== undefined) {
      if (typeof body.id !== 'string' || !/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(body.id)) {
        throw this.schemaError(`${pyRepr(body.id)} does not match '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'`);
      }
      if (this.cloud.images.has(body.id)) throw new ApiError(409, `Image with identifier ${body.id} already exists!`);
    }
    const image = this.cloud.newImage({ id: typeof body.id === 'string' ? body.id : undefined, owner: ctx.projectId ?? null });
    for (const [key, value] of Object.entries(body)) if (key !== 'id') this.apply(image, key, value);
    return json(201, imageView(image), { Location: `${this.cloud.origin}/image/v2/images/${image.id}` });
  }

  private patch(req: FakeRequest, id: string): FakeResponse {
    const ctx = this.ctx(req);
    const contentType = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/openstack-images-v2.1-json-patch' && contentType !== 'application/openstack-images-v2.0-json-patch') {
      throw new ApiError(415, `Content type ${contentType || 'None'} not supported`, {
        'Accept-Patch': 'application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch',
      });
    }
    const image = this.visible(req, id, `Failed to find image ${id} to update`);
    this.owned(req, image, 'modify_image');
    const changes = this.jsonBody(req);
    if (!Array.isArray(changes)) throw new ApiError(400, 'Request body must be a JSON array of operation objects.');
    const draft: ImageRec = { ...image, props: { ...image.props }, tags: [...image.tags] };
    for (const change of changes) {
      if (!isObject(change)) throw new ApiError(400, 'Operations must be JSON objects.');
      const op = change.op;
      if (op !== 'add' && op !== 'replace' && op !== 'remove') throw new ApiError(400, `Invalid operation: \`${String(op)}\`.`);
      if (typeof change.path !== 'string' || !change.path.startsWith('/')) throw new ApiError(400, `Pointer \`${String(change.path)}\` does not start with "/".`);
      const key = change.path.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
      if (READ_ONLY.includes(key)) throw new ApiError(403, `Attribute '${key}' is read-only.`);
      if (RESERVED.includes(key)) throw new ApiError(403, `Attribute '${key}' is reserved.`);
      const base = BASE_ATTRIBUTES.includes(key);
      if (op === 'remove') {
        if (base) throw new ApiError(403, `Property ${key} may not be removed.`);
        if (!(key in draft.props)) throw new ApiError(409, `Property ${key} does not exist.`);
        delete draft.props[key];
        continue;
      }
      if (!('value' in change)) throw new ApiError(400, `Operation "${op}" requires a member named "value".`);
      if (op === 'replace' && !base && !(key in draft.props)) throw new ApiError(409, `Property ${key} does not exist.`);
      if (key === 'owner' && !ctx.isAdmin) throw new ApiError(403, "Attribute 'owner' is read-only.");
      if ((key === 'disk_format' || key === 'container_format') && draft.status !== 'queued') {
        throw new ApiError(403, `Attribute ${key} can be only replaced for a queued image.`);
      }
      this.checkAttribute(key, change.value, ctx);
      this.apply(draft, key, change.value);
    }
    Object.assign(image, draft, { updatedAt: new Date() });
    return json(200, imageView(image));
  }

  private delete(req: FakeRequest, id: string): FakeResponse {
    const image = this.visible(req, id, `Failed to find image ${id} to delete`);
    this.owned(req, image, 'delete_image');
    if (image.protected) throw new ApiError(403, `Image ${id} is protected and cannot be deleted.`);
    this.cloud.images.delete(id);
    return noContent();
  }

  private upload(req: FakeRequest, id: string): FakeResponse {
    const contentType = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/octet-stream') throw new ApiError(415, `Content type ${contentType || 'None'} not supported`);
    const image = this.visible(req, id);
    this.owned(req, image, 'upload_image');
    if (image.status !== 'queued') throw new ApiError(409, `Image status transition from ${image.status} to saving is not allowed`);
    if (!image.diskFormat || !image.containerFormat) {
      throw new ApiError(400, 'Properties disk_format, container_format must be set prior to saving data.');
    }
    this.cloud.storeImageData(image, Buffer.from(req.body));
    return noContent();
  }

  private download(req: FakeRequest, id: string): FakeResponse {
    const image = this.visible(req, id);
    if (!image.data || image.status !== 'active') return noContent();
    return {
      status: 200,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-MD5': image.checksum ?? '', 'Content-Length': String(image.data.length) },
      body: image.data,
    };
  }

  private tag(req: FakeRequest, id: string, tag: string, add: boolean): FakeResponse {
    const image = this.visible(req, id);
    this.owned(req, image, 'modify_image');
    if (add) {
      if (!image.tags.includes(tag)) image.tags.push(tag);
    } else {
      if (!image.tags.includes(tag)) throw new ApiError(404, `Tag ${tag} not found`);
      image.tags = image.tags.filter((candidate) => candidate !== tag);
    }
    image.updatedAt = new Date();
    return noContent();
  }
}
