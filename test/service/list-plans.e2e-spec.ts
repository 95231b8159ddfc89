import { Client } from 'pg';
import { ExecutionsClient } from '../support/executions-client';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * A page of executions reads about what it returns, wherever it is in a large history and
 * whatever PostgreSQL's statistics say. The statistics here are taken while the table is small,
 * then a bulk of older executions arrives (a history restored or imported, or a busy night before
 * autovacuum's next ANALYZE): the planner then believes almost nothing lies before a marker, and
 * used to read half the table and sort it for a newest-first page in the middle (0.8-1 s at
 * 1,000,000 executions). Each list request below is sent through the API; the statements its
 * transaction ran are captured and run again under EXPLAIN ANALYZE to count the rows read.
 */
const HISTORY = 60_000;
const LIMIT = 50;

interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

interface Statement {
  text: string;
  values: unknown[];
}

/** Rows each scan of the plan read (returned plus filtered out), and the plan's node types. */
function scanned(node: PlanNode): { rows: number; types: string[] } {
  const children = (node.Plans ?? []).map(scanned);
  const own = /Scan/.test(node['Node Type']) ? (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops'] : 0;
  return {
    rows: own + children.reduce((sum, child) => sum + child.rows, 0),
    types: [node['Node Type'], ...children.flatMap((child) => child.types)],
  };
}

describe('execution lists on a large history with stale statistics', () => {
  let t: TestApp;
  let db: Client;
  let captured: Statement[] = [];
  let originalQuery: Client['query'];

  beforeAll(async () => {
    t = await startTestApp();
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    const client = new ExecutionsClient(t.http);
    await client.createWorkflow(`version: '2.0'\nplan_wf:\n  tasks:\n    t1:\n      action: std.noop\n`);
    await client.run('plan_wf');
    // statistics of the small table, kept: no autovacuum ANALYZE after the bulk below
    await db.query(`ANALYZE workflow_executions`);
    await db.query(`ALTER TABLE workflow_executions SET (autovacuum_enabled = false)`);
    // older executions, one a minute, cloned from the real one (whatever its columns are)
    await db.query(
      `INSERT INTO workflow_executions
       SELECT (jsonb_populate_record(NULL::workflow_executions, to_jsonb(template) || jsonb_build_object(
         'id', gen_random_uuid(),
         'workflow_name', 'plan_wf_' || (n % 3),
         'state', CASE WHEN n % 20 = 0 THEN 'ERROR' ELSE 'SUCCESS' END,
         'created_at', timestamptz '2025-01-01 00:00:00+00' + n * interval '1 minute',
         'updated_at', timestamptz '2025-01-01 00:00:05+00' + n * interval '1 minute'))).*
       FROM (SELECT * FROM workflow_executions LIMIT 1) template, generate_series(1, $1) n`,
      [HISTORY],
    );

    // every statement any pg client of this process sends, with its values
    originalQuery = Client.prototype.query;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      const [first, second] = args as [string | { text: string; values?: unknown[] }, unknown];
      const text = typeof first === 'string' ? first : first?.text;
      const values = typeof first === 'string' ? (Array.isArray(second) ? second : []) : (first?.values ?? []);
      if (typeof text === 'string') captured.push({ text, values });
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as Client['query'];
  }, 120_000);

  afterAll(async () => {
    if (originalQuery) Client.prototype.query = originalQuery;
    await db?.end();
    await t?.close();
  });

  /** Sends the list request; returns the rows its list statement read and its plan's node types. */
  async function readBy(path: string): Promise<{ rows: number; types: string[]; returned: number }> {
    captured = [];
    const response = await t.http.get(path).expect(200);
    const statements = captured.filter((statement) => !statement.text.startsWith('EXPLAIN'));
    const list = statements.findIndex((statement) => /FROM "workflow_executions"/.test(statement.text) && /ORDER BY/.test(statement.text));
    expect(list).toBeGreaterThanOrEqual(0);
    // the settings the same transaction made before its list statement
    const settings = statements.slice(0, list).filter((statement) => /set_config/.test(statement.text));
    await db.query('BEGIN');
    try {
      for (const setting of settings) await db.query(setting.text, setting.values);
      const { rows } = await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statements[list].text}`, statements[list].values);
      return { ...scanned((rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0].Plan), returned: response.body.executions.length };
    } finally {
      await db.query('ROLLBACK');
    }
  }

  /** The id of the execution `offset` rows into the newest-first order. */
  async function markerAt(offset: number, order: 'ASC' | 'DESC'): Promise<string> {
    const { rows } = await db.query(`SELECT id FROM workflow_executions ORDER BY created_at ${order}, id LIMIT 1 OFFSET $1`, [offset]);
    return rows[0].id;
  }

  it('a page in the middle, newest first (the web UI and CLI), reads one page', async () => {
    const marker = await markerAt(HISTORY / 2, 'DESC');
    const plan = await readBy(`/v2/executions?limit=${LIMIT}&sort_keys=created_at&sort_dirs=desc&marker=${marker}`);
    expect(plan.returned).toBe(LIMIT);
    expect(plan.rows).toBeLessThanOrEqual(LIMIT * 3);
    expect(plan.types).not.toContain('Sort');
  });

  it('the first pages, the oldest-first middle page and filtered pages read one page each', async () => {
    const middle = await markerAt(HISTORY / 2, 'ASC');
    for (const path of [
      `/v2/executions?limit=${LIMIT}`,
      `/v2/executions?limit=${LIMIT}&sort_keys=created_at&sort_dirs=desc`,
      `/v2/executions?limit=${LIMIT}&marker=${middle}`,
      `/v2/executions?limit=${LIMIT}&sort_keys=created_at&sort_dirs=desc&workflow_name=plan_wf_1&state=ERROR`,
      `/v2/executions?limit=${LIMIT}&sort_keys=created_at&sort_dirs=desc&state=ERROR`,
    ]) {
      const plan = await readBy(path);
      expect({ path, returned: plan.returned }).toEqual({ path, returned: LIMIT });
      expect({ path, rowsRead: plan.rows <= LIMIT * 3 }).toEqual({ path, rowsRead: true });
    }
  });

  it('a filter that matches nothing reads nothing', async () => {
    for (const path of [`/v2/executions?limit=${LIMIT}&workflow_name=no_such_wf`, `/v2/executions?limit=${LIMIT}&sort_keys=created_at&sort_dirs=desc&workflow_name=no_such_wf`]) {
      const plan = await readBy(path);
      expect({ path, returned: plan.returned, rows: plan.rows }).toEqual({ path, returned: 0, rows: 0 });
    }
  });
});
