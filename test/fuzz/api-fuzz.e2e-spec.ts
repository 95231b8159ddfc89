import { Client } from 'pg';
import { ExecutionsClient } from '../support/executions-client';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { encodeLoose, expand, expandValue, FuzzCase, FuzzFixtures, generateCases, generateWorkbookCases, loadCorpus } from './fuzz-cases';

const SEED = Number(process.env.SIROCCO_FUZZ_SEED ?? 20261202);
const GENERATED = Number(process.env.SIROCCO_FUZZ_CASES ?? 300);
const SLOW_MS = 2000;
const TABLES = [
  'workflow_definitions', 'workflow_executions', 'task_executions', 'action_executions', 'delayed_jobs',
  'environments', 'cron_triggers', 'trigger_firings', 'execution_trusts', 'trigger_trusts', 'workbooks',
];

interface Outcome {
  origin: string;
  request: string;
  status: number;
  ms: number;
  problem?: string;
}

/**
 * Every endpoint with bad bodies, bad list parameters, NUL bytes, huge numbers, deep nesting, wrong
 * types, bad YAML and unicode: a stored corpus plus seeded generated cases. No 5xx, no request over
 * 2 s, a Mistral-shaped body for every 4xx, and nothing stored after a 4xx.
 */
describe('API fuzz', () => {
  let t: TestApp;
  let db: Client;
  let fixtures: FuzzFixtures;

  beforeAll(async () => {
    t = await startTestApp();
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    const client = new ExecutionsClient(t.http);
    await client.createWorkflow(`version: '2.0'\nfuzz_wf:\n  input:\n    - x: 1\n  tasks:\n    t:\n      action: std.echo output=<% $.x %>\n`);
    await client.createWorkflow(`version: '2.0'\nfuzz_other_wf:\n  tasks:\n    t:\n      action: std.noop\n`);
    const exec = (await client.run('fuzz_wf')).id;
    const other = (await client.run('fuzz_other_wf')).id;
    const task = (await client.task(exec, 't')).id;
    await t.http.post('/v2/environments').send({ name: 'fuzz_env', variables: { a: 1 } }).expect(201);
    // never due while the fuzz runs
    await t.http.post('/v2/cron_triggers').send({ name: 'fuzz_trigger', workflow_name: 'fuzz_wf', pattern: '0 0 1 1 *' }).expect(201);
    fixtures = { wf: 'fuzz_wf', exec, exec_other: other, task, trigger: 'fuzz_trigger', env: 'fuzz_env' };
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  /** What the database holds: one digest per table. */
  async function snapshot(): Promise<string> {
    const digests = TABLES.map(
      (table) => `SELECT '${table}' AS t, count(*) AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${table} x`,
    );
    const { rows } = await db.query(digests.join(' UNION ALL '));
    return rows.map((row: { t: string; n: string; h: string }) => `${row.t}:${row.n}:${row.h}`).join(' ');
  }

  /** After a 2xx that started work: until no execution or action runs (at most a few seconds). */
  async function settle(): Promise<void> {
    await waitFor('no execution or action running', async () => {
      const { rows } = await db.query(
        `SELECT (SELECT count(*) FROM workflow_executions WHERE state = 'RUNNING') + (SELECT count(*) FROM action_executions WHERE state = 'RUNNING') AS n`,
      );
      return Number(rows[0].n) === 0;
    }, { timeoutMs: 5000, intervalMs: 20 }).catch(() => undefined); // still running after 5 s: the digest comparison tells
  }

  async function send(fuzz: FuzzCase): Promise<{ status: number; body: unknown; contentType: string }> {
    const query = Object.entries(fuzz.query ?? {})
      .map(([key, value]) => `${encodeLoose(expand(key, fixtures))}=${encodeLoose(expand(value, fixtures))}`)
      .join('&');
    const target = expand(fuzz.path, fixtures) + (query ? `${fuzz.path.includes('?') ? '&' : '?'}${query}` : '');
    const method = fuzz.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    let request = t.http[method](target);
    if (fuzz.text !== undefined) request = request.set('Content-Type', fuzz.contentType ?? 'text/plain').send(expand(fuzz.text, fixtures));
    else if (fuzz.raw !== undefined) request = request.set('Content-Type', fuzz.contentType ?? 'application/json').send(expand(fuzz.raw, fixtures));
    else if (fuzz.body !== undefined) request = request.set('Content-Type', 'application/json').send(JSON.stringify(expandValue(fuzz.body, fixtures)));
    const response = await request.timeout(30000).ok(() => true);
    return { status: response.status, body: response.body, contentType: String(response.headers['content-type'] ?? '') };
  }

  function describeRequest(fuzz: FuzzCase): string {
    const shown = JSON.stringify({ ...fuzz, origin: undefined });
    return shown.length > 300 ? `${shown.slice(0, 297)}...` : shown;
  }

  /** Mistral features Sirocco lacks answer 501 on purpose (see root/unmatched-routes.ts): a refusal, not a fault. */
  function isNotSupported(status: number, body: unknown): boolean {
    const faultstring = (body as { faultstring?: unknown } | null)?.faultstring;
    return status === 501 && typeof faultstring === 'string' && faultstring !== '';
  }

  it('answers every corpus and generated request with no 5xx, no stall, a Mistral body for 4xx, and no change after a 4xx', async () => {
    const cases = [...loadCorpus(), ...generateCases(SEED, GENERATED), ...generateWorkbookCases(SEED, 80)];
    expect(cases.length).toBeGreaterThanOrEqual(500);
    const outcomes: Outcome[] = [];
    let before = await snapshot();
    for (const fuzz of cases) {
      const started = Date.now();
      const { status, body, contentType } = await send(fuzz);
      const ms = Date.now() - started;
      const outcome: Outcome = { origin: fuzz.origin ?? '?', request: describeRequest(fuzz), status, ms };
      const problems: string[] = [];
      if (status >= 500 && !isNotSupported(status, body)) problems.push(`answered ${status}: ${JSON.stringify(body).slice(0, 300)}`);
      if (ms > SLOW_MS) problems.push(`took ${ms} ms`);
      if ((status >= 400 && status < 500) || isNotSupported(status, body)) {
        const faultstring = (body as { faultstring?: unknown } | null)?.faultstring;
        if (!contentType.includes('json') || typeof faultstring !== 'string' || faultstring === '') {
          problems.push(`4xx without a Mistral body: ${contentType} ${JSON.stringify(body).slice(0, 200)}`);
        }
        const after = await snapshot();
        if (after !== before) problems.push(`a ${status} changed the database`);
        before = after;
      } else {
        await settle();
        before = await snapshot();
      }
      if (problems.length > 0) outcome.problem = problems.join('; ');
      outcomes.push(outcome);
    }

    const byStatus = new Map<number, number>();
    for (const outcome of outcomes) byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1);
    const slowest = outcomes.reduce((worst, outcome) => (outcome.ms > worst.ms ? outcome : worst));
    // the figures of the run, for the record
    process.stdout.write(
      `API fuzz: ${outcomes.length} requests (seed ${SEED}); by status ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}; ` +
        `slowest ${slowest.ms} ms (${slowest.origin})\n`,
    );
    expect(outcomes.filter((outcome) => outcome.problem).map((outcome) => `${outcome.origin}: ${outcome.problem} <- ${outcome.request}`)).toEqual([]);
    // still alive and serving
    await t.http.get('/v2/').expect(200);
  }, 600000);
});
