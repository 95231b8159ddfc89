import { ExecutionsClient } from '../support/executions-client';
import { startTestApp, TestApp } from '../support/test-app';
import { busyMs, watchLoopStall } from '../support/loop-stall';

/**
 * An expression that would build a huge value or backtrack for seconds fails its task with the
 * reason, and meanwhile the service keeps answering: `GET /v2` probes sent all along answer fast,
 * and a 10 ms timer in the process (the service runs in this one) is never held up. Both count a
 * delay only while this process had the CPU: on the shared 2-core machine other processes
 * (PostgreSQL's backends, autovacuum, a CI job beside) may hold both cores for a while, which is not
 * a stall of the service.
 */
// the machine is shared (2 cores): a delay that is the scheduler's, not ours, gets two more tries
jest.retryTimes(2, { logErrorsBeforeRetry: true });

describe('expression bombs in a running workflow', () => {
  let t: TestApp;
  let client: ExecutionsClient;
  let attempt = 0;

  beforeAll(async () => {
    t = await startTestApp({ SIROCCO_EXPRESSION_TIMEOUT_MS: '1000' });
    client = new ExecutionsClient(t.http);
    // first-use costs (compiling the engine's code paths) are not what the probes measure
    await client.createWorkflow("version: '2.0'\nwarm_up:\n  tasks:\n    echo:\n      action: std.echo output=<% $pad('', 3) %>\n");
    await client.run('warm_up');
    await fetch(`${t.baseUrl}/v2`);
  });
  afterAll(async () => {
    await t.close();
  });

  /** Runs `work` while probing `GET /v2` back to back and a 10 ms timer; the worst delays seen. */
  async function probed<T>(work: () => Promise<T>): Promise<{ result: T; slowestProbeMs: number; stallMs: number }> {
    let done = false;
    let slowestProbeMs = 0;
    let probes = 0;
    const prober = (async () => {
      while (!done) {
        let status = 0;
        const probeMs = await busyMs(async () => {
          const response = await fetch(`${t.baseUrl}/v2`);
          await response.arrayBuffer();
          status = response.status;
        });
        expect(status).toBe(200);
        slowestProbeMs = Math.max(slowestProbeMs, probeMs);
        probes++;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const watch = watchLoopStall();
    try {
      const result = await work();
      return { result, slowestProbeMs, stallMs: await watch.stop() };
    } finally {
      done = true;
      await watch.stop();
      await prober;
      expect(probes).toBeGreaterThan(0);
    }
  }

  // 100,000 RE2 matches take most of a second: on a slow machine the 1 s clock may end them first
  const capOrClock = (cap: string) => new RegExp(`${cap.replace(/[$()]/g, '\\$&')}|timed out after 1000 ms`);

  it.each<[string, string, string | RegExp]>([
    ['format_width', "$format('{0:>400000000}', 'x')", "$format(): the width in the field at position 0 is larger than 1048576 characters"],
    ['pad', "$pad('', 300000000)", '$pad(): the result would be larger than 1048576 bytes'],
    ['yaml_dump_range', '$yaml_dump([1..1000000])', 'a sequence exceeds 100000 items'],
    ['yaml_dump_large', "$yaml_dump({'a': $pad('', 600000), 'b': $pad('', 600000)})", '$yaml_dump(): the result would be larger than 1048576 bytes'],
    ['string_doubling', "($s := $pad('', 1000000); $s & $s)", 'a string grows larger than 1048576 bytes'],
    ['join_large', "$join([1..10].$pad('', 500000))", '$join(): the result would be larger than 1048576 bytes'],
    ['split_chars', "$split($pad('', 1000000, 'a'), '')", 'a sequence exceeds 100000 items'],
    ['match_many', "$match($pad('', 220000, 'ab'), /a/)", capOrClock('a sequence exceeds 100000 items')],
    ['replace_many', "$replace($pad('', 220000, 'ab'), /a/, 'x')", capOrClock('$replace(): the pattern matches more than 100000 times')],
    ['eval_range', "$eval('$count([1..1000000000])')", 'a sequence exceeds 100000 items'],
  ])('%s: the task ends in ERROR with the reason while GET /v2 answers fast', async (bomb, expression, reason) => {
    const name = `bomb_${bomb}_${++attempt}`; // a retry registers its own workflow
    await client.createWorkflow(`
version: '2.0'
${name}:
  tasks:
    bomb:
      action: std.echo
      input:
        output: "<% ${expression} %>"
`);
    const { result: execution, slowestProbeMs, stallMs } = await probed(() => client.run(name));
    expect(execution.state).toBe('ERROR');
    const task = await client.task(execution.id, 'bomb');
    expect(task.state).toBe('ERROR');
    expect(task.state_info).toMatch(reason);
    expect(execution.state_info).toMatch(reason);
    expect(slowestProbeMs).toBeLessThan(100);
    expect(stallMs).toBeLessThan(100);
  });

  it('a backtracking regex answers in linear time: the task succeeds at once with the right result', async () => {
    await client.createWorkflow(`
version: '2.0'
bomb_regex_${++attempt}:
  output:
    matched: <% $.matched %>
  tasks:
    bomb:
      action: std.echo
      input:
        output: <% $match('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', /^(a+)+$/) %>
      publish:
        matched: <% $task().result %>
`);
    const { result: execution, slowestProbeMs, stallMs } = await probed(() => client.run(`bomb_regex_${attempt}`));
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ matched: null });
    expect(slowestProbeMs).toBeLessThan(100);
    expect(stallMs).toBeLessThan(100);
  });

  it('a YAML dump that outlasts the time limit ends in ERROR, the service answering meanwhile', async () => {
    await client.createWorkflow(`
version: '2.0'
bomb_yaml_slow_${++attempt}:
  tasks:
    bomb:
      action: std.echo
      input:
        output: "<% $yaml_dump([1..20000].{'name': 'server-' & $string($), 'id': $, 'tags': ['a', 'b']}) %>"
`);
    const { result: execution, slowestProbeMs, stallMs } = await probed(() => client.run(`bomb_yaml_slow_${attempt}`));
    expect(execution.state).toBe('ERROR');
    const task = await client.task(execution.id, 'bomb');
    expect(task.state_info).toContain('timed out after 1000 ms');
    expect(slowestProbeMs).toBeLessThan(100);
    expect(stallMs).toBeLessThan(100);
  });
});
