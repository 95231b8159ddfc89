import { useEngine } from '../../support/engine-harness';

/** Transitions: which of on-success, on-error and on-complete a task takes, and the engine commands. */
describe('engine rules: transitions', () => {
  const engine = useEngine(`
version: '2.0'
outcome_wf:
  input:
    - fail: false
  tasks:
    work:
      action: std.echo
      input:
        output: <% $.fail %>
      publish:
        worked: <% $.fail = false %>
      on-success:
        - guarded_fail: <% $.fail %>
        - succeeded
      on-error: failed
      on-complete: completed
    guarded_fail:
      action: std.fail error_data=asked
      on-error: failed
    succeeded:
      action: std.noop
    failed:
      action: std.noop
    completed:
      action: std.noop

caught_wf:
  output:
    reason: <% $.reason %>
  tasks:
    risky:
      action: std.fail error_data="disk full"
      publish-on-error:
        reason: <% $task().result %>
      on-success: not_reached
      on-error: report
      on-complete: cleanup
    not_reached:
      action: std.noop
    report:
      action: std.noop
    cleanup:
      action: std.noop

complete_only_wf:
  tasks:
    risky:
      action: std.fail error_data=oops
      on-complete: cleanup
    cleanup:
      action: std.noop

guarded_error_wf:
  input:
    - handle
  tasks:
    risky:
      action: std.fail error_data=oops
      on-error:
        - report: <% $.handle %>
    report:
      action: std.noop

unhandled_wf:
  output-on-error:
    why: <% 'gave up' %>
  tasks:
    boom:
      action: std.fail error_data="something broke"
      on-success: after
    after:
      action: std.noop

commands_wf:
  input:
    - command
  tasks:
    decide:
      # not instant: slow, the other start task, is running when decide ends
      action: std.echo output=decided delay=0.05
      on-success:
        - fail(msg='stopped on purpose'): <% $.command = 'fail' %>
        - fail: <% $.command = 'fail_plain' %>
        - succeed: <% $.command = 'succeed' %>
        - pause: <% $.command = 'pause' %>
        - after: <% $.command = 'pause' %>
    after:
      action: std.echo output=resumed
    slow:
      action: std.sleep seconds=30

error_command_wf:
  tasks:
    risky:
      action: std.fail error_data=oops
      on-error:
        - fail(msg='handled by failing')
      on-complete: cleanup
    cleanup:
      action: std.noop
`);

  it('a task that succeeds takes on-success and on-complete, not on-error; guards see its published values', async () => {
    const execution = await engine.run('outcome_wf');
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ fail: false, worked: true });
    expect(await engine.taskStates(execution.id)).toEqual(['completed:SUCCESS', 'succeeded:SUCCESS', 'work:SUCCESS']);
  });

  it('a task that fails takes on-error and on-complete, not on-success; the handled error leaves the workflow in SUCCESS', async () => {
    const execution = await engine.run('caught_wf');
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ reason: 'disk full' });
    expect(await engine.taskStates(execution.id)).toEqual(['cleanup:SUCCESS', 'report:SUCCESS', 'risky:ERROR']);
    const risky = await engine.task(execution.id, 'risky');
    expect(risky.stateInfo).toBe('disk full');
    expect(risky.published).toEqual({ reason: 'disk full' });
  });

  it('only the on-success clauses whose guard holds are taken', async () => {
    const execution = await engine.run('outcome_wf', { fail: true });
    // work succeeds (echo), its guard sends it to guarded_fail, whose error on-error handles
    expect(execution.state).toBe('SUCCESS');
    expect(await engine.taskStates(execution.id)).toEqual([
      'completed:SUCCESS',
      'failed:SUCCESS',
      'guarded_fail:ERROR',
      'succeeded:SUCCESS',
      'work:SUCCESS',
    ]);
  });

  it('on-complete alone does not handle an error: it runs, and the workflow fails', async () => {
    const execution = await engine.run('complete_only_wf');
    expect(execution.state).toBe('ERROR');
    expect(execution.stateInfo).toMatch(/^Failure caused by error in tasks: risky\n/);
    expect(await engine.taskStates(execution.id)).toEqual(['cleanup:SUCCESS', 'risky:ERROR']);
  });

  it('an on-error clause whose guard is false does not handle the error', async () => {
    const handled = await engine.run('guarded_error_wf', { handle: true });
    expect(handled.state).toBe('SUCCESS');
    const unhandled = await engine.run('guarded_error_wf', { handle: false });
    expect(unhandled.state).toBe('ERROR');
    expect(await engine.taskStates(unhandled.id)).toEqual(['risky:ERROR']);
  });

  it('an unhandled error fails the workflow with a summary naming the task, and output-on-error', async () => {
    const execution = await engine.run('unhandled_wf');
    expect(execution.state).toBe('ERROR');
    const boom = await engine.task(execution.id, 'boom');
    expect(execution.stateInfo).toContain('Failure caused by error in tasks: boom\n\n');
    expect(execution.stateInfo).toContain(`boom [task_ex_id=${boom.id}] -> something broke`);
    expect(execution.output).toEqual({ why: 'gave up' });
    expect(boom.result).toBe('something broke');
    expect(await engine.taskStates(execution.id)).toEqual(['boom:ERROR']);
  });

  it('fail ends the workflow in ERROR with its message, or a default naming the task', async () => {
    const withMessage = await engine.run('commands_wf', { command: 'fail' });
    expect(withMessage.state).toBe('ERROR');
    expect(withMessage.stateInfo).toBe('stopped on purpose');
    const plain = await engine.run('commands_wf', { command: 'fail_plain' });
    expect(plain.state).toBe('ERROR');
    expect(plain.stateInfo).toBe("Failed by task 'decide'");
  });

  it('fail stops the workflow: still-running tasks are cancelled and on-complete is not taken', async () => {
    const failed = await engine.run('commands_wf', { command: 'fail' });
    // slow is a start task too: the fail ended it
    const slow = await engine.task(failed.id, 'slow');
    expect(slow.state).toBe('CANCELLED');
    const [nap] = await engine.actions(slow.id);
    expect(nap.state).toBe('CANCELLED');

    const handledByFailing = await engine.run('error_command_wf');
    expect(handledByFailing.state).toBe('ERROR');
    expect(handledByFailing.stateInfo).toBe('handled by failing');
    expect(await engine.taskStates(handledByFailing.id)).toEqual(['risky:ERROR']);
  });

  it('succeed ends the workflow in SUCCESS at once, cancelling what still runs', async () => {
    const execution = await engine.run('commands_wf', { command: 'succeed' });
    expect(execution.state).toBe('SUCCESS');
    expect(await engine.taskStates(execution.id)).toEqual(['decide:SUCCESS', 'slow:CANCELLED']);
  });

  it('pause pauses the workflow; the other clauses wait for the resume', async () => {
    const id = await engine.start('commands_wf', { command: 'pause' });
    const paused = await engine.waitForState(id, ['PAUSED']);
    expect(paused.state).toBe('PAUSED');
    expect((await engine.task(id, 'after')).state).toBe('IDLE');
    await engine.setState(id, 'RUNNING');
    await engine.waitForTask(id, 'after', ['SUCCESS']);
    // slow still runs: end it
    await engine.setState(id, 'SUCCESS');
    const done = await engine.waitForState(id);
    expect(done.state).toBe('SUCCESS');
    expect((await engine.task(id, 'after')).result).toBe('resumed');
  });
});
