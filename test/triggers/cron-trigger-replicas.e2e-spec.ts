import { Client } from 'pg';
import { ExecutionsClient } from '../support/executions-client';
import { Scrape } from '../support/prometheus-text';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const ECHO_WF = `
version: '2.0'
replica_echo:
  input:
    - n
  tasks:
    echo:
      action: std.echo output=<% $.n %>
`;

const TRIGGERS = 300;

/** Scheduled firings one instance committed, from its own /metrics. */
async function scheduledFirings(app: TestApp): Promise<number> {
  const scrape = new Scrape((await app.http.get('/metrics').expect(200)).text);
  return scrape.total('sirocco_trigger_firings_total', { kind: 'scheduled' });
}

/**
 * Two replicas on one database share a burst of due triggers: each firing transaction claims a set
 * of its own (SKIP LOCKED in the claim), so both fire some and no slot fires twice.
 */
describe('cron triggers on two replicas', () => {
  it(`fires ${TRIGGERS} due triggers exactly once each, and both instances fire some of them`, async () => {
    // small claims: many transactions per instance, so that both take part in the burst
    const settings = { SIROCCO_TRIGGER_BATCH_SIZE: '5', SIROCCO_TRIGGER_CONCURRENCY: '4' };
    const first = await startTestApp(settings);
    const second = await startTestApp(settings, { databaseUrl: first.databaseUrl });
    const db = new Client({ connectionString: first.databaseUrl });
    try {
      await new ExecutionsClient(first.http).createWorkflow(ECHO_WF);
      await first.http
        .post('/v2/cron_triggers')
        .send({ name: 'replica_0', workflow_name: 'replica_echo', workflow_input: { n: 0 }, pattern: '* * * * * *', remaining_executions: 1, enabled: false })
        .expect(201);
      await db.connect();
      // the others as copies of the first one, created disabled too
      await db.query(
        `INSERT INTO cron_triggers (id, name, project_id, user_id, scope, workflow_id, workflow_name, workflow_namespace, workflow_input,
                                    pattern, timezone, remaining_executions, enabled, created_at)
         SELECT gen_random_uuid(), 'replica_' || i, project_id, user_id, scope, workflow_id, workflow_name, workflow_namespace,
                jsonb_build_object('n', i), pattern, timezone, 1, false, now()
           FROM cron_triggers, generate_series(1, $1 - 1) AS i WHERE name = 'replica_0'`,
        [TRIGGERS],
      );
      // all enabled at once, due within the next 3 seconds: whatever the two loops' tick phases, both meet due triggers
      await db.query(
        `UPDATE cron_triggers SET enabled = true,
                next_execution_time = date_trunc('second', now()) + (abs(hashtext(name)) % 30) * interval '100 milliseconds',
                next_fire_at = date_trunc('second', now()) + (abs(hashtext(name)) % 30) * interval '100 milliseconds'`,
      );
      await waitFor(`${TRIGGERS} finished triggers`, async () => {
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM cron_triggers WHERE finished_at IS NOT NULL`);
        return rows[0].n === TRIGGERS;
      }, { timeoutMs: 60000, intervalMs: 100 });

      const executions = await db.query(`SELECT trigger_id, count(*)::int AS n FROM workflow_executions GROUP BY trigger_id`);
      expect(executions.rows).toHaveLength(TRIGGERS);
      expect(executions.rows.filter((row) => row.n !== 1)).toEqual([]);
      const firings = await db.query(`SELECT outcome, count(*)::int AS n FROM trigger_firings GROUP BY outcome`);
      expect(firings.rows).toEqual([{ outcome: 'started', n: TRIGGERS }]);
      // each instance counts the firings it committed: together all of them, each a share
      const perInstance = [await scheduledFirings(first), await scheduledFirings(second)];
      expect(perInstance[0] + perInstance[1]).toBe(TRIGGERS);
      expect(perInstance[0]).toBeGreaterThan(0);
      expect(perInstance[1]).toBeGreaterThan(0);
    } finally {
      await db.end().catch(() => undefined);
      await second.close();
      await first.close();
    }
  }, 90000);
});
