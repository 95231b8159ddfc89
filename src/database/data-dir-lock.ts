import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Raised when another running service holds the data folder. */
export class DataDirLockedError extends Error {}

interface LockOwner {
  pid: number;
  /** the process's start time (Linux clock ticks since boot), so that a reused pid is not mistaken for the owner */
  started: string | null;
}

/**
 * An exclusive lock on a data folder, held by this process while it runs: the file `sirocco.pid`
 * names its pid. A lock whose process is gone (the service was killed with SIGKILL, the machine
 * rebooted) is stale and taken over.
 */
export class DataDirLock {
  private constructor(private readonly file: string) {}

  static acquire(dataDir: string): DataDirLock {
    const file = path.join(dataDir, 'sirocco.pid');
    const me: LockOwner = { pid: process.pid, started: startTime(process.pid) };
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (createComplete(file, JSON.stringify(me) + '\n')) {
        const lock = new DataDirLock(file);
        process.once('exit', () => lock.release());
        return lock;
      }
      const owner = readOwner(file);
      if (owner && isRunning(owner)) {
        throw new DataDirLockedError(
          `the data folder ${dataDir} is in use by another Sirocco (pid ${owner.pid}); ` +
            `stop it first, or give this one its own SIROCCO_DATA_DIR (or a DATABASE_URL)`,
        );
      }
      // stale: its service is gone
      try {
        unlinkSync(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new DataDirLockedError(`could not lock the data folder ${dataDir} (${file} keeps coming back)`);
  }

  /** Removes the lock file, if it is still this process's. */
  release(): void {
    if (readOwner(this.file)?.pid !== process.pid) return;
    try {
      unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}

/** Creates `file` with `content` unless it exists; it never appears half-written (a hard link is atomic). */
function createComplete(file: string, content: string): boolean {
  const staging = `${file}.${process.pid}.tmp`;
  writeFileSync(staging, content, { mode: 0o644 });
  try {
    linkSync(staging, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    unlinkSync(staging);
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
    return Number.isInteger(owner.pid) && owner.pid > 0 ? owner : undefined;
  } catch {
    // missing, or cut short by a crash while being written: no owner
    return undefined;
  }
}

function isRunning(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = startTime(owner.pid);
  return owner.started === null || started === null || started === owner.started;
}

/** Field 22 of /proc/<pid>/stat (null where there is no /proc). */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count from its closing parenthesis
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
