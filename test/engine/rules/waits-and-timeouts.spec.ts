import { useEngine } from '../../support/engine-harness';

/** wait-before, wait-after and timeout (one second each, the shortest the language allows in practice). */
describe('engine rules: waits and timeouts', () => {
  const engine = useEngine(`
version: '2.0'
wait_before_wf:
  tasks:
    patient:
      wait-before: 1
      action: std.echo output=ran

wait_after_wf:
  tasks:
    patient:
      wait-after: 1
      action: std.echo output=ran
      on-success: next
    next:
      action: std.noop

timeout_wf:
  tasks:
    slow:
      action: std.sleep seconds=30
      timeout: 1
      on-error: handled
    handled:
      action: std.noop

no_wait_wf:
  tasks:
    quick:
      wait-before: 0
      wait-after: 0
      timeout: 0
      action: std.echo output=ran
`);

  it('wait-before holds the task in RUNNING_DELAYED before its action starts', async () => {
    const id = await engine.start('wait_before_wf');
    const waiting = await engine.waitForTask(id, 'patient', ['RUNNING_DELAYED']);
    expect(await engine.actions(waiting.id)).toHaveLength(0);
    const done = await engine.waitForState(id);
    expect(done.state).toBe('SUCCESS');
    expect((await engine.task(id, 'patient')).result).toBe('ran');
  });

  it('wait-after holds the task in RUNNING_DELAYED after its action ended, before its transitions', async () => {
    const id = await engine.start('wait_after_wf');
    const waiting = await engine.waitForTask(id, 'patient', ['RUNNING_DELAYED']);
    const [action] = await engine.actions(waiting.id);
    expect(action.state).toBe('SUCCESS');
    expect((await engine.tasks(id)).map((task) => task.name)).toEqual(['patient']);
    const done = await engine.waitForState(id);
    expect(done.state).toBe('SUCCESS');
    expect(await engine.taskStates(id)).toEqual(['next:SUCCESS', 'patient:SUCCESS']);
  });

  it('timeout fails the task and abandons its action; on-error handles it like any error', async () => {
    const execution = await engine.run('timeout_wf');
    expect(execution.state).toBe('SUCCESS');
    const slow = await engine.task(execution.id, 'slow');
    expect(slow.state).toBe('ERROR');
    expect(slow.stateInfo).toBe("task 'slow' timed out after 1 s");
    const [action] = await engine.actions(slow.id);
    expect(action.state).toBe('ERROR');
    expect(await engine.taskStates(execution.id)).toEqual(['handled:SUCCESS', 'slow:ERROR']);
  });

  it('zero waits and timeout change nothing', async () => {
    const execution = await engine.run('no_wait_wf');
    expect(execution.state).toBe('SUCCESS');
    expect((await engine.task(execution.id, 'quick')).result).toBe('ran');
  });
});
