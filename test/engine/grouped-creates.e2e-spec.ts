import { Client } from 'pg';
import { useTestApp } from '../support/test-app';

const WORKFLOWS = `
version: '2.0'
group_chain:
  input:
    - name
  output:
    name: <% $.seen %>
  tasks:
    t1:
      action: std.noop
      on-success: t2
    t2:
      action: std.noop
      on-success: t3
    t3:
      action: std.echo output=<% $.name %>
      publish:
        seen: <% $task().result %>
group_poison:
  tasks:
    bad:
      action: std.echo
      input:
        output: <% "a\\u0000b" %>
`;

const CHAIN_TASKS = ['t1', 't2', 't3'];

/**
 * Concurrent POST /v2/executions are started in shared transactions (SIROCCO_ENGINE_CREATE_GROUP_MAX):
 * each request still gets its own answer, a bad one its own 4xx, and one start that fails does
 * not take the others of its group down.
 */
describe('concurrent execution creates', () => {
  const t = useTestApp({}, { workflows: WORKFLOWS });
  /** A query on the service's database (a connection of its own, closed at once). */
  const db = {
    query: async (sql: string, values: unknown[] = []) => {
      const client = new Client({ connectionString: t.databaseUrl });
      await client.connect();
      try {
        return await client.query(sql, values);
      } finally {
        await client.end();
      }
    },
  };

  const create = (body: Record<string, unknown>) => t.http.post('/v2/executions').send(body);

  async function expectFinishedWithOwnOutput(id: string, name: string): Promise<void> {
    const done = await t.client.waitFor(id);
    expect(done.state).toBe('SUCCESS');
    expect(done.output).toEqual({ name });
    const tasks = await t.client.tasks(id);
    expect(tasks.map((task) => task.name).sort()).toEqual(CHAIN_TASKS);
  }

  it('answers each of many concurrent creates with its own execution, started in shared transactions', async () => {
    const names = Array.from({ length: 40 }, (_, index) => `n${index}`);
    const answers = await Promise.all(names.map((name) => create({ workflow_name: 'group_chain', input: { name }, description: name })));
    const ids = new Set<string>();
    for (const [index, answer] of answers.entries()) {
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({ workflow_name: 'group_chain', description: names[index] });
      expect(JSON.parse(answer.body.input)).toEqual({ name: names[index] });
      ids.add(answer.body.id);
    }
    expect(ids.size).toBe(names.length);
    for (const [index, answer] of answers.entries()) await expectFinishedWithOwnOutput(answer.body.id, names[index]);
    // executions created by one transaction share its xmin: fewer transactions than creates
    const { rows } = await db.query(`SELECT count(DISTINCT xmin::text)::int AS transactions FROM workflow_executions WHERE id = ANY($1::uuid[])`, [[...ids]]);
    expect(rows[0].transactions).toBeLessThan(names.length);
  });

  it('answers bad requests among concurrent good ones with their own 4xx; the good ones start', async () => {
    const good = Array.from({ length: 20 }, (_, index) => `g${index}`);
    const bad: Array<[Record<string, unknown>, number, string]> = [
      [{ workflow_name: 'no_such_wf' }, 404, 'Workflow not found'],
      [{ workflow_name: 'group_chain' }, 400, "missing=['name']"],
      [{ workflow_name: 'group_chain', input: { name: 'x', other: 1 } }, 400, "unexpected=['other']"],
      [{ workflow_name: 'group_chain', input: { name: 'x' }, params: { env: 'nowhere' } }, 400, 'Environment not found [name=nowhere]'],
    ];
    const requests = [...good.map((name) => create({ workflow_name: 'group_chain', input: { name } }))];
    // the bad ones in the middle of the good ones
    requests.splice(10, 0, ...bad.map(([body]) => create(body)));
    const answers = await Promise.all(requests);
    const badAnswers = answers.splice(10, bad.length);
    for (const [index, answer] of badAnswers.entries()) {
      expect(answer.status).toBe(bad[index][1]);
      expect(answer.body.faultstring).toContain(bad[index][2]);
    }
    for (const [index, answer] of answers.entries()) {
      expect(answer.status).toBe(201);
      await expectFinishedWithOwnOutput(answer.body.id, good[index]);
    }
  });

  it('keeps a start that fails in its first transition from taking down the others of its group', async () => {
    const good = Array.from({ length: 30 }, (_, index) => `p${index}`);
    const requests = good.map((name) => create({ workflow_name: 'group_chain', input: { name } }));
    // a result PostgreSQL refuses to store (NUL in JSON): the insert of the group's rows fails
    requests.splice(3, 0, create({ workflow_name: 'group_poison' }));
    requests.splice(20, 0, create({ workflow_name: 'group_poison' }));
    const answers = await Promise.all(requests);
    const poisoned = [answers[20], answers[3]];
    answers.splice(20, 1);
    answers.splice(3, 1);
    for (const answer of poisoned) {
      // accepted as a single create is: started from a job, where the fault ends it visibly
      expect(answer.status).toBe(201);
      const done = await t.client.waitFor(answer.body.id);
      expect(done.state).toBe('ERROR');
      expect(done.state_info).toContain('Sirocco engine error');
    }
    for (const [index, answer] of answers.entries()) {
      expect(answer.status).toBe(201);
      await expectFinishedWithOwnOutput(answer.body.id, good[index]);
    }
  });

  it('keeps one failing start from taking down the others of its group (two creates with one client id)', async () => {
    const id = '0f6b2b8e-5a3c-4c1e-9d7a-3b5e2f1a9c44';
    const good = Array.from({ length: 20 }, (_, index) => `d${index}`);
    const requests = good.map((name) => create({ workflow_name: 'group_chain', input: { name } }));
    // the same id twice, among the others: the second insert of the id fails its group's transaction
    requests.splice(5, 0, create({ id, workflow_name: 'group_chain', input: { name: 'twin' } }));
    requests.splice(15, 0, create({ id, workflow_name: 'group_chain', input: { name: 'twin' } }));
    const answers = await Promise.all(requests);
    const twins = [answers[15], answers[5]];
    answers.splice(15, 1);
    answers.splice(5, 1);
    // one create of the id made it; the other was told so (409) or, when the first had committed before it looked, got it back
    expect(twins.filter((answer) => answer.status === 201).length).toBeGreaterThanOrEqual(1);
    for (const twin of twins) {
      expect([201, 409]).toContain(twin.status);
      if (twin.status === 201) expect(twin.body.id).toBe(id);
      else expect(twin.body.faultstring).toContain(id);
    }
    await expectFinishedWithOwnOutput(id, 'twin');
    for (const [index, answer] of answers.entries()) {
      expect(answer.status).toBe(201);
      await expectFinishedWithOwnOutput(answer.body.id, good[index]);
    }
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM workflow_executions WHERE id = $1`, [id]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses every concurrent create in maintenance mode (503) and starts nothing', async () => {
    const before = (await db.query(`SELECT count(*)::int AS n FROM workflow_executions`)).rows[0].n;
    await t.http.put('/v2/maintenance').send({ status: 'activated' }).expect(200);
    try {
      const answers = await Promise.all(Array.from({ length: 15 }, (_, index) => create({ workflow_name: 'group_chain', input: { name: `m${index}` } })));
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expect(answer.body.faultstring).toContain('maintenance mode');
      }
    } finally {
      await t.http.put('/v2/maintenance').send({ status: 'deactivated' }).expect(200);
    }
    expect((await db.query(`SELECT count(*)::int AS n FROM workflow_executions`)).rows[0].n).toBe(before);
  });
});
