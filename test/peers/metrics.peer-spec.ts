import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ExecutionsClient } from '../support/executions-client';
import { Scrape } from '../support/prometheus-text';
import { useTestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const ROOT = path.resolve(__dirname, '../..');
const RULES = path.join(ROOT, 'deploy/prometheus/sirocco-alerts.yml');
const RULE_TESTS = path.join(ROOT, 'deploy/prometheus/sirocco-alerts.test.yml');
const DASHBOARD = path.join(ROOT, 'deploy/grafana/sirocco-dashboard.json');

/** Runs Debian's promtool (installed by scripts/promtool-dev.sh); a missing promtool fails the suite. */
function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const done = spawnSync('promtool', args, { encoding: 'utf8', input, cwd: path.dirname(RULES) });
  if (done.error) throw new Error(`promtool could not run (npm run test:metrics installs it): ${done.error.message}`);
  return { status: done.status, output: `${done.stdout}${done.stderr}` };
}

/** The metric names expressions use (sirocco_*, nodejs_*, process_*; not label values), histogram series folded to their family. */
function metricNames(expressions: string[]): string[] {
  const names = expressions.join('\n').replace(/"[^"]*"/g, '""').match(/\b(sirocco|nodejs|process)_[a-z0-9_]+/g) ?? [];
  return [...new Set(names.map((name) => name.replace(/_(bucket|count|sum)$/, '')))];
}

const WORKFLOWS = `
version: '2.0'
peer_ok:
  tasks:
    only:
      action: std.echo output=1
peer_fail:
  tasks:
    only:
      action: std.fail
`;

/**
 * The shipped alerting rules and dashboard against the real promtool, and a live scrape of
 * GET /metrics (after executions and a trigger firing) through `promtool check metrics`.
 */
describe('metrics with the real promtool', () => {
  const t = useTestApp({}, { workflows: WORKFLOWS });
  let scrape: Scrape;

  beforeAll(async () => {
    const client = new ExecutionsClient(t.http);
    await client.waitFor(await client.start('peer_ok'));
    await client.waitFor(await client.start('peer_fail'));
    await t.http.post('/v2/cron_triggers').send({ name: 'peer_every_second', workflow_name: 'peer_ok', pattern: '* * * * * *', remaining_executions: 1 }).expect(201);
    scrape = await waitFor('the trigger fired and its run ended', async () => {
      const current = new Scrape((await t.http.get('/metrics').expect(200)).text);
      return current.total('sirocco_executions_finished_total', { workflow: 'peer_ok', state: 'SUCCESS' }) === 2 && current;
    });
  });

  it('finds the alerting rules valid', () => {
    const checked = promtool(['check', 'rules', RULES]);
    expect(checked.output).toContain('SUCCESS');
    expect(checked.status).toBe(0);
  });

  it('passes the rules unit tests (stale snapshot, failed and late firings, overdue jobs)', () => {
    const tested = promtool(['test', 'rules', RULE_TESTS]);
    expect(tested.output).toContain('SUCCESS');
    expect(tested.status).toBe(0);
  });

  it('finds a live scrape well formed, with no lint problem', () => {
    const checked = promtool(['check', 'metrics'], scrape.text);
    // prom-client's default collector names three gauges nodejs_active_*_total (kept: dashboards know them)
    const problems = checked.output.split('\n').filter((line) => line && !/^nodejs_active_(handles|requests|resources)_total non-counter metrics/.test(line));
    expect(problems).toEqual([]);
    expect(scrape.total('sirocco_trigger_firings_total', { workflow: 'peer_ok', outcome: 'started', kind: 'scheduled' })).toBe(1);
    expect(scrape.total('sirocco_executions_finished_total', { workflow: 'peer_fail', state: 'ERROR' })).toBe(1);
  });

  it('alerts and dashboard use only metrics that the service exposes', () => {
    const exposed = new Set(scrape.families.keys());
    const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> }).groups.flatMap((group) => group.rules.map((rule) => rule.expr));
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const panels = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    expect(panels.length).toBeGreaterThan(5);
    const used = metricNames([...rules, ...panels]);
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !exposed.has(name))).toEqual([]);
  });
});
