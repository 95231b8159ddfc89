import { Client } from 'pg';
import { ExecutionsClient } from '../support/executions-client';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Following `next` visits each item of a list exactly once, whatever the sort, when items share
 * a timestamp or differ by microseconds only (a marker read at JS's millisecond precision used
 * to return its own item again, forever).
 */
const ITEMS = 7;

const WORKFLOWS = `version: '2.0'
${Array.from({ length: ITEMS }, (_, index) => `paged_wf_${index % 3}_${index}:\n  tasks:\n    t1:\n      action: std.noop\n`).join('')}`;

const FAN_OUT = `version: '2.0'
fan_out:
  tasks:
${Array.from({ length: ITEMS }, (_, index) => `    task_${index % 2}_${index}:\n      action: std.noop\n`).join('')}`;

/** Sorts every list is walked with: the default, reversed, on non-unique columns, on two keys. */
function sorts(nonUnique: string): string[] {
  return [
    '',
    'sort_keys=created_at&sort_dirs=desc',
    `sort_keys=${nonUnique}`,
    `sort_keys=${nonUnique},created_at&sort_dirs=desc,asc`,
    'sort_keys=updated_at&sort_dirs=desc',
    'sort_keys=id&sort_dirs=desc',
    // one direction for every key (a row comparison after the marker) and mixed ones
    'sort_keys=created_at,id&sort_dirs=desc,desc',
    'sort_keys=created_at,id&sort_dirs=asc,desc',
  ];
}

describe('list paging: following next', () => {
  let t: TestApp;
  let db: Client;
  let triggerName: string;

  /** created_at of every row: all in one millisecond, some equal, some a microsecond apart. */
  async function squeezeTimes(table: string, column = 'created_at', modulo = 3): Promise<void> {
    await db.query(
      `UPDATE ${table} SET ${column} = '2026-03-01 10:00:00.000'::timestamptz + (sub.n % ${modulo}) * interval '1 microsecond'
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ${table}) sub WHERE sub.id = ${table}.id`,
    );
  }

  /** Follows next from `path` (limit 2) and returns the ids in order; fails on a loop. */
  async function walk(path: string, key: string): Promise<string[]> {
    const ids: string[] = [];
    let url: string | undefined = path;
    for (let pages = 0; url; pages += 1) {
      if (pages > ITEMS * 3) throw new Error(`${path}: still paging after ${pages} pages (${ids.join(' ')})`);
      const response = await t.http.get(url);
      if (response.status !== 200) throw new Error(`${url}: ${response.status} ${JSON.stringify(response.body)}`);
      ids.push(...response.body[key].map((item: { id: string }) => item.id));
      url = response.body.next ? String(response.body.next).slice(t.baseUrl.length) : undefined;
    }
    return ids;
  }

  async function expectEachOnce(collection: string, key: string, nonUnique: string, minimum = ITEMS): Promise<void> {
    for (const sort of sorts(nonUnique)) {
      const join = collection.includes('?') ? '&' : '?';
      const all = await t.http.get(`${collection}${sort ? join + sort : ''}`).expect(200);
      const expected = all.body[key].map((item: { id: string }) => item.id);
      expect(expected.length).toBeGreaterThanOrEqual(minimum);
      const walked = await walk(`${collection}${join}limit=2${sort ? '&' + sort : ''}`, key);
      expect({ sort, ids: walked }).toEqual({ sort, ids: expected });
    }
  }

  beforeAll(async () => {
    t = await startTestApp();
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    const client = new ExecutionsClient(t.http);
    await t.http.post('/v2/workflows').set('Content-Type', 'text/plain').send(WORKFLOWS).expect(201);
    await client.createWorkflow(FAN_OUT);
    for (let index = 0; index < ITEMS; index += 1) {
      await t.http.post('/v2/environments').send({ name: `env_${index % 2}_${index}`, variables: '{}' }).expect(201);
    }
    const created = await t.http.post('/v2/cron_triggers').send({ name: 'trigger_0', workflow_name: 'fan_out', pattern: '0 5 * * *' }).expect(201);
    triggerName = created.body.name;
    for (let index = 1; index < ITEMS; index += 1) {
      await t.http.post('/v2/cron_triggers').send({ name: `trigger_${index}`, workflow_name: 'fan_out', pattern: '0 5 * * *' }).expect(201);
    }
    for (let index = 0; index < 3; index += 1) {
      const fired = await t.http.post(`/v2/cron_triggers/${triggerName}/fire`).expect(201);
      await client.waitFor(fired.body.execution_id);
    }
    for (let index = 0; index < ITEMS - 3; index += 1) await client.run('paged_wf_0_0');
    await client.run('fan_out');
    for (const table of ['workflow_definitions', 'workflow_executions', 'task_executions', 'action_executions', 'environments', 'cron_triggers']) {
      await squeezeTimes(table);
    }
    // unique per trigger: a microsecond apart
    await squeezeTimes('trigger_firings', 'scheduled_for', 1000);
  }, 60000);

  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('GET /v2/workflows', async () => {
    // the report: limit=1, then next, returned the marker's own workflow forever
    const all = (await t.http.get('/v2/workflows').expect(200)).body.workflows.map((workflow: { id: string }) => workflow.id);
    expect(await walk('/v2/workflows?limit=1', 'workflows')).toEqual(all);
    await expectEachOnce('/v2/workflows', 'workflows', 'name');
    await expectEachOnce('/v2/workflows', 'workflows', 'scope');
  });

  it('GET /v2/executions', async () => {
    await expectEachOnce('/v2/executions', 'executions', 'workflow_name');
    await expectEachOnce('/v2/executions', 'executions', 'state');
  });

  it('GET /v2/executions filtered by workflow and state, and with fields', async () => {
    await expectEachOnce('/v2/executions?workflow_name=paged_wf_0_0&state=SUCCESS', 'executions', 'state', ITEMS - 3);
    await expectEachOnce('/v2/executions?workflow_name=paged_wf_0_0', 'executions', 'workflow_id', ITEMS - 3);
    await expectEachOnce('/v2/executions?state=SUCCESS&fields=id,state', 'executions', 'task_execution_id');
  });

  it('GET /v2/tasks and /v2/executions/{id}/tasks', async () => {
    await expectEachOnce('/v2/tasks', 'tasks', 'workflow_name');
    await expectEachOnce('/v2/tasks', 'tasks', 'started_at');
    const fanOut = (await t.http.get('/v2/executions?workflow_name=fan_out&sort_keys=created_at&sort_dirs=desc').expect(200)).body.executions[0];
    await expectEachOnce(`/v2/executions/${fanOut.id}/tasks`, 'tasks', 'state');
  });

  it('GET /v2/action_executions and /v2/tasks/{id}/action_executions', async () => {
    await expectEachOnce('/v2/action_executions', 'action_executions', 'name');
    await expectEachOnce('/v2/action_executions', 'action_executions', 'workflow_name');
    const task = (await t.http.get('/v2/tasks?limit=1').expect(200)).body.tasks[0];
    const walked = await walk(`/v2/tasks/${task.id}/action_executions?limit=1`, 'action_executions');
    expect(walked).toHaveLength(1);
  });

  it('GET /v2/environments', async () => {
    await expectEachOnce('/v2/environments', 'environments', 'scope');
  });

  it('GET /v2/cron_triggers', async () => {
    await expectEachOnce('/v2/cron_triggers', 'cron_triggers', 'workflow_name');
    await expectEachOnce('/v2/cron_triggers', 'cron_triggers', 'next_execution_time');
  });

  it('GET /v2/actions', async () => {
    const all = await t.http.get('/v2/actions').expect(200);
    const walked = await walk('/v2/actions?limit=5', 'actions');
    expect(walked).toEqual(all.body.actions.map((action: { id: string }) => action.id));
    const byName = await t.http.get('/v2/actions?sort_keys=name&sort_dirs=desc').expect(200);
    expect(await walk('/v2/actions?limit=5&sort_keys=name&sort_dirs=desc', 'actions')).toEqual(
      byName.body.actions.map((action: { id: string }) => action.id),
    );
  });

  it('GET /v2/cron_triggers/{name}/firings, newest first, every firing once', async () => {
    const all = await t.http.get(`/v2/cron_triggers/${triggerName}/firings`).expect(200);
    expect(all.body.firings).toHaveLength(3);
    expect(all.body.next).toBeUndefined();
    const walked = await walk(`/v2/cron_triggers/${triggerName}/firings?limit=1`, 'firings');
    expect(walked).toEqual(all.body.firings.map((firing: { id: string }) => firing.id));
    const bad = await t.http.get(`/v2/cron_triggers/${triggerName}/firings?marker=nope`).expect(400);
    expect(bad.body.faultstring).toContain("Marker 'nope'");
  });

  it('answers 400 for a marker naming no object of the list', async () => {
    const response = await t.http.get('/v2/workflows?limit=1&marker=00000000-0000-0000-0000-000000000000').expect(400);
    expect(response.body.faultstring).toContain('Marker');
    for (const marker of ['not-an-id', 'a%00b']) {
      await t.http.get(`/v2/executions?limit=1&marker=${marker}`).expect(400);
      await t.http.get(`/v2/cron_triggers/${triggerName}/firings?limit=1&marker=${marker}`).expect(400);
    }
  });
});
