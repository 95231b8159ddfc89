import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '../support/free-port';
import { ServiceProcess, useBuiltService } from '../support/service-process';
import { waitFor } from '../support/wait-for';
import { isProcessAlive } from '../../src/common/process-alive';

// the service runs as `npm start` runs it, from dist/ (built first when the sources changed)
useBuiltService();

// each test starts the service (and its embedded PostgreSQL) twice: over a minute each on a loaded machine
jest.setTimeout(300000);

function definition(name: string, message: string): string {
  return `version: '2.0'\n${name}:\n  tasks:\n    say:\n      action: std.echo output="${message}"\n`;
}

interface WorkflowResource {
  id: string;
  name: string;
  definition: string;
  updated_at: string | null;
}

async function getWorkflow(url: string): Promise<WorkflowResource> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as WorkflowResource;
}


/** The service on its embedded PostgreSQL, started and stopped as a user would. */
describe('the service with no DATABASE_URL', () => {
  let workDir: string;
  let env: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), 'sirocco-restart-'));
    chmodSync(workDir, 0o755); // the embedded PostgreSQL runs as user postgres when the tests run as root
    const definitions = path.join(workDir, 'definitions');
    mkdirSync(definitions);
    writeFileSync(path.join(definitions, 'shipped.yaml'), definition('shipped_wf', 'v1'));
    env = {
      SIROCCO_DATA_DIR: path.join(workDir, 'data'),
      SIROCCO_DEFINITIONS_DIR: definitions,
      DATABASE_URL: '',
    };
  });

  /**
   * Starts the service on ports free right now: a port freed by the previous run may be taken by
   * another process's connection in between (a loaded machine runs many).
   */
  async function startService(): Promise<ServiceProcess> {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    return ServiceProcess.start({ ...env, SIROCCO_PORT: String(port), SIROCCO_EMBEDDED_PG_PORT: String(await freePort()) });
  }

  afterAll(async () => {
    // a PostgreSQL left behind by a failed test (a service killed before it could stop it)
    const orphan = postmasterPid();
    if (orphan !== null && isProcessAlive(orphan)) {
      process.kill(orphan, 'SIGINT');
      await waitFor('the left-behind PostgreSQL to stop', () => !isProcessAlive(orphan), { timeoutMs: 30000 });
    }
    rmSync(workDir, { recursive: true, force: true });
  });

  function postmasterPid(): number | null {
    const pidFile = path.join(workDir, 'data', 'pg', 'postmaster.pid');
    return existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : null;
  }

  it('keeps workflows across a SIGTERM restart and loads changed definitions', async () => {
    const first = await startService();
    const shipped = await getWorkflow(`${base}/v2/workflows/shipped_wf`);
    expect(shipped).toMatchObject({ name: 'shipped_wf', scope: 'public' });
    expect(shipped.definition).toContain('v1');

    const created = await fetch(`${base}/v2/workflows`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: definition('kept_wf', 'still here'),
    });
    expect(created.status).toBe(201);
    const postgresPid = postmasterPid();
    expect(postgresPid).not.toBeNull();

    expect(await first.stop('SIGTERM')).toBe(0);
    // the embedded PostgreSQL was shut down cleanly with the service
    expect(isProcessAlive(postgresPid!)).toBe(false);
    expect(postmasterPid()).toBeNull();

    writeFileSync(path.join(env.SIROCCO_DEFINITIONS_DIR, 'shipped.yaml'), definition('shipped_wf', 'v2'));
    const second = await startService();
    try {
      const kept = await getWorkflow(`${base}/v2/workflows/kept_wf`);
      expect(kept.definition).toContain('still here');
      const reloaded = await getWorkflow(`${base}/v2/workflows/shipped_wf`);
      expect(reloaded.id).toBe(shipped.id);
      expect(reloaded.definition).toContain('v2');
      expect(reloaded.updated_at).not.toBeNull();
      expect(second.log).toContain('definitions/shipped.yaml: updated shipped_wf');
    } finally {
      expect(await second.stop('SIGINT')).toBe(0);
    }
  });

  it('starts again after being killed with SIGKILL, data intact', async () => {
    const killed = await startService();
    const orphan = postmasterPid();
    await killed.stop('SIGKILL');
    // PostgreSQL outlives a killed service; the next start must take over its data folder
    expect(isProcessAlive(orphan!)).toBe(true);

    const restarted = await startService();
    try {
      const kept = await fetch(`${base}/v2/workflows/kept_wf`);
      expect(kept.status).toBe(200);
      expect(isProcessAlive(orphan!)).toBe(false);
    } finally {
      expect(await restarted.stop('SIGTERM')).toBe(0);
    }
  });

  it('refuses to start with a bad variable, naming it', async () => {
    const result = await ServiceProcess.startExpectingFailure({ ...env, SIROCCO_PORT: 'eighty' });
    expect(result.code).toBe(2);
    expect(result.output).toContain("SIROCCO_PORT must be an integer from 0 to 65535 (got 'eighty')");
  });
});
