import { useEngine } from '../../support/engine-harness';

/** Pausing, resuming and cancelling an execution; what the tasks and actions record meanwhile. */
describe('engine rules: pause, resume and cancel', () => {
  const engine = useEngine(`
version: '2.0'
two_steps_wf:
  tasks:
    nap:
      action: std.sleep seconds=1
      on-success: next
    next:
      action: std.echo output=done

pause_before_wf:
  input:
    - pause: true
  tasks:
    first:
      action: std.noop
      on-success: second
    second:
      pause-before: <% $.pause %>
      action: std.echo output=done

waiting_when_paused_wf:
  tasks:
    waiting:
      wait-before: 1
      action: std.echo output=ran
    pauser:
      action: std.noop
      on-success:
        - pause

clock_wf:
  tasks:
    tick:
      wait-before: 1
      action: std.noop

long_wf:
  tasks:
    nap:
      action: std.sleep seconds=30
      on-success: never
    never:
      action: std.noop
`);

  it('a paused execution lets running actions end but starts no new task until resumed', async () => {
    const id = await engine.start('two_steps_wf');
    const paused = await engine.setState(id, 'PAUSED');
    expect(paused.state).toBe('PAUSED');
    // nap ends while paused; next is created but waits
    const next = await engine.waitForTask(id, 'next', ['IDLE']);
    expect((await engine.task(id, 'nap')).state).toBe('SUCCESS');
    expect(await engine.actions(next.id)).toHaveLength(0);
    expect((await engine.execution(id)).state).toBe('PAUSED');

    await engine.setState(id, 'RUNNING');
    const done = await engine.waitForState(id);
    expect(done.state).toBe('SUCCESS');
    expect((await engine.task(id, 'next')).result).toBe('done');
  });

  it('pausing a paused execution and resuming a running one change nothing', async () => {
    const id = await engine.start('long_wf');
    await engine.setState(id, 'PAUSED');
    expect((await engine.setState(id, 'PAUSED')).state).toBe('PAUSED');
    await engine.setState(id, 'RUNNING');
    expect((await engine.setState(id, 'RUNNING')).state).toBe('RUNNING');
    await engine.setState(id, 'CANCELLED');
  });

  it('pause-before pauses the execution before the task, saying so; resume runs it', async () => {
    const id = await engine.start('pause_before_wf');
    const paused = await engine.waitForState(id, ['PAUSED']);
    expect(paused.stateInfo).toBe("paused before task 'second'");
    expect((await engine.task(id, 'second')).state).toBe('IDLE');
    const resumed = await engine.setState(id, 'RUNNING');
    expect(resumed.stateInfo).toBeNull();
    const done = await engine.waitForState(id);
    expect(done.state).toBe('SUCCESS');
    expect((await engine.task(id, 'second')).result).toBe('done');
  });

  it('pause-before false runs straight through', async () => {
    const execution = await engine.run('pause_before_wf', { pause: false });
    expect(execution.state).toBe('SUCCESS');
  });

  it('cancel ends the execution, its running task and action in CANCELLED, with the reason given', async () => {
    const id = await engine.start('long_wf');
    await engine.waitForTask(id, 'nap', ['RUNNING']);
    const cancelled = await engine.setState(id, 'CANCELLED', 'no longer needed');
    expect(cancelled.state).toBe('CANCELLED');
    expect(cancelled.stateInfo).toBe('no longer needed');
    const nap = await engine.task(id, 'nap');
    expect(nap.state).toBe('CANCELLED');
    expect(nap.stateInfo).toBe('workflow execution ended CANCELLED');
    const [action] = await engine.actions(nap.id);
    expect(action.state).toBe('CANCELLED');
    expect(await engine.taskStates(id)).toEqual(['nap:CANCELLED']);
  });

  it('a paused execution can be cancelled', async () => {
    const id = await engine.start('long_wf');
    await engine.setState(id, 'PAUSED');
    expect((await engine.setState(id, 'CANCELLED')).state).toBe('CANCELLED');
    expect(await engine.taskStates(id)).toEqual(['nap:CANCELLED']);
  });

  it('refuses to resume, pause or cancel a finished execution, and changes nothing', async () => {
    const id = await engine.start('long_wf');
    await engine.setState(id, 'CANCELLED');
    await expect(engine.setState(id, 'RUNNING')).rejects.toThrow(`Can't change the state of execution ${id} from CANCELLED to RUNNING`);
    await expect(engine.setState(id, 'PAUSED')).rejects.toThrow('from CANCELLED to PAUSED');
    await expect(engine.setState(id, 'CANCELLED')).rejects.toThrow('from CANCELLED to CANCELLED');
    await expect(engine.setState(id, 'SLEEPING')).rejects.toThrow("state must be one of PAUSED, RUNNING, CANCELLED, SUCCESS, ERROR; got 'SLEEPING'");
    expect((await engine.execution(id)).state).toBe('CANCELLED');
  });

  // a delayed start (wait-before, or a retry delay) that comes due while the execution is paused
  // waits for the resume, and then runs
  it('a task whose wait-before ends while the execution is paused runs once it is resumed', async () => {
    // waiting starts its 1 s wait and pauser pauses the execution, in the same first transition
    const id = await engine.start('waiting_when_paused_wf');
    await engine.waitForState(id, ['PAUSED']);
    expect((await engine.task(id, 'waiting')).state).toBe('RUNNING_DELAYED');
    // the same engine's wait that ends later has ended: so has the paused one
    expect((await engine.run('clock_wf')).state).toBe('SUCCESS');
    expect((await engine.execution(id)).state).toBe('PAUSED');
    await engine.setState(id, 'RUNNING');
    const done = await engine.waitForState(id, ['SUCCESS', 'ERROR', 'CANCELLED'], 1500);
    expect(done.state).toBe('SUCCESS');
    expect((await engine.task(id, 'waiting')).result).toBe('ran');
  });
});
