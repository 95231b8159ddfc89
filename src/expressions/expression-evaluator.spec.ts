import { ExpressionEvaluationError } from './expression-evaluation-error';
import { ExpressionEvaluator } from './expression-evaluator';
import type { EvaluationSite, ExecutionView, ExpressionScope, TaskView } from './expression-scope';

const SECRET = 's3cr3t-hunter2';

function aTask(overrides: Partial<TaskView> = {}): TaskView {
  return {
    id: 'task-1',
    name: 'snapshot',
    state: 'SUCCESS',
    state_info: null,
    result: { image: 'img-1' },
    published: { image_id: 'img-1' },
    ...overrides,
  };
}

function anExecution(overrides: Partial<ExecutionView> = {}): ExecutionView {
  return {
    id: 'exec-1',
    name: 'backup',
    input: { server: 'vm-1' },
    params: { env: { region: 'RegionOne' } },
    created_at: '2024-05-01 10:00:00',
    ...overrides,
  };
}

function aScope(data: Record<string, unknown> = {}, overrides: Partial<ExpressionScope> = {}): ExpressionScope {
  const tasks = new Map(
    [aTask(), aTask({ id: 'task-2', name: 'notify', state: 'RUNNING', result: null })].map((t) => [t.name, t]),
  );
  return {
    data,
    task: { current: 'notify', lookup: (name) => tasks.get(name) },
    execution: anExecution(),
    ...overrides,
  };
}

const site: EvaluationSite = { task: 'snapshot', field: 'input.name' };

/** The ExpressionEvaluationError a promise rejects with. */
async function failureOf(promise: Promise<unknown>): Promise<ExpressionEvaluationError> {
  const error: unknown = await promise.then(
    () => new Error('expected a failure'),
    (failure: unknown) => failure,
  );
  if (!(error instanceof ExpressionEvaluationError)) throw error;
  return error;
}

describe('ExpressionEvaluator', () => {
  const evaluator = new ExpressionEvaluator();

  describe('render', () => {
    const data = { count: 3, server: { name: 'vm-1', tags: ['a', 'b'] }, empty: null, flag: true };

    it.each<[string, unknown]>([
      ['<% $.count %>', 3],
      ['  <%   $.count + 1 %>  ', 4],
      ['<% $.server %>', { name: 'vm-1', tags: ['a', 'b'] }],
      ['<% $.server.tags %>', ['a', 'b']],
      ['<% $.flag %>', true],
      ['<% $.empty %>', null],
      ['<% $.missing %>', null],
      ['<% $$.count * 2 %>', 6],
      ['<% $.server.tags[$ = "b"] %>', 'b'],
      ['<% [1, 2, 3][$ > 1] %>', [2, 3]],
    ])('yields the raw value of %s', async (template, expected) => {
      await expect(evaluator.render(template, aScope(data), site)).resolves.toStrictEqual(expected);
    });

    it.each<[string, string]>([
      ['server <% $.server.name %>!', 'server vm-1!'],
      ['<% $.count %> servers', '3 servers'],
      ['<% $.server.name %>/<% $.count %>', 'vm-1/3'],
      ['tags: <% $.server.tags %>', 'tags: ["a","b"]'],
      ['server: <% $.server %>', 'server: {"name":"vm-1","tags":["a","b"]}'],
      ['flag=<% $.flag %> empty=<% $.empty %>', 'flag=true empty=null'],
      ['missing=[<% $.missing %>]', 'missing=[]'],
      ['no expression at all', 'no expression at all'],
      ['unclosed <% $.count', 'unclosed <% $.count'],
    ])('interpolates %s', async (template, expected) => {
      await expect(evaluator.render(template, aScope(data), site)).resolves.toBe(expected);
    });

    it('renders nested structures, values only, keeping non-strings as they are', async () => {
      const value = {
        name: '<% $.server.name %>',
        '<% $.count %>': 'keys are not rendered',
        servers: [{ id: '<% $.count %>', label: 'n<% $.count %>' }, 42, null, false],
        nested: { deeper: { tags: '<% $.server.tags %>' } },
      };
      await expect(evaluator.render(value, aScope(data), site)).resolves.toStrictEqual({
        name: 'vm-1',
        '<% $.count %>': 'keys are not rendered',
        servers: [{ id: 3, label: 'n3' }, 42, null, false],
        nested: { deeper: { tags: ['a', 'b'] } },
      });
    });

    it('extends the field path as it recurses', async () => {
      const value = { servers: [{ name: 'ok' }, { name: '<% $.count + %>' }], 'odd key': '<% ) %>' };
      const error = await failureOf(evaluator.render(value, aScope(data), { task: 'snapshot', field: 'input' }));
      expect(error.field).toBe('input.servers[1].name');
      const other = await failureOf(evaluator.render({ 'odd key': '<% ) %>' }, aScope(data), { field: 'publish' }));
      expect(other.field).toBe('publish["odd key"]');
    });

    it('returns copies that cannot alter the context', async () => {
      const scope = aScope({ server: { tags: ['a'] } });
      const tags = (await evaluator.render('<% $.server.tags %>', scope, site)) as string[];
      tags.push('b');
      expect(scope.data).toEqual({ server: { tags: ['a'] } });
    });
  });

  describe('evaluate', () => {
    it('takes a bare or a delimited expression and yields null for nothing', async () => {
      await expect(evaluator.evaluate('$.a + 1', aScope({ a: 1 }), site)).resolves.toBe(2);
      await expect(evaluator.evaluate('<% $.a + 1 %>', aScope({ a: 1 }), site)).resolves.toBe(2);
      await expect(evaluator.evaluate('$.nothing', aScope({ a: 1 }), site)).resolves.toBeNull();
    });

    it('keeps concurrent evaluations of one expression apart', async () => {
      const slowLookup = (result: string) => (name: string) =>
        new Promise<TaskView>((resolve) => setTimeout(() => resolve(aTask({ name, result })), 5));
      const scopes = ['one', 'two', 'three'].map((value) =>
        aScope({ value }, { task: { current: 'x', lookup: slowLookup(`${value}-result`) } }),
      );
      const results = await Promise.all(
        scopes.map((scope) => evaluator.evaluate('$.value & ":" & $task().result', scope, site)),
      );
      expect(results).toEqual(['one:one-result', 'two:two-result', 'three:three-result']);
    });

    it('keeps working when the cache of compiled expressions is full', async () => {
      const small = new ExpressionEvaluator({ cacheSize: 2 });
      for (const round of [1, 2]) {
        for (const n of [1, 2, 3, 4]) {
          await expect(small.evaluate(`$.a + ${n}`, aScope({ a: round }), site)).resolves.toBe(round + n);
        }
      }
    });
  });

  describe('functions', () => {
    it('$task() returns the current task, $task(name) the named one, nothing for an unknown one', async () => {
      const scope = aScope();
      await expect(evaluator.evaluate('$task()', scope, site)).resolves.toEqual(
        aTask({ id: 'task-2', name: 'notify', state: 'RUNNING', result: null }),
      );
      await expect(evaluator.evaluate('$task("snapshot")', scope, site)).resolves.toEqual(aTask());
      await expect(evaluator.evaluate('$task("snapshot").published.image_id', scope, site)).resolves.toBe('img-1');
      await expect(evaluator.evaluate('$task("nope")', scope, site)).resolves.toBeNull();
      await expect(evaluator.evaluate('$task($.missing)', scope, site)).resolves.toBeNull();
      await expect(evaluator.evaluate('$task()', aScope({}, { task: undefined }), site)).resolves.toBeNull();
    });

    it('$task(name) with a bare task name, as Mistral writes task(name), means that task', async () => {
      const scope = aScope({ snapshot: 'a field of the same name' });
      await expect(evaluator.evaluate('$task(snapshot).published.image_id', scope, site)).resolves.toBe('img-1');
      await expect(evaluator.render('<% $length($task( snapshot ).name) %>', scope, site)).resolves.toBe(8);
      await expect(evaluator.evaluate('$task("snap" & "shot").name', scope, site)).resolves.toBe('snapshot');
    });

    it('$task() waits for an asynchronous lookup and shows only the task fields', async () => {
      const lookup = async (name: string) => ({ ...aTask({ name }), internal: 'not shown' });
      const scope = aScope({}, { task: { lookup } });
      await expect(evaluator.evaluate('$task("later")', scope, site)).resolves.toEqual(aTask({ name: 'later' }));
    });

    it("$task() lets the lookup's own failure through unchanged", async () => {
      const failure = new Error('database unavailable');
      const scope = aScope({}, { task: { lookup: () => Promise.reject(failure) } });
      await expect(evaluator.evaluate('$task("a")', scope, site)).rejects.toBe(failure);
      const throwing = aScope({}, { task: { lookup: () => { throw failure; } } });
      await expect(evaluator.evaluate('$task("a")', throwing, site)).rejects.toBe(failure);
    });

    it('$execution() returns the execution', async () => {
      await expect(evaluator.evaluate('$execution()', aScope(), site)).resolves.toEqual(anExecution());
      await expect(evaluator.evaluate('$execution().input.server', aScope(), site)).resolves.toBe('vm-1');
    });

    it("$env() returns the scope's env, else the execution's params.env, else {}", async () => {
      const withEnv = aScope({}, { env: { region: 'R2' } });
      await expect(evaluator.evaluate('$env().region', withEnv, site)).resolves.toBe('R2');
      await expect(evaluator.evaluate('$env().region', aScope(), site)).resolves.toBe('RegionOne');
      const bare = aScope({}, { execution: anExecution({ params: {} }) });
      await expect(evaluator.evaluate('$env()', bare, site)).resolves.toEqual({});
      await expect(evaluator.evaluate('$env()', { data: {} }, site)).resolves.toEqual({});
    });

    it('$uuid() returns a fresh v4 uuid', async () => {
      const [first, second] = (await evaluator.evaluate('[$uuid(), $uuid()]', aScope(), site)) as string[];
      expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(second).not.toBe(first);
    });

    it('$json_parse() and $json_dump() round-trip', async () => {
      const value = { a: [1, 'two', null, true], b: { c: 1.5 } };
      const scope = aScope({ value, text: JSON.stringify(value) });
      await expect(evaluator.evaluate('$json_dump($.value)', scope, site)).resolves.toBe(JSON.stringify(value));
      await expect(evaluator.evaluate('$json_parse($.text)', scope, site)).resolves.toEqual(value);
      await expect(evaluator.evaluate('$json_parse($json_dump($.value))', scope, site)).resolves.toEqual(value);
      await expect(evaluator.evaluate('$json_dump($.missing)', scope, site)).resolves.toBeNull();
    });

    it('$yaml_parse() and $yaml_dump() round-trip', async () => {
      const value = { servers: [{ name: 'vm-1', size: 2 }], note: 'a: b', on: true };
      const scope = aScope({ value, text: 'servers:\n  - name: vm-1\n    size: 2\n' });
      const dumped = (await evaluator.evaluate('$yaml_dump($.value)', scope, site)) as string;
      expect(dumped).toContain('- name: vm-1');
      await expect(evaluator.evaluate('$yaml_parse($yaml_dump($.value))', scope, site)).resolves.toEqual(value);
      await expect(evaluator.evaluate('$yaml_parse($.text)', scope, site)).resolves.toEqual({
        servers: [{ name: 'vm-1', size: 2 }],
      });
    });

    it('$format() formats like Python', async () => {
      const scope = aScope({ name: 'vm-1', n: 7 });
      await expect(evaluator.evaluate('$format("{0}-{1:03d}", $.name, $.n)', scope, site)).resolves.toBe('vm-1-007');
      await expect(evaluator.evaluate('$format("{} has {} {{cores}}", $.name, $.n)', scope, site)).resolves.toBe(
        'vm-1 has 7 {cores}',
      );
      await expect(evaluator.evaluate('$format("{:>6}|", $.name)', scope, site)).resolves.toBe('  vm-1|');
    });

    it('$format() explains a bad template or a missing argument', async () => {
      const missing = await failureOf(evaluator.evaluate('$format("{0} {1}", $.name)', aScope({ name: 'x' }), site));
      expect(missing.kind).toBe('evaluation');
      expect(missing.reason).toBe('$format(): the field at position 4 refers to argument 1 but 1 were given');
      const bad = await failureOf(evaluator.evaluate('$format("oops }")', aScope(), site));
      expect(bad.reason).toBe("$format(): single '}' at position 5 of the template");
    });

    it("keeps jsonata's own functions", async () => {
      const scope = aScope({ items: [{ n: 3 }, { n: 1 }, { n: 2 }] });
      await expect(evaluator.evaluate('$sort($.items.n)', scope, site)).resolves.toEqual([1, 2, 3]);
      const filter = '$filter($.items, function($i){ $i.n > 1 }).n';
      await expect(evaluator.evaluate(filter, scope, site)).resolves.toEqual([3, 2]);
      await expect(evaluator.evaluate('$match("vm-12", /\\d+/).match', scope, site)).resolves.toBe('12');
      const date = '$fromMillis(0, "[Y0001]-[M01]-[D01]")';
      await expect(evaluator.evaluate(date, scope, site)).resolves.toBe('1970-01-01');
      await expect(evaluator.evaluate('$now()', scope, site)).resolves.toMatch(/^\d{4}-\d\d-\d\dT/);
    });
  });

  describe('limits', () => {
    it('stops a runaway tail-recursive loop with a timeout error', async () => {
      const error = await failureOf(evaluator.evaluate('( $f := function($x){ $f($x) }; $f(1) )', aScope(), site));
      expect(error.kind).toBe('timeout');
      expect(error.reason).toBe('timed out after 1000 ms');
      expect(error.message).toBe(
        "task 'snapshot', field 'input.name': <% ( $f := function($x){ $f($x) }; $f(1) ) %>: timed out after 1000 ms",
      );
    });

    it('lets the event loop run while a long expression evaluates', async () => {
      const quick = new ExpressionEvaluator({ timeoutMs: 200 });
      let settled = false;
      const evaluation = quick.evaluate('( $f := function($x){ $f($x + 1) }; $f(1) )', aScope(), site).finally(() => {
        settled = true;
      });
      const ranDuringEvaluation = new Promise<boolean>((resolve) => setImmediate(() => resolve(!settled)));
      await expect(ranDuringEvaluation).resolves.toBe(true);
      expect((await failureOf(evaluation)).kind).toBe('timeout');
    });

    it('really stops the loop, not only the wait for it', async () => {
      const quick = new ExpressionEvaluator({ timeoutMs: 100 });
      let calls = 0;
      const scope = aScope({}, { task: { lookup: () => (calls++, undefined) } });
      const source = '( $f := function($x){ ($task("a"); $f($x)) }; $f(1) )';
      const pause = () => new Promise((resolve) => setTimeout(resolve, 30));
      expect((await failureOf(quick.evaluate(source, scope, site))).kind).toBe('timeout');
      await pause();
      const callsAfterFailure = calls;
      await pause();
      expect(calls).toBeGreaterThan(0);
      expect(calls).toBe(callsAfterFailure);
    });

    it('times out a function that never answers', async () => {
      const quick = new ExpressionEvaluator({ timeoutMs: 50 });
      const scope = aScope({}, { task: { lookup: () => new Promise<undefined>(() => undefined) } });
      const error = await failureOf(quick.evaluate('$task("stuck").result', scope, site));
      expect(error.kind).toBe('timeout');
      expect(error.reason).toBe('timed out after 50 ms');
    });

    it('stops runaway non-tail recursion at the depth limit', async () => {
      const shallow = new ExpressionEvaluator({ maxDepth: 200 });
      const recursion = (n: number) => `( $f := function($x){ $x = 0 ? 0 : 1 + $f($x - 1) }; $f(${n}) )`;
      const error = await failureOf(shallow.evaluate(recursion(100000), aScope(), site));
      expect(error.kind).toBe('limit');
      expect(error.reason).toMatch(/deeper than 200 levels/);
      await expect(shallow.evaluate(recursion(5), aScope(), site)).resolves.toBe(5);
    });

    it('rejects a result larger than the size cap', async () => {
      const padded = await failureOf(evaluator.evaluate("$pad('', 2000000)", aScope(), site));
      expect(padded.kind).toBe('limit');
      expect(padded.reason).toBe('$pad(): the result would be larger than 1048576 bytes');
      // 99,000 pieces (under the sequence cap) of 9 characters: 1.2 MB as JSON
      const list = await failureOf(evaluator.evaluate("$split($pad('', 990000, 'aaaaaaaaa,'), ',')", aScope(), site));
      expect(list.kind).toBe('limit');
      expect(list.reason).toBe('the result is larger than 1048576 bytes of JSON');
      // a string built on the way is held to the same limit
      const built = await failureOf(evaluator.evaluate("$length($pad('', 1000000) & $pad('', 1000000))", aScope(), site));
      expect(built.kind).toBe('limit');
      expect(built.reason).toBe('a string grows larger than 1048576 bytes');
      await expect(evaluator.evaluate("$length($pad('', 1000000))", aScope(), site)).resolves.toBe(1000000);
    });

    it('caps interpolated text too', async () => {
      const small = new ExpressionEvaluator({ maxResultBytes: 100 });
      const error = await failureOf(small.render('<% $pad("", 60) %>/<% $pad("", 60) %>', aScope(), site));
      expect(error.kind).toBe('limit');
      expect(error.reason).toBe('the text grows larger than 100 bytes');
    });

    it('caps sequence lengths', async () => {
      const small = new ExpressionEvaluator({ maxSequenceLength: 1000 });
      const error = await failureOf(small.evaluate('$count([1..5000])', aScope(), site));
      expect(error.kind).toBe('limit');
      expect(error.reason).toBe('a sequence exceeds 1000 items');
    });

    it('rejects invalid limits', () => {
      expect(() => new ExpressionEvaluator({ timeoutMs: 0 })).toThrow(/timeoutMs must be a positive integer/);
    });
  });

  describe('errors', () => {
    it('name the task, the field and the expression', async () => {
      const error = await failureOf(evaluator.evaluate('$foo(', aScope(), site));
      expect(error).toMatchObject({ task: 'snapshot', field: 'input.name', expression: '$foo(', kind: 'syntax' });
      expect(error.message).toMatch(/^task 'snapshot', field 'input.name': <% \$foo\( %>: syntax error: /);
      expect(error.position).toBe(5);
    });

    it('leave out the task when there is none', async () => {
      const error = await failureOf(evaluator.render('<% ) %>', aScope(), { field: 'output' }));
      expect(error.message).toMatch(/^field 'output': <% \) %>: syntax error: /);
    });

    it('report an empty expression and the same syntax error every time', async () => {
      expect((await failureOf(evaluator.render('<% %>', aScope(), site))).kind).toBe('syntax');
      const first = await failureOf(evaluator.evaluate('$.a +', aScope(), site));
      const second = await failureOf(evaluator.evaluate('$.a +', aScope(), site));
      expect(second.message).toBe(first.message);
    });

    it('report a function as a result', async () => {
      const error = await failureOf(evaluator.evaluate('function($x){ $x }', aScope(), site));
      expect(error.reason).toBe('the result holds a function, which is not a value');
    });

    it.each<[string, RegExp]>([
      ['$.password + 1', /left side of the "\+" operator must evaluate to a number/],
      ['$.password < 1', /The values \(value hidden\) and \(value hidden\) either side of operator "<"/],
      ['$number($.password)', /Unable to cast value to a number: \(value hidden\)/],
      ['-$.password', /Cannot negate a non-numeric value: \(value hidden\)/],
      ['$json_parse($.password)', /\$json_parse\(\): the argument is not valid JSON/],
      ['$yaml_parse("a: [" & $.password)', /\$yaml_parse\(\): the argument is not valid YAML \(line 1/],
      ['$error("no " & $.password)', /^\$error\(\) raised an error$/],
      ['$assert(false, $.password)', /^\$assert\(\) raised an error$/],
      ['$format($.password & "}")', /single '}'/],
      ['$task($.secrets)', /\$task\(\) expects a task name/],
    ])('never quote the context: %s', async (source, reason) => {
      const scope = aScope({ password: SECRET, secrets: { password: SECRET } });
      const error = await failureOf(evaluator.evaluate(source, scope, site));
      expect(error.reason).toMatch(reason);
      expect(error.message).not.toContain(SECRET);
      expect(error.message).toContain(source);
      expect(JSON.stringify(error)).not.toContain(SECRET);
    });

    it("keep $error()'s own literal message", async () => {
      const source = '$.n > 2 ? $error("too many servers") : 1';
      const error = await failureOf(evaluator.evaluate(source, aScope({ n: 5 }), site));
      expect(error.reason).toBe('$error() raised an error: too many servers');
    });
  });

  describe('isTruthy', () => {
    it.each<[unknown, boolean]>([
      [null, false],
      [undefined, false],
      [false, false],
      [0, false],
      [Number.NaN, false],
      ['', false],
      [[], false],
      [{}, false],
      [true, true],
      [1, true],
      [-1, true],
      ['false', true],
      [[0], true],
      [{ a: null }, true],
    ])('%j is %s', (value, expected) => {
      expect(evaluator.isTruthy(value)).toBe(expected);
    });

    it('judges a rendered guard', async () => {
      const scope = aScope({ servers: [{ state: 'OK' }] });
      const guard = await evaluator.render('<% $.servers[state = "ERROR"] %>', scope, site);
      expect(evaluator.isTruthy(guard)).toBe(false);
    });
  });
});
