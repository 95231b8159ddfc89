import { SiroccoMetrics } from './sirocco-metrics';

describe('SiroccoMetrics database gauges', () => {
  it('leaves out a gauge whose read fails, counts the failure, and still answers the scrape', async () => {
    const metrics = new SiroccoMetrics();
    metrics.addDatabaseGauge({ name: 'test_broken', help: 'fails', labelNames: ['state'] as const, read: () => Promise.reject(new Error('database away')) });
    metrics.addDatabaseGauge({ name: 'test_working', help: 'works', labelNames: ['state'] as const, read: async () => [{ labels: { state: 'due' }, value: 3 }] });
    const text = await metrics.exposition();
    expect(text).toContain('test_working{state="due"} 3');
    expect(text).not.toMatch(/^test_broken\{/m);
    expect(text).toContain('sirocco_metrics_read_failures_total{metric="test_broken"} 1');
  });

  it('gives up on a read that does not answer within 3 s', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'performance', 'hrtime'] });
    try {
      const metrics = new SiroccoMetrics();
      metrics.addDatabaseGauge({ name: 'test_stalled', help: 'never answers', labelNames: [] as const, read: () => new Promise<never>(() => undefined) });
      const scrape = metrics.exposition();
      await jest.advanceTimersByTimeAsync(3000);
      const text = await scrape;
      expect(text).toContain('sirocco_metrics_read_failures_total{metric="test_stalled"} 1');
    } finally {
      jest.useRealTimers();
    }
  });

  it('records what a committed engine transaction did', async () => {
    const metrics = new SiroccoMetrics();
    metrics.recordRun({
      started: ['wf', 'wf'],
      finished: [{ workflow: 'wf', state: 'ERROR' }],
      tasks: [{ action: 'std.noop', state: 'SUCCESS', seconds: 0.2 }],
      actions: [{ action: 'std.noop', state: 'SUCCESS', seconds: -1 }],
    });
    const text = await metrics.exposition();
    expect(text).toContain('sirocco_executions_started_total{workflow="wf"} 2');
    expect(text).toContain('sirocco_executions_finished_total{workflow="wf",state="ERROR"} 1');
    expect(text).toContain('sirocco_task_duration_seconds_bucket{le="0.5",action="std.noop",state="SUCCESS"} 1');
    // a clock step backwards never gives a negative duration
    expect(text).toContain('sirocco_action_duration_seconds_sum{action="std.noop",state="SUCCESS"} 0');
  });
});
