import { setTimeout as sleep } from 'node:timers/promises';
import { type ServiceProcess, useBuiltService } from '../support/service-process';
import { waitFor } from '../support/wait-for';
import type { PgCluster } from './pg-cluster';
import { startServiceOnCluster, type ServiceOnCluster } from './service-on-cluster';

/**
 * The service (its own process) on a PostgreSQL cluster this suite starts, through the faults of a
 * real deployment: a restart, killed connections, a frozen server. It must keep running, answer
 * 503 quickly while the database is away and 200 after, finish every execution once, and fire
 * every cron slot once.
 */
jest.setTimeout(240000);
// the service runs from dist/, built first when the sources changed
useBuiltService();

const WORKFLOWS = `version: '2.0'
fault_wf:
  input:
    - pause: 2
  tasks:
    first:
      action: std.echo
      input:
        output: one
        delay: <% $.pause %>
      on-success: [second, side]
    second:
      action: std.sleep
      input:
        seconds: <% $.pause %>
      on-success: [third]
    side:
      action: std.echo output="side"
      wait-before: <% $.pause %>
      on-success: [third]
    third:
      join: all
      action: std.echo output="done"
fault_tick:
  tasks:
    tick:
      action: std.echo output="tick"
fault_probe:
  tasks:
    probe:
      action: std.noop
`;
const TASKS = ['first', 'second', 'side', 'third'];
/** The service's database bounds (1 s, see startServiceOnCluster): a request while the database is away answers well within 5 s. */
const QUICK_MS = 5000;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

describe('the service while its database fails', () => {
  let started: ServiceOnCluster | undefined;
  let cluster: PgCluster;
  let service: ServiceProcess;
  let base: string;
  let triggersCreatedAt: Date;
  /** the cron slot that came due during the freeze */
  let frozenSlot: string;

  /** A request as a client sends it; one that gets no answer within `giveUpAfterMs` fails, as that client would. */
  async function api(method: string, urlPath: string, body?: unknown, giveUpAfterMs = 30000): Promise<Answer> {
    const started = Date.now();
    const response = await fetch(`${base}${urlPath}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(giveUpAfterMs),
    }).catch((error: unknown) => {
      throw new Error(`${method} ${urlPath}: no answer within ${giveUpAfterMs} ms (${String(error)})`);
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { text };
    }
    return { status: response.status, body: parsed, ms: Date.now() - started };
  }

  /** waitFor, failing at once if the service dies meanwhile. */
  async function waitWhileUp(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60000): Promise<void> {
    const seen = await waitFor(what, async () => (await check()) || (service.alive ? undefined : 'died'), { timeoutMs, intervalMs: 100 });
    if (seen === 'died') throw new Error(`the service died while waiting for ${what}:\n${service.log.slice(-4000)}`);
  }

  async function startExecutions(count: number, pause: number): Promise<string[]> {
    const ids: string[] = [];
    for (let index = 0; index < count; index++) {
      const created = await api('POST', '/v2/executions', { workflow_name: 'fault_wf', input: JSON.stringify({ pause }) });
      expect(created.status).toBe(201);
      ids.push(String(created.body.id));
    }
    return ids;
  }

  /** While the database is away: a 503 with Mistral's body saying so, to a client that waits at most QUICK_MS. */
  async function expectUnavailable(method: string, urlPath: string, body?: unknown): Promise<number> {
    const answer = await api(method, urlPath, body, QUICK_MS);
    expect({ path: urlPath, status: answer.status }).toEqual({ path: urlPath, status: 503 });
    expect(answer.body.faultstring).toMatch(/database is unavailable/i);
    return answer.ms;
  }

  async function expectReadyAgain(): Promise<number> {
    const started = Date.now();
    await waitWhileUp('GET /readyz to answer 200', async () => (await api('GET', '/readyz')).status === 200);
    expect((await api('GET', '/v2/executions?limit=1')).status).toBe(200);
    return Date.now() - started;
  }

  /** Every execution ends SUCCESS with each task run once, by one action execution. */
  async function expectAllSucceededOnce(ids: string[]): Promise<void> {
    for (const id of ids) {
      await waitWhileUp(`execution ${id} to end`, async () => {
        const execution = await api('GET', `/v2/executions/${id}`);
        return ['SUCCESS', 'ERROR', 'CANCELLED'].includes(String(execution.body.state));
      });
      const execution = await api('GET', `/v2/executions/${id}`);
      expect({ id, state: execution.body.state, info: execution.body.state_info }).toEqual({ id, state: 'SUCCESS', info: null });
      const tasks = (await api('GET', `/v2/executions/${id}/tasks`)).body.tasks as Array<{ id: string; name: string; state: string }>;
      expect(tasks.map((task) => task.name).sort()).toEqual(TASKS);
      for (const task of tasks) {
        expect(task.state).toBe('SUCCESS');
        const actions = (await api('GET', `/v2/tasks/${task.id}/action_executions`)).body.action_executions as Array<{ state: string }>;
        expect({ task: task.name, actions: actions.map((action) => action.state) }).toEqual({ task: task.name, actions: ['SUCCESS'] });
      }
    }
  }

  function keptEvents(): number {
    return (service.log.match(/kept until the database answers/g) ?? []).length;
  }

  beforeAll(async () => {
    started = await startServiceOnCluster('faults', {
      // short leases: a lease lapsed during the outage must not make the action run twice
      SIROCCO_ENGINE_LEASE_SECONDS: '10',
    });
    ({ cluster, service, base } = started);
    expect((await api('POST', '/v2/workflows', WORKFLOWS)).status).toBe(201);
    triggersCreatedAt = new Date();
    for (const [name, policy] of [['every_minute_run_once', 'run_once'], ['every_minute_catch_up', 'catch_up']]) {
      const created = await api('POST', '/v2/cron_triggers', { name, workflow_name: 'fault_tick', pattern: '* * * * *', misfire_policy: policy });
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    await started?.stop();
  });

  it('answers /healthz and /readyz with 200 while the database is there', async () => {
    expect((await api('GET', '/healthz')).status).toBe(200);
    expect((await api('GET', '/readyz')).body).toEqual({ status: 'ok' });
  });

  it('survives pg_ctl restart -m fast: 503 while it is down, 200 after, running executions finish once', async () => {
    const ids = await startExecutions(4, 2);
    const kept = keptEvents();
    // the restart in two steps, to look at the service while the server is down
    await cluster.stopFast();
    const readyMs = await expectUnavailable('GET', '/readyz');
    const listMs = await expectUnavailable('GET', '/v2/executions?limit=1');
    expect((await api('GET', '/healthz')).status).toBe(200);
    // an action ends while the database is away: its result is kept, not dropped
    await waitWhileUp('an engine event kept for the database', () => keptEvents() > kept, 30000);
    expect(service.alive).toBe(true);
    await cluster.startAgain();
    const recoveredMs = await expectReadyAgain();
    // and the plain restart, in one step, a few times in a row while the executions run
    for (let round = 0; round < 4; round++) {
      await cluster.restartFast();
      await expectReadyAgain();
    }
    await expectAllSucceededOnce(ids);
    expect(service.alive).toBe(true);
    process.stdout.write(`restart: 503 for /readyz in ${readyMs} ms, for /v2/executions in ${listMs} ms; ready ${recoveredMs} ms after the start\n`);
  });

  it('survives pg_terminate_backend of all its connections, the LISTEN one included', async () => {
    // after the restarts above, the LISTEN connection comes back on its own backoff (up to 5 s)
    const listenersBefore = await waitFor('the LISTEN connection after the restarts', async () => {
      const pids = await cluster.listeners('sirocco');
      return pids.length > 0 ? pids : undefined;
    }, { timeoutMs: 30000, intervalMs: 100 });
    expect(listenersBefore).toHaveLength(1);
    const ids = await startExecutions(4, 2);
    const killed = await cluster.terminateBackends('sirocco');
    expect(killed).toEqual(expect.arrayContaining(listenersBefore));
    // the LISTEN connection comes back by itself, on a new backend
    await waitWhileUp('a new LISTEN connection', async () => {
      const now = await cluster.listeners('sirocco');
      return now.length === 1 && !listenersBefore.includes(now[0]);
    });
    // and once more while the executions are half way
    await waitWhileUp('an execution half way', async () => {
      const tasks = (await api('GET', `/v2/executions/${ids[0]}/tasks`)).body.tasks as Array<{ name: string }> | undefined;
      return (tasks ?? []).some((task) => task.name === 'second');
    });
    const killedAgain = await cluster.terminateBackends('sirocco');
    expect(killedAgain.length).toBeGreaterThan(0);
    await expectAllSucceededOnce(ids);
    await expectReadyAgain();
    expect(service.alive).toBe(true);
    expect(await cluster.listeners('sirocco')).toHaveLength(1);
  });

  it('survives a server frozen (SIGSTOP) for 30 s: 503 within 5 s during, 200 after, nothing lost or run twice', async () => {
    // freeze 10 s before a minute begins, so that both cron triggers come due while the server is frozen
    let boundary = Math.ceil(Date.now() / 60000) * 60000;
    if (boundary - Date.now() < 12000) boundary += 60000;
    await sleep(boundary - 10000 - Date.now());
    frozenSlot = new Date(boundary).toISOString();
    const ids = await startExecutions(4, 3);
    const kept = keptEvents();
    const frozenAt = Date.now();
    const stopped = cluster.signalAll('SIGSTOP');
    let figures = '';
    try {
      expect(stopped).toBeGreaterThan(1);
      const readyMs = await expectUnavailable('GET', '/readyz');
      const listMs = await expectUnavailable('GET', '/v2/executions?limit=1');
      // a client that gave up must not get its execution created later
      const createMs = await expectUnavailable('POST', '/v2/executions', { workflow_name: 'fault_probe' });
      expect((await api('GET', '/healthz')).status).toBe(200);
      await waitWhileUp('an engine event kept for the database', () => keptEvents() > kept, 25000);
      expect(service.alive).toBe(true);
      figures = `/readyz ${readyMs} ms, /v2/executions ${listMs} ms, POST /v2/executions ${createMs} ms`;
      // the freeze lasts 30 s: longer than the engine's lease (10 s here) and than every timeout
      await sleep(Math.max(0, 30000 - (Date.now() - frozenAt)));
      await expectUnavailable('GET', '/readyz');
    } finally {
      cluster.signalAll('SIGCONT');
    }
    const recoveredMs = await expectReadyAgain();
    await expectAllSucceededOnce(ids);
    const all = (await api('GET', '/v2/executions?limit=1000')).body.executions as Array<{ workflow_name: string }>;
    expect(all.filter((execution) => execution.workflow_name === 'fault_probe')).toEqual([]);
    expect(service.alive).toBe(true);
    process.stdout.write(`freeze: 503 for ${figures}; ready ${recoveredMs} ms after SIGCONT\n`);
  });

  it('fired every cron slot exactly once, by its misfire policy, all through', async () => {
    // the slot of the current minute too, when it is a few seconds old
    const until = new Date(Date.now() - 3000);
    const expected: string[] = [];
    for (let slot = new Date(Math.ceil(triggersCreatedAt.getTime() / 60000) * 60000); slot <= until; slot = new Date(slot.getTime() + 60000)) {
      expected.push(slot.toISOString());
    }
    expect(expected.length).toBeGreaterThanOrEqual(1);
    for (const name of ['every_minute_run_once', 'every_minute_catch_up']) {
      let slots: string[] = [];
      let firings: Array<{ scheduled_for: string; fired_at: string; outcome: string; execution_id: string }> = [];
      await waitWhileUp(`${name} to fire each slot up to ${until.toISOString()}`, async () => {
        firings = (await api('GET', `/v2/cron_triggers/${name}/firings?limit=100`)).body.firings as typeof firings;
        slots = firings.map((firing) => new Date(firing.scheduled_for.replace(' ', 'T') + 'Z').toISOString());
        return expected.every((slot) => slots.includes(slot));
      }, 30000).catch((error: Error) => {
        throw new Error(`${error.message}; fired: ${JSON.stringify(firings)}; expected ${expected}`);
      });
      const upToUntil = slots.filter((slot) => slot <= expected[expected.length - 1]).sort();
      expect({ name, slots: upToUntil }).toEqual({ name, slots: expected });
      expect(new Set(slots).size).toBe(slots.length);
      // the slot due during the freeze fired once, after the server woke up
      const late = firings.find((firing) => new Date(firing.scheduled_for.replace(' ', 'T') + 'Z').toISOString() === frozenSlot);
      expect(late).toBeDefined();
      const lateBySeconds = (Date.parse(late!.fired_at.replace(' ', 'T') + 'Z') - Date.parse(frozenSlot)) / 1000;
      expect(lateBySeconds).toBeGreaterThanOrEqual(15);
      for (const firing of firings) {
        expect(firing.outcome).toBe('started');
        await waitWhileUp(`the execution of ${name} at ${firing.scheduled_for}`, async () => (await api('GET', `/v2/executions/${firing.execution_id}`)).body.state === 'SUCCESS', 20000);
      }
      process.stdout.write(`${name}: ${slots.length} slots fired, each once; the one due during the freeze fired ${lateBySeconds} s late\n`);
    }
    expect(service.log).not.toMatch(/Unhandled 'error' event|unhandled failure in a background task/);
  });
});
