/**
 * Fills the history with SQL: N finished executions cloned from real ones (one template execution
 * per workflow, run through the API first), so every row has the sizes Sirocco itself writes.
 * Ids are md5 of the row number (tasks and actions find their execution without a join);
 * created_at advances 20 s every third row (ties on created_at: paging must break them by id);
 * states: 80 % SUCCESS, 15 % ERROR, 5 % CANCELLED; workflows get 40/30/20/5/5 % of the rows;
 * every other 200-row block is fired by its workflow's cron trigger (a firing row per execution).
 * The clones share their template's spec (workflow_specs: one row per workflow), as the runs of
 * one version of a workflow do.
 */
import type { Client } from 'pg';

export const WORKFLOW_COUNT = 5;
export const HISTORY_START = '2025-01-01 00:00:00+00';

/** The workflow index of row i: 40/30/20/5/5 %. */
const WORKFLOW_OF = `(CASE WHEN g.i % 10 < 4 THEN 0 WHEN g.i % 10 < 7 THEN 1 WHEN g.i % 10 < 9 THEN 2 ELSE 3 + (g.i / 10) % 2 END)`;
/** independent of the workflow (which follows i % 10) */
const STATE_OF = `(CASE WHEN (g.i / 10) % 20 < 16 THEN 'SUCCESS' WHEN (g.i / 10) % 20 < 19 THEN 'ERROR' ELSE 'CANCELLED' END)`;
const CREATED_OF = `('${HISTORY_START}'::timestamptz + (g.i / 3) * interval '20 seconds')`;
const FIRED_OF = `((g.i / 200) % 2 = 0)`;

/**
 * The templates: each workflow's newest SUCCESS top-level execution, numbered 0..4 in the order of
 * the names (hist_wf_0 .. hist_wf_4), with its trigger.
 */
async function createTemplateTables(db: Client): Promise<void> {
  await db.query(`DROP TABLE IF EXISTS bench_template_ex, bench_template_task, bench_template_action`);
  await db.query(`
    CREATE TABLE bench_template_ex AS
    SELECT DISTINCT ON (e.workflow_name) (substring(e.workflow_name from 'hist_wf_(\\d+)'))::int AS k, e.*, t.id AS bench_trigger_id
      FROM workflow_executions e LEFT JOIN cron_triggers t ON t.name = 'hist_trigger_' || substring(e.workflow_name from 'hist_wf_(\\d+)')
     WHERE e.workflow_name LIKE 'hist_wf_%' AND e.state = 'SUCCESS' AND e.task_execution_id IS NULL
     ORDER BY e.workflow_name, e.created_at DESC`);
  await db.query(`
    CREATE TABLE bench_template_task AS
    SELECT x.k, (row_number() OVER (PARTITION BY x.k ORDER BY t.created_at, t.name))::int AS n, t.*
      FROM task_executions t JOIN bench_template_ex x ON x.id = t.workflow_execution_id`);
  await db.query(`
    CREATE TABLE bench_template_action AS
    SELECT tt.k, tt.n, a.*
      FROM action_executions a JOIN bench_template_task tt ON tt.id = a.task_execution_id`);
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM bench_template_ex`);
  if (rows[0].n !== WORKFLOW_COUNT) throw new Error(`expected ${WORKFLOW_COUNT} template executions, found ${rows[0].n}`);
}

/** Inserts rows [from, to) of the history: executions, their tasks and actions, the firings. */
async function fillRange(db: Client, from: number, to: number): Promise<void> {
  const series = `generate_series(${from}, ${to - 1}) AS g(i) JOIN bench_template_ex x ON x.k = ${WORKFLOW_OF}`;
  await db.query(`
    INSERT INTO workflow_executions (id, workflow_id, workflow_name, workflow_namespace, project_id, description, tags, spec_id, params,
                                     input, output, context, state, state_info, task_execution_id, root_execution_id, trigger_id, created_at, updated_at)
    SELECT md5('hx' || g.i)::uuid, x.workflow_id, x.workflow_name, x.workflow_namespace, x.project_id,
           CASE WHEN ${FIRED_OF} THEN 'cron trigger hist_trigger_' || x.k ELSE x.description END, x.tags, x.spec_id, x.params,
           jsonb_set(x.input, '{server}', to_jsonb('vm-' || (g.i % 5000))), x.output, x.context, ${STATE_OF},
           CASE ${STATE_OF} WHEN 'ERROR' THEN 'Failure caused by error in tasks: report' WHEN 'CANCELLED' THEN 'cancelled by the operator' END,
           NULL, NULL, CASE WHEN ${FIRED_OF} THEN x.bench_trigger_id END, ${CREATED_OF}, ${CREATED_OF} + interval '3 seconds'
      FROM ${series}`);
  await db.query(`
    INSERT INTO task_executions (id, workflow_execution_id, workflow_id, workflow_name, workflow_namespace, project_id, name, type, state, state_info,
                                 result, published, runtime_context, processed, error_handled, created_at, updated_at, started_at, finished_at)
    SELECT md5('ht' || g.i || '-' || t.n)::uuid, md5('hx' || g.i)::uuid, t.workflow_id, t.workflow_name, t.workflow_namespace, t.project_id, t.name,
           t.type, CASE WHEN t.n = 3 AND ${STATE_OF} <> 'SUCCESS' THEN ${STATE_OF} ELSE t.state END, t.state_info, t.result, t.published,
           t.runtime_context, t.processed, t.error_handled, ${CREATED_OF} + t.n * interval '1 second', ${CREATED_OF} + t.n * interval '1 second',
           ${CREATED_OF} + t.n * interval '1 second', ${CREATED_OF} + t.n * interval '1 second'
      FROM ${series} JOIN bench_template_task t ON t.k = x.k`);
  await db.query(`
    INSERT INTO action_executions (id, task_execution_id, workflow_execution_id, workflow_name, workflow_namespace, task_name, project_id, name,
                                   description, state, state_info, accepted, input, output, item_index, attempt, created_at, updated_at)
    SELECT md5('ha' || g.i || '-' || a.n)::uuid, md5('ht' || g.i || '-' || a.n)::uuid, md5('hx' || g.i)::uuid, a.workflow_name, a.workflow_namespace,
           a.task_name, a.project_id, a.name, a.description, CASE WHEN a.n = 3 AND ${STATE_OF} <> 'SUCCESS' THEN ${STATE_OF} ELSE a.state END,
           a.state_info, a.accepted, a.input, a.output, a.item_index, a.attempt, ${CREATED_OF} + a.n * interval '1 second',
           ${CREATED_OF} + a.n * interval '1 second'
      FROM ${series} JOIN bench_template_action a ON a.k = x.k`);
  await db.query(`
    INSERT INTO trigger_firings (id, trigger_id, scheduled_for, fired_at, execution_id, outcome, error)
    SELECT md5('hf' || g.i)::uuid, x.bench_trigger_id, ${CREATED_OF}, ${CREATED_OF}, md5('hx' || g.i)::uuid, 'started', NULL
      FROM ${series} WHERE ${FIRED_OF}
    ON CONFLICT (trigger_id, scheduled_for) DO NOTHING`);
}

/** workflow_specs too: the executions' share of the specs they run counts in their bytes. */
export const HISTORY_TABLES = ['workflow_specs', 'workflow_executions', 'task_executions', 'action_executions', 'trigger_firings'];

/** Bytes of the history tables (heap, TOAST, indexes). */
export async function historyBytes(db: Client): Promise<number> {
  const { rows } = await db.query(`SELECT sum(pg_total_relation_size(c))::bigint AS bytes FROM unnest($1::regclass[]) AS c`, [HISTORY_TABLES]);
  return Number(rows[0].bytes);
}

/** Fills `count` executions in chunks (progress printed); autovacuum must be off on the tables. */
export async function fillHistory(db: Client, count: number, chunk = 100_000): Promise<void> {
  await createTemplateTables(db);
  await db.query(`SET synchronous_commit = off`);
  for (let from = 1; from <= count; from += chunk) {
    const t0 = Date.now();
    await fillRange(db, from, Math.min(from + chunk, count + 1));
    console.log(`  filled ${Math.min(from + chunk - 1, count)} / ${count} executions (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

/** Autovacuum (and its ANALYZE) off or on for the history tables: the stale-statistics phase needs it off. */
export async function setAutovacuum(db: Client, enabled: boolean): Promise<void> {
  for (const table of HISTORY_TABLES) await db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = ${enabled})`);
}
