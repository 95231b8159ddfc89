import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { entities } from '../../src/app.entities';
import { dataSourceOptions, runMigrations } from '../../src/database/data-source-options';
import { migrations } from '../../src/database/migrations';
import { insertExecutions } from '../../src/engine/run/run-rows.repository';
import { WorkflowExecutionEntity } from '../../src/engine/workflow-execution.entity';
import { deleteUnreferencedSpecs } from '../../src/engine/workflow-specs.repository';
import { ExecutionsClient } from '../support/executions-client';
import { startTestApp, useTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const ORDERED_V1 = `
version: '2.0'
ordered_wf:
  input:
    - x
    - y
  output:
    first: <% $.x %>
    second: <% $.y %>
  tasks:
    work:
      action: std.noop
`;

/** The same workflow, its input and output declared in the other order: a second spec. */
const ORDERED_V2 = `
version: '2.0'
ordered_wf:
  input:
    - y
    - x
  output:
    second: <% $.y %>
    first: <% $.x %>
  tasks:
    work:
      action: std.noop
`;

const CALLBACK = (after: string) => `
version: '2.0'
versioned_wf:
  tasks:
    wait_for_callback:
      action: std.async_noop
      on-success:
        - ${after}
    ${after}:
      action: std.echo output=${after}
`;

async function connect(url: string): Promise<Client> {
  const db = new Client({ connectionString: url });
  db.on('error', () => undefined);
  await db.connect();
  return db;
}

/**
 * Workflow specs stored once per version of a workflow (workflow_specs), not copied on every
 * execution: what the API shows of an execution still follows the version it ran.
 */
describe('workflow specs stored once', () => {
  const t = useTestApp({ SIROCCO_ENGINE_POLL_MS: '100' });
  const { client } = t;
  let db: Client;

  beforeAll(async () => {
    db = await connect(t.databaseUrl);
  });
  afterAll(() => db.end());

  const specIdOf = async (executionId: string): Promise<string> =>
    (await db.query(`SELECT spec_id FROM workflow_executions WHERE id = $1`, [executionId])).rows[0].spec_id;
  const specCount = async (): Promise<number> => (await db.query(`SELECT count(*)::int AS n FROM workflow_specs`)).rows[0].n;

  it('two runs of a workflow share one spec row; after an update a new run has its own, and the older run still shows its version', async () => {
    await client.createWorkflow(ORDERED_V1);
    const before = await specCount();
    const first = await client.run('ordered_wf', { y: 2, x: 1 });
    const second = await client.run('ordered_wf', { x: 3, y: 4 });
    expect(await specIdOf(first.id)).toBe(await specIdOf(second.id));
    expect(await specCount()).toBe(before + 1);

    await t.http.put('/v2/workflows').set('Content-Type', 'text/plain').send(ORDERED_V2).expect(200);
    const third = await client.run('ordered_wf', { x: 5, y: 6 });
    expect(await specIdOf(third.id)).not.toBe(await specIdOf(first.id));
    expect(await specCount()).toBe(before + 2);

    // the input in the order the version each run ran declares it (the output's keys come as jsonb keeps them, as before)
    const old = (await t.http.get(`/v2/executions/${first.id}`).expect(200)).body;
    expect(old).toMatchObject({ state: 'SUCCESS', input: '{"x": 1, "y": 2}', output: '{"first": 1, "second": 2}' });
    const updated = (await t.http.get(`/v2/executions/${third.id}`).expect(200)).body;
    expect(updated).toMatchObject({ state: 'SUCCESS', input: '{"y": 6, "x": 5}', output: '{"first": 5, "second": 6}' });
    const listed = (await t.http.get('/v2/executions?workflow_name=ordered_wf&include_output=true').expect(200)).body.executions;
    const byId = new Map(listed.map((execution: { id: string }) => [execution.id, execution]));
    expect(byId.get(second.id)).toMatchObject({ input: '{"x": 3, "y": 4}', output: '{"first": 3, "second": 4}' });
    expect(byId.get(third.id)).toMatchObject({ input: '{"y": 6, "x": 5}', output: '{"first": 5, "second": 6}' });
  });

  it('a run started before an update goes on with the tasks of its own version', async () => {
    await client.createWorkflow(CALLBACK('after_v1'));
    const id = await client.start('versioned_wf');
    const task = await waitFor('the waiting task', async () => (await client.tasks(id)).find((one) => one.name === 'wait_for_callback'));
    const actionId = await waitFor('the action waiting without a lease', async () => {
      const { rows } = await db.query(`SELECT id FROM action_executions WHERE task_execution_id = $1 AND state = 'RUNNING' AND lease_owner IS NULL`, [task.id]);
      return rows[0]?.id as string | undefined;
    });
    await t.http.put('/v2/workflows').set('Content-Type', 'text/plain').send(CALLBACK('after_v2')).expect(200);
    await t.http.put(`/v2/action_executions/${actionId}`).send({ state: 'SUCCESS', output: '{}' }).expect(200);
    expect((await client.waitFor(id)).state).toBe('SUCCESS');
    expect((await client.tasks(id)).map((one) => one.name).sort()).toEqual(['after_v1', 'wait_for_callback']);
  });

  it('DELETE of an execution removes its spec once no execution uses it, and keeps it while one does', async () => {
    await client.createWorkflow(`version: '2.0'\ndeleted_wf:\n  tasks:\n    work:\n      action: std.echo output=gone\n`);
    const kept = await client.run('deleted_wf');
    const removed = await client.run('deleted_wf');
    const specId = await specIdOf(kept.id);
    await t.http.delete(`/v2/executions/${removed.id}`).expect(204);
    expect((await db.query(`SELECT count(*)::int AS n FROM workflow_specs WHERE id = $1`, [specId])).rows[0].n).toBe(1);
    await t.http.delete(`/v2/executions/${kept.id}`).expect(204);
    expect((await db.query(`SELECT count(*)::int AS n FROM workflow_specs WHERE id = $1`, [specId])).rows[0].n).toBe(0);
    // and the next run stores it again
    const again = await client.run('deleted_wf');
    expect(again.state).toBe('SUCCESS');
    expect(await specIdOf(again.id)).toBe(specId);
  });

  describe('an executions insert racing the removal of an unused spec', () => {
    let source: DataSource;
    beforeAll(async () => {
      source = await new DataSource(dataSourceOptions(t.databaseUrl, entities)).initialize();
      await client.createWorkflow(`version: '2.0'\nraced_wf:\n  tasks:\n    work:\n      action: std.noop\n`);
    });
    afterAll(() => source.destroy());

    /** The spec of raced_wf stored with no execution using it (as after a retention that has not run yet). */
    async function unusedSpec(): Promise<{ id: string; spec: WorkflowExecutionEntity['spec'] }> {
      const { rows } = await db.query(
        `INSERT INTO workflow_specs (id, spec)
         SELECT encode(sha256(convert_to(spec::text, 'UTF8')), 'hex'), spec FROM workflow_definitions WHERE name = 'raced_wf'
         ON CONFLICT (id) DO UPDATE SET spec = EXCLUDED.spec RETURNING id, spec`,
      );
      return rows[0];
    }

    const execution = (spec: WorkflowExecutionEntity['spec']) =>
      Object.assign(new WorkflowExecutionEntity(), {
        id: randomUUID(), workflowId: null, workflowName: 'raced_wf', projectId: 'race', spec, state: 'SUCCESS', stateInfo: null,
        output: null, taskExecutionId: null, rootExecutionId: null, triggerId: null, createdAt: new Date(), updatedAt: null,
      });

    it('an insert in progress: the removal skips the spec at once, and the insert commits', async () => {
      const { id, spec } = await unusedSpec();
      const runner = source.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        await insertExecutions(runner.manager, [execution(spec)]);
        expect(await deleteUnreferencedSpecs(source.manager, 100, [id])).toBe(0);
        await runner.commitTransaction();
      } finally {
        await runner.release();
      }
      expect((await db.query(`SELECT count(*)::int AS n FROM workflow_executions WHERE spec_id = $1 AND project_id = 'race'`, [id])).rows[0].n).toBe(1);
    });

    it('a removal in progress: the insert waits for it, then stores the spec again', async () => {
      await db.query(`DELETE FROM workflow_executions WHERE project_id = 'race'`);
      const { id, spec } = await unusedSpec();
      const remover = source.createQueryRunner();
      await remover.connect();
      await remover.startTransaction();
      let inserted: Promise<void> | undefined;
      try {
        expect(await deleteUnreferencedSpecs(remover.manager, 100, [id])).toBe(1);
        inserted = source.transaction((manager) => insertExecutions(manager, [execution(spec)]));
        const waiting = await waitFor('the insert to wait on the removal', async () => {
          const { rows } = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%spec_rows%'`);
          return rows[0].n > 0 || undefined;
        });
        expect(waiting).toBe(true);
        await remover.commitTransaction();
      } finally {
        await remover.release();
      }
      await inserted;
      expect((await db.query(`SELECT count(*)::int AS n FROM workflow_specs WHERE id = $1`, [id])).rows[0].n).toBe(1);
      expect((await db.query(`SELECT count(*)::int AS n FROM workflow_executions WHERE spec_id = $1 AND project_id = 'race'`, [id])).rows[0].n).toBe(1);
      await db.query(`DELETE FROM workflow_executions WHERE project_id = 'race'`);
    });
  });
});

describe('retention and workflow specs', () => {
  const t = useTestApp({ SIROCCO_RETENTION_MAX_PER_WORKFLOW: '1', SIROCCO_RETENTION_INTERVAL: '1' });
  const { client } = t;
  let db: Client;

  beforeAll(async () => {
    db = await connect(t.databaseUrl);
  });
  afterAll(() => db.end());

  it('removes the specs of the executions it removed, and keeps those the kept executions use', async () => {
    await client.createWorkflow(`version: '2.0'\nkept_wf:\n  tasks:\n    work:\n      action: std.echo output=v1\n`);
    const first = await client.run('kept_wf');
    const { rows } = await db.query(`SELECT spec_id FROM workflow_executions WHERE id = $1`, [first.id]);
    const oldSpec = rows[0].spec_id;
    await t.http.put('/v2/workflows').set('Content-Type', 'text/plain').send(`version: '2.0'\nkept_wf:\n  tasks:\n    work:\n      action: std.echo output=v2\n`).expect(200);
    const second = await client.run('kept_wf');
    // at most one per workflow: the first run goes, and with it the only use of the first version's spec
    await waitFor('the first run removed', async () => (await t.http.get(`/v2/executions/${first.id}`)).status === 404 || undefined, { timeoutMs: 20_000 });
    await waitFor('its spec removed', async () => {
      const { rows: left } = await db.query(`SELECT count(*)::int AS n FROM workflow_specs WHERE id = $1`, [oldSpec]);
      return left[0].n === 0 || undefined;
    }, { timeoutMs: 20_000 });
    expect((await client.get(second.id)).state).toBe('SUCCESS');
    const { rows: used } = await db.query(`SELECT count(*)::int AS n FROM workflow_specs s JOIN workflow_executions e ON e.spec_id = s.id WHERE e.id = $1`, [second.id]);
    expect(used[0].n).toBe(1);
  });
});

/**
 * The migration that moved the specs out of workflow_executions (StoreWorkflowSpecsOnce): on a
 * database of the schema before it, with executions carrying their spec.
 */
describe('migration StoreWorkflowSpecsOnce', () => {
  const previous = migrations.slice(0, -1);
  let reference: TestApp;
  let database: { url: string; drop: () => Promise<void> };
  let db: Client;
  let migrator: DataSource;

  beforeAll(async () => {
    // definitions as the service stores them, taken from a service of the current schema
    reference = await startTestApp();
    await new ExecutionsClient(reference.http).createWorkflow(`
version: '2.0'
migrated_wf:
  input:
    - name
  tasks:
    greet:
      action: std.echo output=<% $.name %>
other_wf:
  tasks:
    work:
      action: std.noop
`);
    const ref = await connect(reference.databaseUrl);
    const { rows: definitions } = await ref.query(`SELECT to_jsonb(w) AS row FROM workflow_definitions w ORDER BY name`);
    await ref.end();

    database = await createTestDatabase({ empty: true });
    migrator = await new DataSource({ ...dataSourceOptions(database.url, entities), migrations: previous }).initialize();
    await runMigrations(migrator);
    db = await connect(database.url);
    await db.query(`INSERT INTO workflow_definitions SELECT * FROM jsonb_populate_recordset(NULL::workflow_definitions, $1::jsonb)`, [
      JSON.stringify(definitions.map((definition: { row: unknown }) => definition.row)),
    ]);
    // two runs of migrated_wf, one of other_wf, each with its own copy of its spec
    await db.query(
      `INSERT INTO workflow_executions (id, workflow_id, workflow_name, project_id, spec, input, state, created_at, updated_at)
       SELECT gen_random_uuid(), w.id, w.name, w.project_id, w.spec, '{"name": "a"}', 'SUCCESS', now() - n * interval '1 minute', now()
         FROM workflow_definitions w, generate_series(1, CASE WHEN w.name = 'migrated_wf' THEN 2 ELSE 1 END) n`,
    );
    await migrator.destroy();
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await reference?.close();
    await database?.drop();
  });

  it('moves the specs to workflow_specs, one row per distinct spec; a new run reuses the moved row; down puts the copies back', async () => {
    migrator = await new DataSource(dataSourceOptions(database.url, entities)).initialize();
    await runMigrations(migrator);
    await migrator.destroy();
    const { rows: specs } = await db.query(`SELECT s.id, s.spec ->> 'name' AS name FROM workflow_specs s ORDER BY name`);
    expect(specs.map((row: { name: string }) => row.name)).toEqual(['migrated_wf', 'other_wf']);
    const { rows: executions } = await db.query(
      `SELECT e.id, e.workflow_name, e.spec_id, s.spec = w.spec AS same FROM workflow_executions e
         JOIN workflow_specs s ON s.id = e.spec_id JOIN workflow_definitions w ON w.id = e.workflow_id`,
    );
    expect(executions).toHaveLength(3);
    for (const row of executions) expect(row.same).toBe(true);
    const migratedSpec = specs[0].id;

    const app = await startTestApp({}, { databaseUrl: database.url });
    try {
      const client = new ExecutionsClient(app.http);
      const run = await client.run('migrated_wf', { name: 'b' });
      expect(run).toMatchObject({ state: 'SUCCESS', output: {} });
      const { rows } = await db.query(`SELECT spec_id FROM workflow_executions WHERE id = $1`, [run.id]);
      expect(rows[0].spec_id).toBe(migratedSpec);
      expect((await db.query(`SELECT count(*)::int AS n FROM workflow_specs`)).rows[0].n).toBe(2);
      const migrated = executions.find((row: { workflow_name: string }) => row.workflow_name === 'migrated_wf');
      expect((await client.get(migrated.id)).input).toEqual({ name: 'a' });
    } finally {
      await app.app.close();
    }

    migrator = await new DataSource(dataSourceOptions(database.url, entities)).initialize();
    await migrator.undoLastMigration({ transaction: 'each' });
    await migrator.destroy();
    const { rows: restored } = await db.query(
      `SELECT e.spec = w.spec AS same FROM workflow_executions e JOIN workflow_definitions w ON w.id = e.workflow_id`,
    );
    expect(restored.map((row: { same: boolean }) => row.same)).toEqual([true, true, true, true]);
    expect((await db.query(`SELECT to_regclass('workflow_specs') AS t`)).rows[0].t).toBeNull();
  });
});
