import type { Json } from './compute.client';
import { OpenStackError } from './openstack-error';
import type { OpenStackSession, RequestOptions, ServiceSpec } from './openstack-session';

/** Glance v2 (no microversions; the catalog URL is usually unversioned). */
export const IMAGE: ServiceSpec = { label: 'Glance', catalogTypes: ['image'], versionPath: '/v2' };

/** An image as Glance shows it: its own fields and every custom property at the top level. */
export interface Image extends Json {
  id: string;
  name: string | null;
  status: string;
  owner?: string;
  tags?: string[];
  created_at?: string;
  updated_at?: string;
}

export interface ImageListOptions {
  /** property filters: `name`, `status`, `owner`, `visibility`, `tag` (a list for several), any custom property */
  filters?: Record<string, unknown>;
  sort_key?: string;
  sort_dir?: string;
  /** `created_at:desc,name:asc` */
  sort?: string;
  /** the most images to return in all (all pages when absent) */
  limit?: number;
  page_size?: number;
  marker?: string;
}

export class ImageClient {
  constructor(private readonly session: OpenStackSession) {}

  /** Images visible to the project, following Glance's `next` links (as glanceclient's list does). */
  async listImages(options: ImageListOptions = {}, signal?: AbortSignal): Promise<Image[]> {
    const query: NonNullable<RequestOptions['query']> = {};
    for (const [key, value] of Object.entries(options.filters ?? {})) {
      if (value === null || value === undefined) continue;
      query[key] = Array.isArray(value) ? value.map(String) : typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
    if (options.sort_key) query.sort_key = options.sort_key;
    if (options.sort_dir) query.sort_dir = options.sort_dir;
    if (options.sort) query.sort = options.sort;
    if (options.marker) query.marker = options.marker;
    // Glance's own default page is 25 images: ask for more per round trip
    query.limit = options.page_size ?? Math.min(options.limit ?? 200, 200);

    const images: Image[] = [];
    let path: string | undefined = '/images';
    let pageQuery: RequestOptions['query'] = query;
    for (let page = 0; path; page++) {
      if (page === 1000) throw new OpenStackError(502, 'Glance: GET /images: more than 1000 pages; narrow the list with filters', { service: 'Glance', operation: 'GET /images' });
      const answer: { body: { images?: Image[]; next?: string } } = await this.session.request(IMAGE, 'GET', path, { query: pageQuery, signal });
      const body = answer.body;
      images.push(...(body.images ?? []));
      if (options.limit !== undefined && images.length >= options.limit) return images.slice(0, options.limit);
      // `next` is relative to the unversioned endpoint: "/v2/images?marker=..."
      path = body.next ? body.next.replace(/^\/v2(?=\/)/, '') : undefined;
      pageQuery = undefined;
    }
    return images;
  }

  async getImage(id: string, signal?: AbortSignal): Promise<Image> {
    return (await this.session.request<Image>(IMAGE, 'GET', `/images/${encodeURIComponent(id)}`, { signal })).body;
  }

  /** POST /v2/images: a `queued` image record (keys Glance does not know become properties). */
  async createImage(image: Json, signal?: AbortSignal): Promise<Image> {
    return (await this.session.request<Image>(IMAGE, 'POST', '/images', { body: image, signal })).body;
  }

  async deleteImage(id: string, signal?: AbortSignal): Promise<void> {
    await this.session.request(IMAGE, 'DELETE', `/images/${encodeURIComponent(id)}`, { signal });
  }

  /** Adds a tag (idempotent: an existing tag is kept). */
  async addTag(id: string, tag: string, signal?: AbortSignal): Promise<void> {
    await this.session.request(IMAGE, 'PUT', `/images/${encodeURIComponent(id)}/tags/${encodeURIComponent(tag)}`, { signal });
  }

  /** Sets (adds or replaces) and removes properties with a JSON patch. */
  async updateImage(id: string, set: Record<string, unknown>, remove: string[] = [], signal?: AbortSignal): Promise<Image> {
    const current = await this.getImage(id, signal);
    const patch = [
      ...Object.entries(set).map(([key, value]) => ({ op: key in current ? 'replace' : 'add', path: `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, value })),
      ...remove.filter((key) => key in current).map((key) => ({ op: 'remove', path: `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}` })),
    ];
    if (patch.length === 0) return current;
    return (
      await this.session.request<Image>(IMAGE, 'PATCH', `/images/${encodeURIComponent(id)}`, {
        body: JSON.stringify(patch),
        contentType: 'application/openstack-images-v2.1-json-patch',
        signal,
      })
    ).body;
  }
}
