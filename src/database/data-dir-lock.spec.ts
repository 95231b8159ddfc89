import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataDirLock, DataDirLockedError } from './data-dir-lock';

function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

describe('DataDirLock', () => {
  let dir: string;
  const lockFile = () => path.join(dir, 'sirocco.pid');

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sirocco-lock-spec-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is held until released, and refused meanwhile, naming the folder and the holder', () => {
    const lock = DataDirLock.acquire(dir);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toEqual({ pid: process.pid, started: startTime(process.pid) });
    expect(() => DataDirLock.acquire(dir)).toThrow(new DataDirLockedError(
      `the data folder ${dir} is in use by another Sirocco (pid ${process.pid}); stop it first, or give this one its own SIROCCO_DATA_DIR (or a DATABASE_URL)`,
    ));
    lock.release();
    DataDirLock.acquire(dir).release();
  });

  it('is refused while another live process holds it', () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: process.ppid, started: startTime(process.ppid) }));
    expect(() => DataDirLock.acquire(dir)).toThrow(`(pid ${process.ppid})`);
  });

  it('takes over the lock of a process that is gone, or whose pid now belongs to another process', () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: 2 ** 22 + 1, started: '1' }));
    DataDirLock.acquire(dir).release();
    writeFileSync(lockFile(), JSON.stringify({ pid: process.ppid, started: 'not-its-start-time' }));
    DataDirLock.acquire(dir).release();
    writeFileSync(lockFile(), 'cut short');
    const lock = DataDirLock.acquire(dir);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });
});
