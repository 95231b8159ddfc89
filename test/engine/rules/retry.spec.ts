import { useEngine } from '../../support/engine-harness';

/** Retry policies: count and delay, break-on, continue-on; the task's last attempt decides. */
describe('engine rules: retry', () => {
  const engine = useEngine(`
version: '2.0'
retry_wf:
  input:
    - count: 2
  tasks:
    flaky:
      action: std.fail error_data=nope
      retry:
        count: <% $.count %>
        delay: 0
      on-error: handled
    handled:
      action: std.noop

unhandled_retry_wf:
  tasks:
    flaky:
      action: std.fail error_data=nope
      retry: count=1 delay=0

delayed_retry_wf:
  tasks:
    flaky:
      action: std.fail error_data=later
      retry: count=1 delay=1

break_wf:
  input:
    - fatal
  tasks:
    flaky:
      action: std.fail
      input:
        error_data: <% $.fatal %>
      retry:
        count: 3
        delay: 0
        break-on: <% $task().result = 'fatal' %>

continue_wf:
  input:
    - answer
  tasks:
    poll:
      action: std.echo
      input:
        output: <% $.answer %>
      publish:
        last: <% $task().result %>
      retry:
        count: 3
        delay: 0
        continue-on: <% $task().result = 'pending' %>

continue_and_break_wf:
  tasks:
    poll:
      action: std.echo output=pending
      retry:
        count: 3
        delay: 0
        continue-on: <% $task().result = 'pending' %>
        break-on: <% $task().result = 'pending' %>
`);

  it('runs a failing task 1 + count times, then ERROR; on-error then handles it', async () => {
    const execution = await engine.run('retry_wf');
    expect(execution.state).toBe('SUCCESS');
    const flaky = await engine.task(execution.id, 'flaky');
    expect(flaky.state).toBe('ERROR');
    expect(flaky.stateInfo).toBe('nope');
    expect(flaky.runtimeContext).toMatchObject({ retry_no: 2 });
    const attempts = await engine.actions(flaky.id);
    expect(attempts.map((action) => action.state)).toEqual(['ERROR', 'ERROR', 'ERROR']);
    expect(await engine.taskStates(execution.id)).toEqual(['flaky:ERROR', 'handled:SUCCESS']);
  });

  it('reads count from an expression; count 0 means one attempt only', async () => {
    const execution = await engine.run('retry_wf', { count: 0 });
    const flaky = await engine.task(execution.id, 'flaky');
    expect(await engine.actions(flaky.id)).toHaveLength(1);
  });

  it('an error still failing after the retries fails the workflow', async () => {
    const execution = await engine.run('unhandled_retry_wf');
    expect(execution.state).toBe('ERROR');
    const flaky = await engine.task(execution.id, 'flaky');
    expect(await engine.actions(flaky.id)).toHaveLength(2);
    expect(execution.stateInfo).toMatch(/^Failure caused by error in tasks: flaky\n/);
  });

  it('waits the delay between attempts (RUNNING_DELAYED meanwhile)', async () => {
    const id = await engine.start('delayed_retry_wf');
    const waiting = await engine.waitForTask(id, 'flaky', ['RUNNING_DELAYED']);
    expect(await engine.actions(waiting.id)).toHaveLength(1);
    const execution = await engine.waitForState(id);
    expect(execution.state).toBe('ERROR');
    expect(await engine.actions(waiting.id)).toHaveLength(2);
  });

  it('break-on stops retrying as soon as it holds; otherwise all retries run', async () => {
    const broken = await engine.run('break_wf', { fatal: 'fatal' });
    expect(broken.state).toBe('ERROR');
    expect(await engine.actions((await engine.task(broken.id, 'flaky')).id)).toHaveLength(1);
    const retried = await engine.run('break_wf', { fatal: 'transient' });
    expect(retried.state).toBe('ERROR');
    expect(await engine.actions((await engine.task(retried.id, 'flaky')).id)).toHaveLength(4);
  });

  it('continue-on retries a successful task while it holds, and the last attempt is the result', async () => {
    const pending = await engine.run('continue_wf', { answer: 'pending' });
    expect(pending.state).toBe('SUCCESS');
    const poll = await engine.task(pending.id, 'poll');
    expect(poll.state).toBe('SUCCESS');
    expect(poll.result).toBe('pending');
    expect(await engine.actions(poll.id)).toHaveLength(4);

    const ready = await engine.run('continue_wf', { answer: 'ready' });
    expect(ready.state).toBe('SUCCESS');
    expect(ready.output).toMatchObject({ last: 'ready' });
    expect(await engine.actions((await engine.task(ready.id, 'poll')).id)).toHaveLength(1);
  });

  it('break-on wins over continue-on', async () => {
    const execution = await engine.run('continue_and_break_wf');
    expect(execution.state).toBe('SUCCESS');
    expect(await engine.actions((await engine.task(execution.id, 'poll')).id)).toHaveLength(1);
  });
});
