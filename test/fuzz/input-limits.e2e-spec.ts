import { useTestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/** Limits on definitions, inputs, with-items and durations: a clear 400 or a clear task error, never a 5xx or a stall. */
describe('input limits', () => {
  const t = useTestApp();
  const { client } = t;

  const postDefinition = (text: string) => t.http.post('/v2/workflows').set('Content-Type', 'text/plain').send(text);

  /** `count` tasks, each leading to a task that does not exist. */
  function unknownTargets(count: number, name = 'big_wf'): string {
    const lines = [`version: '2.0'`, `${name}:`, '  tasks:'];
    for (let i = 0; i < count; i++) lines.push(`    task_${i}: {on-success: next_${i}}`);
    return `${lines.join('\n')}\n`;
  }

  async function workflowCount(): Promise<number> {
    return (await t.http.get('/v2/workflows').expect(200)).body.workflows.length;
  }

  /** A client that gives up after 2 s, as a load balancer or the CLI would: a slower answer fails the test. */
  const PATIENCE = { response: 2000, deadline: 2000 };

  /** Runs `work` while GET /v2/ is asked once by such a client: the service must answer it meanwhile. */
  async function probeDuring<T>(work: () => Promise<T>): Promise<T> {
    const [result] = await Promise.all([work(), t.http.get('/v2/').timeout(PATIENCE).expect(200)]);
    return result;
  }

  describe('definitions', () => {
    it('refuses a 1.3 MB definition of 30,000 tasks at once, naming the size limit', async () => {
      const text = unknownTargets(30000);
      expect(text.length).toBeGreaterThan(1_000_000);
      const result = await probeDuring(() => postDefinition(text).timeout(PATIENCE));
      expect(result.status).toBe(400);
      expect(result.body.faultstring).toMatch(/more than the limit of 1048576 bytes \(SIROCCO_MAX_DEFINITION_BYTES\)/);
    });

    it('refuses a workflow with more tasks than the limit, naming it', async () => {
      const response = await postDefinition(unknownTargets(1001)).expect(400);
      expect(response.body.faultstring).toMatch(/big_wf\.tasks: 1001 tasks: more than the limit of 1000 tasks per workflow \(SIROCCO_MAX_TASKS_PER_WORKFLOW\)/);
    });

    it('validates a definition just under the limits with an error per task in linear time', async () => {
      await t.http.post('/v2/workflows/validate').set('Content-Type', 'text/plain').send(unknownTargets(10)).expect(200); // warm-up
      const response = await probeDuring(() =>
        t.http.post('/v2/workflows/validate').set('Content-Type', 'text/plain').send(unknownTargets(1000)).timeout(PATIENCE),
      );
      expect(response.status).toBe(200);
      expect(response.body.valid).toBe(false);
      expect(response.body.error).toContain("unknown task 'next_999'");
      expect(response.body.error.split('\n')).toHaveLength(1000);
    });

    it('refuses YAML nested deeper than the limit, flow or block', async () => {
      const flow = `version: '2.0'\ndeep_wf:\n  vars:\n    x: ${'['.repeat(5000)}${']'.repeat(5000)}\n  tasks:\n    t: {}\n`;
      let block = `version: '2.0'\ndeep_wf:\n  vars:\n`;
      for (let i = 0; i < 150; i++) block += `${' '.repeat(4 + i)}k${i}:\n`;
      block += '  tasks:\n    t: {}\n';
      for (const text of [flow, block]) {
        const response = await postDefinition(text).expect(400);
        expect(response.body.faultstring).toMatch(/nested more than 100 levels deep.*SIROCCO_MAX_NESTING_DEPTH/);
      }
      expect(await workflowCount()).toBe(0);
    });

    it('refuses a self-referencing alias and an alias bomb', async () => {
      const selfRef = `version: '2.0'\nalias_wf:\n  vars:\n    a: &a [1, *a]\n  tasks:\n    t: {}\n`;
      const response = await postDefinition(selfRef).expect(400);
      expect(response.body.faultstring).toMatch(/line 4, column 15: alias_wf\.vars\.a\[1\]: alias '\*a' refers to a value that contains it/);
      const rows = ['a: &a [x,x,x,x,x,x,x,x,x]'];
      for (const [name, previous] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) {
        rows.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
      }
      const bomb = `version: '2.0'\n${rows.join('\n')}\nbomb_wf:\n  vars: {x: *g}\n  tasks:\n    t: {}\n`;
      const refused = await postDefinition(bomb).timeout(PATIENCE).expect(400);
      expect(refused.body.faultstring).toMatch(/alias count/i);
      expect(await workflowCount()).toBe(0);
    });

    it('refuses a NUL character in a definition', async () => {
      const response = await postDefinition(`version: '2.0'\nnul\u0000_wf:\n  tasks:\n    t: {}\n`).expect(400);
      expect(response.body.faultstring).toMatch(/NUL character/);
      expect(await workflowCount()).toBe(0);
    });
  });

  describe('requests', () => {
    beforeAll(async () => {
      await client.createWorkflow(`version: '2.0'\necho_wf:\n  input: [x]\n  tasks:\n    t:\n      action: std.echo output=<% $.x %>\n`);
    });

    async function executionCount(): Promise<number> {
      return (await t.http.get('/v2/executions').expect(200)).body.executions.length;
    }

    /** JSON text nested `depth` objects deep (JSON.stringify itself overflows at such depths). */
    const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const postJson = (path: string, json: string) => t.http.post(path).set('Content-Type', 'application/json').send(json);

    it('refuses input and env nested 5,000 levels deep, as objects or as JSON text, naming the field', async () => {
      const before = await executionCount();
      const deep = nested(5000);
      const cases: [string, RegExp][] = [
        [`{"workflow_name": "echo_wf", "input": {"x": ${deep}}}`, /^input\.x\.a\.a.* is nested more than 100 levels deep/],
        [`{"workflow_name": "echo_wf", "input": ${JSON.stringify(`{"x": ${deep}}`)}}`, /^input is nested more than 100 levels deep/],
        [`{"workflow_name": "echo_wf", "input": "{}", "params": ${JSON.stringify(`{"env": {"e": ${deep}}}`)}}`, /^params is nested more than 100 levels deep/],
      ];
      for (const [body, message] of cases) {
        const response = await postJson('/v2/executions', body).expect(400);
        expect(response.body.faultstring).toMatch(message);
        expect(response.body.faultstring).toContain('SIROCCO_MAX_NESTING_DEPTH');
      }
      const env = await postJson('/v2/environments', `{"name": "deep_env", "variables": ${JSON.stringify(`{"v": ${deep}}`)}}`).expect(400);
      expect(env.body.faultstring).toMatch(/^variables is nested more than 100 levels deep/);
      expect(await executionCount()).toBe(before);
      await t.http.get('/v2/environments/deep_env').expect(404);
    });

    it('refuses NUL characters in names, filters and inputs, naming the field', async () => {
      const before = await executionCount();
      const input = await t.http.post('/v2/executions').send({ workflow_name: 'echo_wf', input: { x: 'a\u0000b' } }).expect(400);
      expect(input.body.faultstring).toBe('input.x holds a NUL character (\\u0000), which is not allowed');
      const asText = await t.http.post('/v2/executions').send({ workflow_name: 'echo_wf', input: '{"x": "a\\u0000b"}' }).expect(400);
      expect(asText.body.faultstring).toMatch(/^input holds a NUL character/);
      const name = await t.http.post('/v2/executions').send({ workflow_name: 'echo\u0000wf' }).expect(400);
      expect(name.body.faultstring).toMatch(/^workflow_name holds a NUL character/);
      const filter = await t.http.get('/v2/workflows?name=echo%00wf').expect(400);
      expect(filter.body.faultstring).toMatch(/query parameter 'name' holds a NUL character/);
      const path = await t.http.get('/v2/workflows/echo%00wf').expect(400);
      expect(path.body.faultstring).toMatch(/URL path holds a NUL character/);
      expect(await executionCount()).toBe(before);
    });

    it('refuses limit=1e20 and other limits PostgreSQL cannot take', async () => {
      for (const limit of ['1e20', '99999999999999999999', '2147483648']) {
        const response = await t.http.get(`/v2/workflows?limit=${limit}`).expect(400);
        expect(response.body.faultstring).toMatch(/^Limit must be at most 2147483647/);
      }
      await t.http.get('/v2/workflows?limit=2147483647').expect(200);
    });
  });

  describe('with-items', () => {
    it('refuses a literal list over the limit at upload', async () => {
      const items = Array.from({ length: 10001 }, (_, i) => i).join(',');
      const response = await postDefinition(`version: '2.0'\nlist_wf:\n  tasks:\n    t:\n      action: std.noop\n      with-items: x in [${items}]\n`).expect(400);
      expect(response.body.faultstring).toMatch(/with-items\[0\]: 10001 items: more than the limit of 10000 \(SIROCCO_MAX_WITH_ITEMS\)/);
    });

    it('answers 201 once for 150,000 items given as input and fails the task saying why', async () => {
      await client.createWorkflow(`version: '2.0'\nmany_wf:\n  input: [items]\n  tasks:\n    t:\n      action: std.echo output=<% $.x %>\n      with-items: x in <% $.items %>\n`);
      const before = (await t.http.get('/v2/executions').expect(200)).body.executions.length;
      const items = new Array<number>(150000).fill(0);
      // a client that gives up after 5 s: the 201 must come before
      const response = await t.http
        .post('/v2/executions')
        .send({ workflow_name: 'many_wf', input: JSON.stringify({ items }) })
        .timeout({ response: 5000, deadline: 5000 });
      expect(response.status).toBe(201);
      const execution = await client.waitFor(response.body.id);
      expect(execution.state).toBe('ERROR');
      const task = await client.task(execution.id, 't');
      expect(task.state).toBe('ERROR');
      expect(task.state_info).toBe('with-items: 150000 items is more than the limit of 10000 (SIROCCO_MAX_WITH_ITEMS)');
      expect((await t.http.get('/v2/executions').expect(200)).body.executions.length).toBe(before + 1);
    });

    it('fails a task whose computed list is over the limit, saying why', async () => {
      await client.createWorkflow(`version: '2.0'\ncomputed_wf:\n  tasks:\n    t:\n      action: std.echo output=<% $.x %>\n      with-items: x in <% [1..20000] %>\n`);
      const response = await t.http.post('/v2/executions').send({ workflow_name: 'computed_wf' }).expect(201);
      const execution = await client.waitFor(response.body.id);
      expect(execution.state).toBe('ERROR');
      expect((await client.task(execution.id, 't')).state_info).toBe('with-items: 20000 items is more than the limit of 10000 (SIROCCO_MAX_WITH_ITEMS)');
    });
  });

  describe('durations', () => {
    it('refuses literal durations over the limit at upload', async () => {
      const response = await postDefinition(`version: '2.0'
sleepy_wf:
  tasks:
    a:
      action: std.sleep seconds=1e12
    b:
      action: std.echo output=1 delay=1e12
    c:
      wait-before: 1e300
      wait-after: 99999999
      timeout: 1e12
      retry: count=2 delay=1e300
`).expect(400);
      const lines = response.body.faultstring.split('\n');
      expect(lines).toEqual([
        expect.stringMatching(/sleepy_wf\.tasks\.a\.input\.seconds: seconds: 1000000000000 seconds is more than the limit of 2678400 seconds \(SIROCCO_MAX_DURATION_SECONDS\)$/),
        expect.stringMatching(/sleepy_wf\.tasks\.b\.input\.delay: delay: 1000000000000 seconds is more than the limit/),
        expect.stringMatching(/sleepy_wf\.tasks\.c\.wait-before: wait-before: 1e\+300 seconds is more than the limit/),
        expect.stringMatching(/sleepy_wf\.tasks\.c\.wait-after: wait-after: 99999999 seconds/),
        expect.stringMatching(/sleepy_wf\.tasks\.c\.timeout: timeout: 1000000000000 seconds/),
        expect.stringMatching(/sleepy_wf\.tasks\.c\.retry: retry delay: 1e\+300 seconds/),
      ]);
    });

    it('fails a task whose computed duration is over the limit, saying which', async () => {
      const cases: [string, string][] = [
        ['wait-before: <% 1e300 %>\n      action: std.noop', 'wait-before: 1e+300 seconds is more than the limit of 2678400 seconds (SIROCCO_MAX_DURATION_SECONDS)'],
        ['action: std.noop\n      wait-after: <% 1e12 %>', 'wait-after: 1000000000000 seconds is more than the limit of 2678400 seconds (SIROCCO_MAX_DURATION_SECONDS)'],
        ['action: std.noop\n      timeout: <% 1e12 %>', 'timeout: 1000000000000 seconds is more than the limit of 2678400 seconds (SIROCCO_MAX_DURATION_SECONDS)'],
        ['action: std.fail\n      retry:\n        count: 1\n        delay: <% 1e12 %>', 'retry delay: 1000000000000 seconds is more than the limit of 2678400 seconds (SIROCCO_MAX_DURATION_SECONDS)'],
        ['action: std.sleep seconds=<% 1e12 %>', 'seconds: 1000000000000 seconds is more than the limit of 2678400 seconds (SIROCCO_MAX_DURATION_SECONDS)'],
        ['action: std.echo output=1 delay=<% 1e12 %>', 'delay: 1000000000000 seconds is more than the limit of 2678400 seconds (SIROCCO_MAX_DURATION_SECONDS)'],
      ];
      for (const [index, [task, reason]] of cases.entries()) {
        await client.createWorkflow(`version: '2.0'\ncomputed_${index}_wf:\n  tasks:\n    t:\n      ${task}\n`);
        const execution = await client.run(`computed_${index}_wf`);
        expect(execution.state).toBe('ERROR');
        const t1 = await client.task(execution.id, 't');
        expect(t1.state).toBe('ERROR');
        expect(t1.state_info).toContain(reason);
      }
    });

    it('keeps waiting a valid 30-day delay, past the range of a Node timer', async () => {
      await client.createWorkflow(`version: '2.0'
long_wf:
  tasks:
    waits:
      wait-before: <% 30 * 24 * 3600 %>
      action: std.noop
    echoes:
      action: std.echo output=1 delay=2592000
    sleeps:
      action: std.sleep seconds=2592000
    short:
      action: std.sleep seconds=1
`);
      const id = await client.start('long_wf');
      await waitFor('the 1-second task to succeed', async () => (await client.task(id, 'short')).state === 'SUCCESS', { timeoutMs: 25000, intervalMs: 50 });
      // the 1-second task is done: the 30-day ones still wait (an overflowing timer fires at once)
      expect((await client.task(id, 'waits')).state).toBe('RUNNING_DELAYED');
      expect((await client.task(id, 'echoes')).state).toBe('RUNNING');
      expect((await client.task(id, 'sleeps')).state).toBe('RUNNING');
      expect((await client.get(id)).state).toBe('RUNNING');
      await client.setState(id, 'CANCELLED');
    });
  });
});
