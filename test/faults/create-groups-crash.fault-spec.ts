import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { useBuiltService } from '../support/service-process';
import { waitFor } from '../support/wait-for';
import { startServiceOnCluster, type ServiceOnCluster } from './service-on-cluster';

/**
 * Concurrent creates are started in shared transactions (a group per transaction). A kill -9 of
 * the service while groups are being written must lose nothing that was answered and leave no
 * half-written group: each group commits whole or not at all, and a request is answered only
 * after its group's commit.
 */
jest.setTimeout(240000);
useBuiltService();

const TASKS = Array.from({ length: 10 }, (_, index) => `t${index + 1}`);
const WORKFLOW = `version: '2.0'
crash_chain:
  tasks:
${TASKS.map((name, index) => `    ${name}:\n      action: std.noop${index < TASKS.length - 1 ? `\n      on-success: ${TASKS[index + 1]}` : ''}`).join('\n')}
`;
/** concurrent clients, as the engine bench's */
const CLIENTS = 20;
/** answered creates before the kill */
const ANSWERED_BEFORE_KILL = 300;

describe('grouped creates through a kill -9 of the service', () => {
  let started: ServiceOnCluster;
  let db: Client;

  beforeAll(async () => {
    started = await startServiceOnCluster('create-groups');
    db = new Client({ connectionString: started.cluster.url });
    await db.connect();
    const created = await fetch(`${started.base}/v2/workflows`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: WORKFLOW });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await db?.end();
    await started?.stop();
  });

  it('keeps every answered execution, finished once, and no execution without its tasks', async () => {
    const answered = new Set<string>();
    const unanswered = new Set<string>();
    const refused: string[] = [];
    const sent: string[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        const id = randomUUID();
        sent.push(id);
        try {
          const response = await fetch(`${started.base}/v2/executions`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ id, workflow_name: 'crash_chain' }),
          });
          const body = (await response.json()) as { id?: string };
          if (response.status === 201 && body.id === id) answered.add(id);
          else refused.push(`${response.status} ${JSON.stringify(body)}`);
        } catch {
          // the connection died with the service: no answer
          unanswered.add(id);
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, () => client());
    const victim = started.service;
    await waitFor(`${ANSWERED_BEFORE_KILL} creates answered`, () => answered.size >= ANSWERED_BEFORE_KILL || !victim.alive || undefined, {
      timeoutMs: 120000,
      intervalMs: 5,
    });
    // the crash: in the middle of the stream, with requests in flight (some inside a group's transaction)
    await victim.stop('SIGKILL');
    stop = true;
    await Promise.all(clients);
    expect(refused).toEqual([]);
    expect(unanswered.size).toBeGreaterThan(0);

    await started.restartService();

    // nothing stays RUNNING: the restarted service finishes whatever was committed (here everything ran in its create)
    await waitFor(
      'no unfinished execution',
      async () => (await db.query(`SELECT count(*)::int AS n FROM workflow_executions WHERE state NOT IN ('SUCCESS', 'ERROR', 'CANCELLED')`)).rows[0].n === 0 || undefined,
      { timeoutMs: 60000, intervalMs: 100 },
    );
    const { rows } = await db.query<{ id: string; state: string; tasks: number; names: number; done: number; actions: number }>(
      `SELECT e.id::text, e.state, count(t.id)::int AS tasks, count(DISTINCT t.name)::int AS names,
              count(t.id) FILTER (WHERE t.state = 'SUCCESS')::int AS done,
              (SELECT count(*)::int FROM action_executions a WHERE a.workflow_execution_id = e.id) AS actions
         FROM workflow_executions e LEFT JOIN task_executions t ON t.workflow_execution_id = e.id
        GROUP BY e.id, e.state`,
    );
    const stored = new Map(rows.map((row) => [row.id, row]));
    // every answered create exists and ended SUCCESS
    const missing = [...answered].filter((id) => stored.get(id)?.state !== 'SUCCESS');
    expect(missing).toEqual([]);
    // every stored execution (answered or not) is whole: SUCCESS, each task once, each with one action execution
    const sentIds = new Set(sent);
    for (const row of rows) {
      expect({ id: row.id, sent: sentIds.has(row.id) }).toEqual({ id: row.id, sent: true });
      expect(row).toEqual({ id: row.id, state: 'SUCCESS', tasks: TASKS.length, names: TASKS.length, done: TASKS.length, actions: TASKS.length });
    }
    // an unanswered create either committed whole (above) or left nothing at all: no task without its execution
    const orphans = await db.query(`SELECT count(*)::int AS n FROM task_executions t WHERE NOT EXISTS (SELECT 1 FROM workflow_executions e WHERE e.id = t.workflow_execution_id)`);
    expect(orphans.rows[0].n).toBe(0);
    // the creates were grouped: executions written by one transaction share its xmin
    const transactions = await db.query(`SELECT count(DISTINCT xmin::text)::int AS n FROM workflow_executions`);
    expect(transactions.rows[0].n).toBeLessThan(rows.length);

    // the restarted service creates and runs as before
    const again = await fetch(`${started.base}/v2/executions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ workflow_name: 'crash_chain' }) });
    expect(again.status).toBe(201);
    const { id } = (await again.json()) as { id: string };
    const after = await db.query(`SELECT state FROM workflow_executions WHERE id = $1`, [id]);
    expect(after.rows[0].state).toBe('SUCCESS');
  });
});
