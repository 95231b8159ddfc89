import { Scrape } from '../support/prometheus-text';
import { type ServiceProcess, useBuiltService } from '../support/service-process';
import { waitFor } from '../support/wait-for';
import type { PgCluster } from './pg-cluster';
import { startServiceOnCluster, type ServiceOnCluster } from './service-on-cluster';

jest.setTimeout(240000);
// the service runs from dist/, built first when the sources changed
useBuiltService();

/** A scrape never waits for the database: past this deadline the request fails the test. */
const SCRAPE_DEADLINE_MS = 15000;

/**
 * GET /metrics while the database is stopped or frozen: the scrape still answers 200 with the
 * process and in-memory metrics, leaves out the gauges it could not read and counts them in
 * sirocco_metrics_read_failures_total; they come back with the database.
 */
describe('GET /metrics while the database fails', () => {
  let started: ServiceOnCluster | undefined;
  let cluster: PgCluster;
  let service: ServiceProcess;
  let base: string;

  const scrape = async (): Promise<Scrape> => {
    const response = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(SCRAPE_DEADLINE_MS) });
    expect(response.status).toBe(200);
    return new Scrape(await response.text());
  };

  beforeAll(async () => {
    started = await startServiceOnCluster('metrics-faults');
    ({ cluster, service, base } = started);
  });

  afterAll(async () => {
    await started?.stop();
  });

  it('answers without the database gauges while the server is stopped, and has them again after', async () => {
    const before = await scrape();
    expect(before.samples('sirocco_delayed_jobs', { state: 'overdue' })).toHaveLength(1);
    expect(before.total('sirocco_metrics_read_failures_total')).toBe(0);

    await cluster.stopFast();
    const during = await scrape();
    expect(during.samples('sirocco_delayed_jobs')).toEqual([]);
    expect(during.total('sirocco_metrics_read_failures_total', { metric: 'sirocco_delayed_jobs' })).toBe(1);
    expect(during.family('process_cpu_seconds_total').type).toBe('COUNTER');
    expect(during.family('sirocco_executions_started_total').type).toBe('COUNTER');
    expect(service.alive).toBe(true);

    await cluster.startAgain();
    const after = await waitFor('the database gauges back', async () => {
      const current = await scrape();
      return current.samples('sirocco_delayed_jobs', { state: 'due' }).length === 1 && current;
    }, { timeoutMs: 60000, intervalMs: 500 });
    expect(after.samples('sirocco_executions_active', { state: 'RUNNING' })).toHaveLength(1);
  });

  it('answers while the server is frozen (SIGSTOP): the reads give up, the scrape does not hang', async () => {
    const failuresBefore = (await scrape()).total('sirocco_metrics_read_failures_total');
    expect(cluster.signalAll('SIGSTOP')).toBeGreaterThan(0);
    try {
      const frozen = await scrape();
      expect(frozen.samples('sirocco_cron_trigger_trusts')).toEqual([]);
      expect(frozen.total('sirocco_metrics_read_failures_total')).toBeGreaterThan(failuresBefore);
      expect(frozen.family('nodejs_eventloop_lag_seconds').type).toBe('GAUGE');
    } finally {
      cluster.signalAll('SIGCONT');
    }
    await waitFor('the database gauges back', async () => (await scrape()).samples('sirocco_cron_trigger_trusts').length === 2, { timeoutMs: 60000, intervalMs: 500 });
  });
});
