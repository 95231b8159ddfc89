import { useEngine } from '../../support/engine-harness';

/** Commands on a task (re-run, skip) and on an execution (force SUCCESS or ERROR). */
describe('engine rules: task and execution commands', () => {
  const engine = useEngine(`
version: '2.0'
fragile_wf:
  output:
    after: <% $.after %>
  tasks:
    fragile:
      action: std.fail error_data=broken
      on-success: after
    after:
      action: std.echo output=reached
      publish:
        after: <% $task().result %>

fixable_child_wf:
  tasks:
    step:
      action: std.fail error_data="not fixed yet"

fixable_parent_wf:
  output:
    after: <% $.after %>
  tasks:
    call:
      workflow: fixable_child_wf
      on-success: after
    after:
      action: std.echo output=reached
      publish:
        after: <% $task().result %>

items_wf:
  tasks:
    each:
      with-items: n in <% [0, 1, 2] %>
      action: std.echo
      input:
        output: <% $.n %>
        delay: '<% $.n = 1 ? -1 : 0 %>'

long_wf:
  output-on-error:
    forced: true
  tasks:
    nap:
      action: std.sleep seconds=30
`);

  it('re-running a failed task runs it again (and the execution with it); still failing, it ends in ERROR again', async () => {
    const first = await engine.run('fragile_wf');
    expect(first.state).toBe('ERROR');
    const fragile = await engine.task(first.id, 'fragile');
    await engine.command(fragile.id, { rerun: { reset: true } });
    await engine.waitFor(async () => (await engine.actions(fragile.id)).length === 2 && (await engine.execution(first.id)).state === 'ERROR');
    const again = await engine.task(first.id, 'fragile');
    expect(again.state).toBe('ERROR');
    expect(again.id).toBe(fragile.id);
    expect((await engine.actions(fragile.id)).map((action) => action.state)).toEqual(['ERROR', 'ERROR']);
    expect(await engine.taskStates(first.id)).toEqual(['fragile:ERROR']);
  });

  it('re-running a task that now succeeds goes on along its on-success and ends the execution in SUCCESS', async () => {
    const first = await engine.run('fixable_parent_wf');
    expect(first.state).toBe('ERROR');
    const call = await engine.task(first.id, 'call');
    expect(call.stateInfo).toContain('not fixed yet');
    await engine.redefine(`
version: '2.0'
fixable_child_wf:
  output:
    fixed: true
  tasks:
    step:
      action: std.noop
`);
    await engine.command(call.id, { rerun: { reset: false } });
    const done = await engine.waitForState(first.id, ['SUCCESS']);
    expect(done.output).toEqual({ after: 'reached' });
    expect(await engine.taskStates(first.id)).toEqual(['after:SUCCESS', 'call:SUCCESS']);
    expect((await engine.task(first.id, 'call')).result).toEqual({ fixed: true });
    // one child per attempt
    expect((await engine.children(call.id)).map((child) => child.state).sort()).toEqual(['ERROR', 'SUCCESS']);
  });

  it('re-running a with-items task with reset runs every item again', async () => {
    const first = await engine.run('items_wf');
    const each = await engine.task(first.id, 'each');
    const before = await engine.actions(each.id);
    await engine.command(each.id, { rerun: { reset: true } });
    await engine.waitFor(async () => (await engine.execution(first.id)).state === 'ERROR' && (await engine.actions(each.id)).length > before.length);
    const after = await engine.actions(each.id);
    expect(after.slice(before.length).map((action) => action.itemIndex).sort()).toEqual(before.map((action) => action.itemIndex).sort());
  });

  // as Mistral: PUT /v2/tasks/{id} with reset=false runs only the items that failed
  it('re-running a with-items task without reset runs only the items that failed', async () => {
    const first = await engine.run('items_wf');
    const each = await engine.task(first.id, 'each');
    const before = await engine.actions(each.id);
    await engine.command(each.id, { rerun: { reset: false } });
    await engine.waitFor(async () => (await engine.execution(first.id)).state === 'ERROR' && (await engine.actions(each.id)).length > before.length);
    const failedBefore = before.filter((action) => action.state === 'ERROR').map((action) => action.itemIndex);
    const rerun = (await engine.actions(each.id)).slice(before.length).map((action) => action.itemIndex);
    expect(rerun.sort()).toEqual(failedBefore.sort());
  });

  it('skipping a failed task marks it SKIPPED and goes on along its on-success', async () => {
    const first = await engine.run('fragile_wf');
    const fragile = await engine.task(first.id, 'fragile');
    await engine.command(fragile.id, 'skip');
    const done = await engine.waitForState(first.id, ['SUCCESS']);
    expect(done.output).toEqual({ after: 'reached' });
    expect(await engine.taskStates(first.id)).toEqual(['after:SUCCESS', 'fragile:SKIPPED']);
  });

  it('refuses to re-run or skip a task that is not in ERROR', async () => {
    const execution = await engine.run('fragile_wf');
    const fragile = await engine.task(execution.id, 'fragile');
    await engine.command(fragile.id, 'skip');
    await engine.waitForState(execution.id, ['SUCCESS']);
    const after = await engine.task(execution.id, 'after');
    await expect(engine.command(after.id, { rerun: { reset: true } })).rejects.toThrow('Only a task in ERROR can be re-run; task after is SUCCESS');
    await expect(engine.command(after.id, 'skip')).rejects.toThrow('Only a task in ERROR can be skipped; task after is SUCCESS');
  });

  it('forcing SUCCESS or ERROR ends a running execution so, cancelling what runs', async () => {
    const succeeded = await engine.start('long_wf');
    await engine.waitForTask(succeeded, 'nap', ['RUNNING']);
    await engine.setState(succeeded, 'SUCCESS', 'good enough');
    const success = await engine.waitForState(succeeded);
    expect(success.state).toBe('SUCCESS');
    expect(success.stateInfo).toBe('good enough');
    expect(await engine.taskStates(succeeded)).toEqual(['nap:CANCELLED']);

    const failed = await engine.start('long_wf');
    await engine.setState(failed, 'ERROR', 'given up');
    const error = await engine.waitForState(failed);
    expect(error.state).toBe('ERROR');
    expect(error.stateInfo).toBe('given up');
    expect(error.output).toEqual({ forced: true });
    expect(await engine.taskStates(failed)).toEqual(['nap:CANCELLED']);
    await expect(engine.setState(failed, 'SUCCESS')).rejects.toThrow('from ERROR to SUCCESS');
  });

  it('runs one action outside any workflow and records how it ended', async () => {
    const echoed = await engine.executions.runAction('std.echo', { output: 'x' }, '', engine.context);
    expect(echoed.state).toBe('SUCCESS');
    expect(echoed.output).toEqual({ result: 'x' });
    const failed = await engine.executions.runAction('std.fail', { error_data: 'no' }, '', engine.context);
    expect(failed.state).toBe('ERROR');
    expect(failed.stateInfo).toBe('no');
    expect((await engine.queries.getActionExecution(failed.id, engine.context)).state).toBe('ERROR');
    await expect(engine.executions.runAction('std.nothing', {}, '', engine.context)).rejects.toThrow('Action not found [action_name=std.nothing]');
  });
});
