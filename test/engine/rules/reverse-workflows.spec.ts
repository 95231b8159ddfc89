import { useEngine, type Task } from '../../support/engine-harness';

/**
 * Reverse workflows: the execution names a target task (params.task_name); the target and the
 * tasks it requires run, each once all it requires succeeded; nothing else runs.
 */
describe('engine rules: reverse workflows', () => {
  const engine = useEngine(`
version: '2.0'
release_wf:
  type: reverse
  input:
    - version: '1.0'
  output:
    shipped: <% $.shipped %>
  task-defaults:
    retry: count=1 delay=0
  tasks:
    build:
      action: std.echo output="build <% $.version %>"
      publish: {built: <% $task().result %>}
    test:
      requires: build
      action: std.echo output="tested <% $.built %>" delay=0.2
      publish: {tested: <% $task().result %>}
    docs:
      requires: [build]
      action: std.echo output="documented <% $.built %>" delay=0.2
      publish: {documented: <% $task().result %>}
    ship:
      requires: [test, docs]
      action: std.echo
      input:
        output: <% [$.tested, $.documented] %>
      publish: {shipped: <% $task().result %>}
    lint:
      action: std.echo output=linted

fixable_wf:
  type: reverse
  tasks:
    prepare:
      action: std.noop
    check:
      requires: prepare
      action: std.echo output=checked
      input:
        delay: '<% $env().fixed ? 0 : -1 %>'
    slow:
      requires: prepare
      action: std.echo output=slow delay=0.3
    finish:
      requires: [check, slow]
      with-items: n in [1, 2]
      action: std.echo output=<% $.n %>

parent_wf:
  output:
    child: <% $.child %>
  tasks:
    call:
      workflow: release_wf
      input:
        task_name: docs
        version: '3.0'
      publish: {child: <% $task().result %>}
`);

  const byName = (tasks: Task[]) => new Map(tasks.map((task) => [task.name, task]));
  const at = (date: Date | null | undefined) => (date ? date.getTime() : Number.NaN);

  it('runs the target and what it requires, each after all it requires succeeded, branches together; nothing else', async () => {
    const id = await engine.start('release_wf', { version: '2.0' }, { task_name: 'ship' });
    const execution = await engine.waitForState(id);
    expect(execution.state).toBe('SUCCESS');
    // each task read what its requirements published: they ran before it
    expect(execution.output).toEqual({ shipped: ['tested build 2.0', 'documented build 2.0'] });
    expect(await engine.taskStates(id)).toEqual(['build:SUCCESS', 'docs:SUCCESS', 'ship:SUCCESS', 'test:SUCCESS']);
    const tasks = byName(await engine.tasks(id));
    const [build, test, docs, ship] = ['build', 'test', 'docs', 'ship'].map((name) => tasks.get(name)!);
    expect(at(test.createdAt)).toBeGreaterThanOrEqual(at(build.finishedAt));
    expect(at(docs.createdAt)).toBeGreaterThanOrEqual(at(build.finishedAt));
    // test and docs ran side by side: each started before the other finished
    expect(at(test.startedAt)).toBeLessThan(at(docs.finishedAt));
    expect(at(docs.startedAt)).toBeLessThan(at(test.finishedAt));
    expect(at(ship.createdAt)).toBeGreaterThanOrEqual(Math.max(at(test.finishedAt), at(docs.finishedAt)));
  });

  it('runs only the part of the graph a nearer target needs', async () => {
    const id = await engine.start('release_wf', {}, { task_name: 'test' });
    expect((await engine.waitForState(id)).state).toBe('SUCCESS');
    expect(await engine.taskStates(id)).toEqual(['build:SUCCESS', 'test:SUCCESS']);
  });

  it('stops at a failure: tasks running finish, nothing new starts, the execution ends in ERROR', async () => {
    const id = await engine.start('fixable_wf', {}, { task_name: 'finish', env: { fixed: false } });
    const execution = await engine.waitForState(id);
    expect(execution.state).toBe('ERROR');
    expect(execution.stateInfo).toMatch(/^Failure caused by error in tasks: check\n/);
    expect(await engine.taskStates(id)).toEqual(['check:ERROR', 'prepare:SUCCESS', 'slow:SUCCESS']);
  });

  it('re-running the failed task resumes the graph up to the target', async () => {
    const id = await engine.start('fixable_wf', {}, { task_name: 'finish', env: { fixed: false } });
    await engine.waitForState(id);
    const check = await engine.task(id, 'check');
    await engine.executions.rerunTask(check.id, true, engine.context, { fixed: true });
    const execution = await engine.waitForState(id, ['SUCCESS']);
    expect(execution.state).toBe('SUCCESS');
    expect(await engine.taskStates(id)).toEqual(['check:SUCCESS', 'finish:SUCCESS', 'prepare:SUCCESS', 'slow:SUCCESS']);
    expect((await engine.task(id, 'finish')).result).toEqual([1, 2]);
  });

  it('skipping the failed task goes on as if it had succeeded', async () => {
    const id = await engine.start('fixable_wf', {}, { task_name: 'finish', env: { fixed: false } });
    await engine.waitForState(id);
    await engine.command((await engine.task(id, 'check')).id, 'skip');
    expect((await engine.waitForState(id, ['SUCCESS'])).state).toBe('SUCCESS');
    expect(await engine.taskStates(id)).toEqual(['check:SKIPPED', 'finish:SUCCESS', 'prepare:SUCCESS', 'slow:SUCCESS']);
  });

  it("a sub-workflow task names the reverse workflow's target in its input", async () => {
    const execution = await engine.run('parent_wf');
    expect(execution.state).toBe('SUCCESS');
    const [child] = await engine.children((await engine.task(execution.id, 'call')).id);
    expect(await engine.taskStates(child.id)).toEqual(['build:SUCCESS', 'docs:SUCCESS']);
    expect(child.params).toMatchObject({ task_name: 'docs' });
    expect((await engine.task(child.id, 'docs')).result).toBe('documented build 3.0');
    // the child's output expression, as for any workflow: ship did not run
    expect(execution.output).toEqual({ child: { shipped: null } });
  });

  it('refuses to start without a known target task, naming the field', async () => {
    await expect(engine.start('release_wf')).rejects.toThrow(/^Invalid task name \[workflow=release_wf, task_name=None\]: .*params\.task_name/);
    await expect(engine.start('release_wf', {}, { task_name: 'deploy' })).rejects.toThrow(/params\.task_name must name a task of the workflow \(one of: build, docs, lint, ship, test\)/);
  });
});
