import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '../support/free-port';
import { ServiceProcess, useBuiltService } from '../support/service-process';
import { isProcessAlive } from '../../src/common/process-alive';

// the service runs as `npm start` runs it, from dist/ (built first when the sources changed)
useBuiltService();

// above ServiceProcess's own start limit (120 s), so a slow start fails with the service's output and is cleaned up
jest.setTimeout(300000);


function postmasterPid(dataDir: string): number | null {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  return existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : null;
}

async function answers(base: string): Promise<number> {
  return (await fetch(`${base}/v2/workflows`)).status;
}

/** What the service wrote to stdout and stderr, line by line. */
function lines(log: string): string[] {
  return log.split('\n').filter((line) => line.trim() !== '');
}

describe('one data folder, one service', () => {
  let workDir: string;
  let dataDir: string;
  let env: Record<string, string>;
  let base: string;
  let first: ServiceProcess;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), 'sirocco-lock-'));
    chmodSync(workDir, 0o755);
    dataDir = path.join(workDir, 'data');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      SIROCCO_PORT: String(port),
      SIROCCO_DATA_DIR: dataDir,
      SIROCCO_EMBEDDED_PG_PORT: String(await freePort()),
      SIROCCO_DEFINITIONS_DIR: path.join(workDir, 'no-definitions'),
      SIROCCO_LOG_FORMAT: '',
      DATABASE_URL: '',
    };
  });

  afterAll(async () => {
    await first?.stop('SIGTERM');
    rmSync(workDir, { recursive: true, force: true });
  });

  it('refuses a second service on the same data folder, naming the folder and the holder, while the first keeps answering', async () => {
    first = await ServiceProcess.start(env);
    const postgres = postmasterPid(dataDir)!;

    const second = await ServiceProcess.startExpectingFailure({ ...env, SIROCCO_PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.output).toContain(`the data folder ${dataDir} is in use by another Sirocco (pid ${first.pid})`);

    expect(await answers(base)).toBe(200);
    expect(postmasterPid(dataDir)).toBe(postgres);
    expect(isProcessAlive(postgres)).toBe(true);
  });

  it('writes JSON lines when its output is not a terminal', () => {
    const written = lines(first.log);
    expect(written.length).toBeGreaterThan(5);
    for (const line of written) {
      expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
    expect(written.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain(
      `API on http://127.0.0.1:${env.SIROCCO_PORT}/v2 (OpenAPI at /docs)`,
    );
  });

  it('takes over the data folder and the PostgreSQL of a service killed with SIGKILL; logs pretty lines when asked', async () => {
    const orphan = postmasterPid(dataDir)!;
    await first.stop('SIGKILL');
    // the killed service's lock and PostgreSQL are left behind
    expect(JSON.parse(readFileSync(path.join(dataDir, 'sirocco.pid'), 'utf8'))).toMatchObject({ pid: first.pid });
    expect(isProcessAlive(orphan)).toBe(true);

    const next = await ServiceProcess.start({ ...env, SIROCCO_LOG_FORMAT: 'pretty' });
    try {
      expect(await answers(base)).toBe(200);
      expect(isProcessAlive(orphan)).toBe(false);
      expect(JSON.parse(readFileSync(path.join(dataDir, 'sirocco.pid'), 'utf8'))).toMatchObject({ pid: next.pid });
      const written = lines(next.log);
      expect(written).toContainEqual(expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[sirocco\] stopping the PostgreSQL left running by a previous start/));
      expect(written).toContainEqual(expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[sirocco\] API on http:\/\/127\.0\.0\.1:\d+\/v2/));
      await next.waitFor(/INFO: request completed GET \/v2\/workflows 200 \d+ ms\n/, 5000);
      expect(written.filter((line) => line.startsWith('{'))).toEqual([]);
    } finally {
      expect(await next.stop('SIGTERM')).toBe(0);
    }
    // a clean stop unlocks the folder
    expect(existsSync(path.join(dataDir, 'sirocco.pid'))).toBe(false);
  });

  it("fails with PostgreSQL's own message when the embedded PostgreSQL cannot start", async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(env.SIROCCO_EMBEDDED_PG_PORT), '127.0.0.1', resolve));
    try {
      const result = await ServiceProcess.startExpectingFailure(env);
      expect(result.code).toBe(1);
      expect(result.output).toContain(`embedded PostgreSQL did not start on port ${env.SIROCCO_EMBEDDED_PG_PORT}`);
      expect(result.output).toContain('could not bind IPv4 address "127.0.0.1": Address already in use');
      expect(result.output).not.toMatch(/Unhandled 'error' event|at .*node:internal/);
      // the failed start left the folder free
      expect(existsSync(path.join(dataDir, 'sirocco.pid'))).toBe(false);
    } finally {
      squatter.close();
    }
  });
});

const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

/**
 * As root, PostgreSQL runs as the `postgres` user, who cannot enter a 0700 folder: the data
 * folder is placed in one here (binaries in such a folder: see postgres-process.spec.ts).
 */
asRoot('as root, with the data folder in a folder only root can enter', () => {
  let privateDir: string;
  let clusterDir: string | undefined;

  beforeAll(() => {
    privateDir = mkdtempSync(path.join(tmpdir(), 'sirocco-private-'));
    chmodSync(privateDir, 0o700);
  });

  afterAll(() => {
    if (clusterDir) rmSync(clusterDir, { recursive: true, force: true });
    rmSync(privateDir, { recursive: true, force: true });
  });

  it('starts, keeping the cluster where the postgres user can reach it, linked from the data folder', async () => {
    const port = await freePort();
    const service = await ServiceProcess.start(
      {
        SIROCCO_PORT: String(port),
        SIROCCO_DATA_DIR: path.join(privateDir, 'data'),
        SIROCCO_EMBEDDED_PG_PORT: String(await freePort()),
        SIROCCO_DEFINITIONS_DIR: path.join(privateDir, 'no-definitions'),
        DATABASE_URL: '',
      },
      90000,
    );
    try {
      expect(await answers(`http://127.0.0.1:${port}`)).toBe(200);
      const link = path.join(privateDir, 'data', 'pg');
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      clusterDir = readlinkSync(link);
      expect(clusterDir).toMatch(/^\/var\/lib\/sirocco\/clusters\//);
      expect(existsSync(path.join(clusterDir, 'postmaster.pid'))).toBe(true);
      expect(service.log).toContain(`keeping the cluster in ${clusterDir}`);
    } finally {
      expect(await service.stop('SIGTERM')).toBe(0);
    }
  });
});
