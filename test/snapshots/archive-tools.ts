import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import type TestAgent from 'supertest/lib/agent';
import { waitFor } from '../support/wait-for';

export const SECRET_KEY = 'correct horse battery staple';
export const POLL = { timeoutMs: 20000, intervalMs: 100 };

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A tar.gz's members, as a user would list them with `tar xzf`. */
export async function untarGz(archive: Buffer): Promise<Map<string, Buffer>> {
  const members = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (part: unknown) => parts.push(part as Buffer));
      stream.on('end', () => {
        members.set(header.name, Buffer.concat(parts));
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(gunzipSync(archive));
  await done;
  return members;
}

/** Packs members back into a tar.gz (to tamper with an archive as an attacker or a newer Sirocco would). */
export async function tarGz(members: Map<string, Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', resolve));
  for (const [name, data] of members) pack.entry({ name }, data);
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** Takes a snapshot through the API and waits for CREATED. */
export async function takeSnapshot(http: TestAgent, id: string, includeHistory: boolean, token?: string): Promise<Record<string, unknown>> {
  const put = http.put(`/v2/snapshots/${id}`);
  if (token) put.set('X-Auth-Token', token);
  const created = await put.send({ include_history: includeHistory }).expect(202);
  expect(created.body).toMatchObject({ id, status: 'CREATING', include_history: includeHistory });
  return waitFor(`snapshot ${id} CREATED`, async () => {
    const get = http.get(`/v2/snapshots/${id}`);
    if (token) get.set('X-Auth-Token', token);
    const response = await get.expect(200);
    if (response.body.status === 'FAILED') throw new Error(`snapshot ${id} FAILED: ${response.body.error}`);
    return response.body.status === 'CREATED' ? (response.body as Record<string, unknown>) : undefined;
  }, POLL);
}

export async function downloadArchive(http: TestAgent, id: string, token?: string): Promise<Buffer> {
  const get = http.get(`/v2/snapshots/${id}/archive`);
  if (token) get.set('X-Auth-Token', token);
  const response = await get
    .buffer(true)
    .parse((res, callback) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => callback(null, Buffer.concat(parts)));
    })
    .expect(200);
  expect(response.headers['content-type']).toBe('application/gzip');
  return response.body as Buffer;
}

export function uploadArchive(http: TestAgent, id: string, archive: Buffer, token?: string) {
  const put = http.put(`/v2/snapshots/${id}/archive`).set('Content-Type', 'application/gzip');
  if (token) put.set('X-Auth-Token', token);
  return put.send(archive);
}

/** Restores and waits until the restore ended (GET /v2/snapshot-status NOT_RUNNING); returns the snapshot. */
export async function restoreAndWait(http: TestAgent, id: string, force = false): Promise<Record<string, unknown>> {
  const started = await http.post(`/v2/snapshots/${id}/restore`).send({ force }).expect(202);
  expect(started.body.restore_status).toBe('RUNNING');
  await waitFor('the restore to end', async () => {
    const status = await http.get('/v2/snapshot-status').expect(200);
    return status.body.status === 'NOT_RUNNING' ? true : undefined;
  }, POLL);
  const snapshot = (await http.get(`/v2/snapshots/${id}`).expect(200)).body as Record<string, unknown>;
  expect(snapshot).toMatchObject({ restore_status: 'DONE', restore_error: null });
  return snapshot;
}
