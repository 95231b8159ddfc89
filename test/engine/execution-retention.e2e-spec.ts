import { Client } from 'pg';
import { useTestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const WORKFLOWS = `
version: '2.0'
aged_wf:
  tasks:
    work:
      action: std.echo output=done
failing_wf:
  tasks:
    boom:
      action: std.fail
triggered_wf:
  tasks:
    work:
      action: std.noop
counted_wf:
  tasks:
    work:
      action: std.noop
parent_wf:
  tasks:
    child:
      workflow: counted_wf
long_wf:
  tasks:
    hold:
      action: std.sleep seconds=120
`;

/**
 * Retention of finished executions (Mistral's expiration policy): successes after 30 days,
 * failures after 90, at most 3 per workflow and 1 per trigger; what a user sees is executions
 * disappearing from the API, tasks and sub-workflows with them, and nothing else touched.
 */
describe('retention of finished executions', () => {
  const t = useTestApp(
    {
      SIROCCO_RETENTION_SUCCESS_DAYS: '30',
      SIROCCO_RETENTION_FAILURE_DAYS: '90',
      SIROCCO_RETENTION_MAX_PER_WORKFLOW: '3',
      SIROCCO_RETENTION_MAX_PER_TRIGGER: '1',
      SIROCCO_RETENTION_INTERVAL: '1',
    },
    { workflows: WORKFLOWS },
  );
  const { client } = t;
  let db: Client;

  beforeAll(async () => {
    db = new Client({ connectionString: t.databaseUrl });
    // the service drops its test database when it closes, which may end this connection first
    db.on('error', () => undefined);
    await db.connect();
  });
  afterAll(() => db.end());

  /** As if the execution (and its sub-workflows) had ended `days` ago. */
  const endedDaysAgo = (id: string, days: number) =>
    db.query(`UPDATE workflow_executions SET updated_at = now() - make_interval(days => $2) WHERE id = $1 OR root_execution_id = $1`, [id, days]);
  const exists = async (id: string) => (await t.http.get(`/v2/executions/${id}`)).status === 200;
  const gone = (id: string) => waitFor(`execution ${id} removed`, async () => !(await exists(id)), { timeoutMs: 20_000 });

  it('removes successes after their days and failures only after theirs, with their tasks', async () => {
    // two of each workflow: the count per workflow (3) plays no part here
    const oldSuccess = (await client.run('aged_wf')).id;
    const recentSuccess = (await client.run('aged_wf')).id;
    const oldFailure = (await client.run('failing_wf')).id;
    const ancientFailure = (await client.run('failing_wf')).id;
    expect((await t.http.get(`/v2/executions/${ancientFailure}`)).body.state).toBe('ERROR');
    await endedDaysAgo(oldSuccess, 31);
    await endedDaysAgo(recentSuccess, 29);
    await endedDaysAgo(oldFailure, 31);
    await endedDaysAgo(ancientFailure, 91);

    await gone(oldSuccess);
    await gone(ancientFailure);
    expect(await exists(recentSuccess)).toBe(true);
    expect(await exists(oldFailure)).toBe(true);
    const tasks = await t.http.get(`/v2/tasks?workflow_execution_id=${oldSuccess}`).expect(200);
    expect(tasks.body.tasks).toEqual([]);
  });

  it('keeps the newest per workflow, never a running one, and removes sub-workflows with their parent', async () => {
    const running = await client.start('long_wf');
    await client.waitFor(running, ['RUNNING']);
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) runs.push((await client.run('counted_wf')).id);
    await gone(runs[0]);
    await gone(runs[1]);
    for (const id of runs.slice(2)) expect(await exists(id)).toBe(true);

    const parent = (await client.run('parent_wf')).id;
    const children = await t.http.get(`/v2/executions?root_execution_id=${parent}`).expect(200);
    const child = children.body.executions.find((execution: { id: string }) => execution.id !== parent)?.id as string;
    expect(child).toBeDefined();
    await endedDaysAgo(parent, 40);
    await gone(parent);
    await gone(child);
    // the child counted as counted_wf: the three newest top-level runs are still there
    for (const id of runs.slice(2)) expect(await exists(id)).toBe(true);
    expect((await t.http.get(`/v2/executions/${running}`).expect(200)).body.state).toBe('RUNNING');
    await t.http.put(`/v2/executions/${running}`).send({ state: 'CANCELLED' }).expect(200);
  });

  it("keeps a trigger's firings, with the ids of the executions it removed", async () => {
    await t.http.post('/v2/cron_triggers').send({ name: 'nightly', workflow_name: 'triggered_wf', pattern: '0 5 * * *' }).expect(201);
    const first = (await t.http.post('/v2/cron_triggers/nightly/fire').expect(201)).body.execution_id as string;
    await client.waitFor(first);
    const second = (await t.http.post('/v2/cron_triggers/nightly/fire').expect(201)).body.execution_id as string;
    await client.waitFor(second);
    await gone(first);
    expect(await exists(second)).toBe(true);
    const firings = await t.http.get('/v2/cron_triggers/nightly/firings').expect(200);
    expect(firings.body.firings.map((firing: { execution_id: string }) => firing.execution_id).sort()).toEqual([first, second].sort());
  });
});
