import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { chown, mkdir, readlink, rmdir, symlink } from 'node:fs/promises';
import * as path from 'node:path';
import { ROOT_RUNTIME_DIR, RunAs, userCan } from './postgres-process';

/**
 * The folder of the cluster: `<dataDir>/pg`. As root, PostgreSQL runs as the `postgres` user; when
 * that user cannot reach the data folder (e.g. under a 0700 /root), the cluster lives in
 * /var/lib/sirocco/clusters/<hash of the data folder> and `<dataDir>/pg` is a symbolic link to it.
 */
export async function clusterDirFor(dataDir: string, user: RunAs, log: (line: string) => void): Promise<string> {
  const inPlace = path.join(dataDir, 'pg');
  if (user.uid === undefined) return inPlace;

  const existing = kindOf(inPlace);
  if (existing === 'link') {
    const target = path.resolve(dataDir, await readlink(inPlace));
    await ownedFolder(target, user);
    return target;
  }
  if (userCan(user, '-x', dataDir)) {
    if (existing === 'missing' || isEmpty(inPlace)) await ownedFolder(inPlace, user);
    return inPlace;
  }
  if (existing === 'folder' && !isEmpty(inPlace)) {
    throw new Error(
      `the cluster in ${inPlace} cannot be reached by the postgres user PostgreSQL runs as when started by root; ` +
        `open the folders above it to that user (chmod o+x) or move it`,
    );
  }
  const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  const elsewhere = path.join(ROOT_RUNTIME_DIR, 'clusters', `${path.basename(path.dirname(dataDir))}-${id}`);
  log(`the postgres user cannot reach ${dataDir}: keeping the cluster in ${elsewhere} (linked from ${inPlace})`);
  await mkdir(path.dirname(elsewhere), { recursive: true, mode: 0o755 });
  await ownedFolder(elsewhere, user);
  if (existing === 'folder') await rmdir(inPlace);
  await symlink(elsewhere, inPlace);
  return elsewhere;
}

function kindOf(file: string): 'missing' | 'link' | 'folder' {
  try {
    return lstatSync(file).isSymbolicLink() ? 'link' : 'folder';
  } catch {
    return 'missing';
  }
}

function isEmpty(folder: string): boolean {
  return !existsSync(folder) || readdirSync(folder).length === 0;
}

async function ownedFolder(folder: string, user: RunAs): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chown(folder, user.uid!, user.gid!);
}
