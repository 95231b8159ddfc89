import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../support/free-port';
import { ServiceProcess, useBuiltService } from '../support/service-process';
import { createTestDatabase } from '../support/test-database';
import { NO_DEFINITIONS_DIR } from '../support/test-app';
import { waitFor } from '../support/wait-for';

// the service runs as `npm start` runs it, from dist/ (built first when the sources changed)
useBuiltService();

jest.setTimeout(120000);

interface Execution {
  id: string;
  state: string;
  state_info: string | null;
}
interface Task {
  id: string;
  name: string;
  state: string;
  state_info: string | null;
}

/** A user talking to one service process over HTTP. */
class Api {
  constructor(readonly base: string) {}

  async send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async start(workflow: string, input: Record<string, unknown> = {}): Promise<string> {
    const created = await this.send('POST', '/v2/executions', { workflow_name: workflow, input });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async execution(id: string): Promise<Execution> {
    return (await this.send('GET', `/v2/executions/${id}`)).body;
  }

  async tasks(id: string): Promise<Task[]> {
    return (await this.send('GET', `/v2/executions/${id}/tasks`)).body.tasks;
  }

  async actions(taskId: string): Promise<Array<{ state: string; state_info: string | null }>> {
    return (await this.send('GET', `/v2/tasks/${taskId}/action_executions`)).body.action_executions;
  }

  async waitFor(id: string, timeoutMs = 60000): Promise<Execution> {
    return waitFor(`execution ${id} to end`, async () => {
      const execution = await this.execution(id);
      return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(execution.state) ? execution : undefined;
    }, { timeoutMs, intervalMs: 100 });
  }

  /** Waits until the execution has reached its task `name` (the tasks before it are done). */
  async waitForTask(id: string, name: string): Promise<void> {
    await waitFor(`execution ${id} at task ${name}`, async () => (await this.tasks(id)).some((task) => task.name === name), { timeoutMs: 60000, intervalMs: 50 });
  }
}

const SLEEPY_CHAIN = `
version: '2.0'
sleepy_chain:
  tasks:
    one:
      action: std.sleep seconds=1
      on-success: two
    two:
      action: std.sleep seconds=1
      on-success: three
    three:
      action: std.sleep seconds=1
      on-success: four
    four:
      action: std.echo output=done
`;

describe('durability: the service killed and started again, and two instances on one database', () => {
  let database: { url: string; drop: () => Promise<void> };
  let slowServer: Server;
  let slowRequests = 0;
  let slowUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    // an HTTP endpoint that takes its time: the service is killed while waiting for it
    slowServer = createServer((request, response) => {
      slowRequests += 1;
      setTimeout(() => response.end('{"ok": true}'), 4000);
    });
    await new Promise<void>((resolve) => slowServer.listen(0, '127.0.0.1', resolve));
    slowUrl = `http://127.0.0.1:${(slowServer.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    slowServer.close();
    await database.drop();
  });

  async function startService(): Promise<{ service: ServiceProcess; api: Api }> {
    const port = await freePort();
    const service = await ServiceProcess.start({
      DATABASE_URL: database.url,
      SIROCCO_PORT: String(port),
      SIROCCO_DEFINITIONS_DIR: NO_DEFINITIONS_DIR,
      SIROCCO_ENGINE_LEASE_SECONDS: '2',
      SIROCCO_ENGINE_POLL_MS: '200',
    });
    return { service, api: new Api(`http://127.0.0.1:${port}`) };
  }

  it('finishes a workflow after SIGKILL mid-task, running each task once', async () => {
    const first = await startService();
    expect((await first.api.send('POST', '/v2/workflows', SLEEPY_CHAIN, 'text/plain')).status).toBe(201);
    const id = await first.api.start('sleepy_chain');
    await first.api.waitForTask(id, 'two'); // killed inside task 'two'
    await first.service.stop('SIGKILL');

    const second = await startService();
    try {
      const execution = await second.api.waitFor(id);
      expect(execution.state).toBe('SUCCESS');
      const tasks = await second.api.tasks(id);
      expect(tasks.map((task) => task.name).sort()).toEqual(['four', 'one', 'three', 'two']);
      expect(tasks.every((task) => task.state === 'SUCCESS')).toBe(true);
      // 'one' finished before the kill: it ran once; 'two' was in flight: std.sleep is safe to re-run
      expect(await second.api.actions(tasks.find((task) => task.name === 'one')!.id)).toHaveLength(1);
    } finally {
      await second.service.stop('SIGTERM');
    }
  });

  it('fails, with the reason, a task whose unsafe action was in flight at the crash', async () => {
    const first = await startService();
    const definition = `
version: '2.0'
unsafe_wf:
  input:
    - url
  tasks:
    notify:
      action: std.http method=POST url=<% $.url %> timeout=30
`;
    expect((await first.api.send('POST', '/v2/workflows', definition, 'text/plain')).status).toBe(201);
    const before = slowRequests;
    const id = await first.api.start('unsafe_wf', { url: slowUrl });
    await waitFor('the POST to reach the slow endpoint', () => slowRequests > before, { timeoutMs: 60000, intervalMs: 50 });
    await first.service.stop('SIGKILL');

    const second = await startService();
    try {
      const execution = await second.api.waitFor(id);
      expect(execution.state).toBe('ERROR');
      const [task] = await second.api.tasks(id);
      expect(task.state_info).toContain('not run again');
      expect(task.state_info).toContain('safe-rerun');
      expect(slowRequests).toBe(before + 1); // the POST was not sent twice
    } finally {
      await second.service.stop('SIGTERM');
    }
  });

  it('runs many executions on two instances, each task once, and survives losing one', async () => {
    const a = await startService();
    const b = await startService();
    let bStopped = false;
    try {
      const ids: string[] = [];
      for (let i = 0; i < 10; i += 1) ids.push(await (i % 2 === 0 ? a : b).api.start('sleepy_chain'));
      // every chain is under way (past its first task) when b dies
      for (const id of ids) await a.api.waitForTask(id, 'two');
      await b.service.stop('SIGKILL');
      bStopped = true;
      for (const id of ids) {
        const execution = await a.api.waitFor(id);
        expect(execution.state).toBe('SUCCESS');
        const tasks = await a.api.tasks(id);
        expect(tasks.map((task) => task.name).sort()).toEqual(['four', 'one', 'three', 'two']);
      }
    } finally {
      await a.service.stop('SIGTERM');
      if (!bStopped) await b.service.stop('SIGTERM');
    }
  });
});
