import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

export const ARCHIVE_FORMAT = 'sirocco-service-snapshot';
export const ARCHIVE_FORMAT_VERSION = 1;
export const MANIFEST = 'manifest.json';

export interface ArchiveManifest {
  format: string;
  format_version: number;
  sirocco_version: string;
  /** the latest migration the making instance had run */
  schema_version: string;
  created_at: string;
  include_history: boolean;
  encryption: { algorithm: 'AES-256-GCM'; kdf: 'HKDF-SHA256'; salt: string; key_check: string };
  /** rows per table */
  counts: Record<string, number>;
  /** every other member: its sha256 (hex) and size */
  files: Record<string, { sha256: string; bytes: number }>;
}

/** The archive is unreadable, damaged or not Sirocco's: the caller answers 400. */
export class ArchiveError extends Error {}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** One member file per table: JSON lines, one row each. */
export function jsonLines(rows: unknown[]): Buffer {
  return Buffer.from(rows.map((row) => JSON.stringify(row) + '\n').join(''), 'utf8');
}

export function parseJsonLines(name: string, data: Buffer): Array<Record<string, unknown>> {
  return data
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line, index) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new ArchiveError(`${name}, line ${index + 1}: not JSON`);
      }
    });
}

/** A tar.gz of the manifest (with the members' checksums) and the members. */
export async function packArchive(manifest: Omit<ArchiveManifest, 'files'>, members: Map<string, Buffer>): Promise<Buffer> {
  const files: ArchiveManifest['files'] = {};
  for (const [name, data] of members) files[name] = { sha256: sha256(data), bytes: data.length };
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const mtime = new Date(manifest.created_at);
  pack.entry({ name: MANIFEST, mtime, mode: 0o600 }, Buffer.from(JSON.stringify({ ...manifest, files }, null, 2), 'utf8'));
  for (const [name, data] of members) pack.entry({ name, mtime, mode: 0o600 }, data);
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

async function untar(tarBytes: Buffer): Promise<Map<string, Buffer>> {
  const members = new Map<string, Buffer>();
  const extract = tar.extract();
  const finished = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (part: unknown) => parts.push(part as Buffer));
      stream.on('end', () => {
        if (header.type === 'file') members.set(header.name, Buffer.concat(parts));
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(tarBytes);
  await finished;
  return members;
}

/**
 * Reads an archive: gunzip, untar, the manifest, and every member checked against its sha256.
 * `maxBytes` bounds what the archive may unpack to.
 */
export async function unpackArchive(archive: Buffer, maxBytes: number): Promise<{ manifest: ArchiveManifest; members: Map<string, Buffer> }> {
  let members: Map<string, Buffer>;
  try {
    members = await untar(gunzipSync(archive, { maxOutputLength: maxBytes }));
  } catch (error) {
    throw new ArchiveError(`the archive is not a readable tar.gz (damaged or truncated?): ${(error as Error).message}`);
  }
  const manifestBytes = members.get(MANIFEST);
  if (!manifestBytes) throw new ArchiveError(`the archive has no ${MANIFEST}: not a Sirocco snapshot`);
  let manifest: ArchiveManifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as ArchiveManifest;
  } catch {
    throw new ArchiveError(`${MANIFEST} is not JSON: the archive is damaged`);
  }
  if (manifest.format !== ARCHIVE_FORMAT || typeof manifest.files !== 'object' || manifest.files === null) {
    throw new ArchiveError(`the archive is not a Sirocco service snapshot (format ${JSON.stringify(manifest.format ?? null)})`);
  }
  if (manifest.format_version > ARCHIVE_FORMAT_VERSION) {
    throw new ArchiveError(`the archive's format version ${manifest.format_version} is newer than this Sirocco reads (${ARCHIVE_FORMAT_VERSION})`);
  }
  for (const [name, expected] of Object.entries(manifest.files)) {
    const data = members.get(name);
    if (!data) throw new ArchiveError(`the archive lacks ${name}, listed in its manifest`);
    if (sha256(data) !== expected.sha256) throw new ArchiveError(`checksum mismatch in ${name}: the archive is damaged or was altered`);
  }
  members.delete(MANIFEST);
  return { manifest, members };
}
