import { useEngine } from '../../support/engine-harness';

/** Joins: a task with `join` waits for its inbound tasks (all, one, or N of them) and runs once. */
describe('engine rules: joins', () => {
  const engine = useEngine(`
version: '2.0'
join_all_wf:
  output:
    seen: <% $.seen %>
  tasks:
    a:
      action: std.echo output=a delay=0.05
      publish: {from_a: <% $task().result %>}
      on-success: merge
    b:
      action: std.echo output=b
      publish: {from_b: <% $task().result %>}
      on-success: merge
    c:
      action: std.echo output=c delay=0.1
      publish: {from_c: <% $task().result %>}
      on-success: merge
    merge:
      join: all
      action: std.echo
      input:
        output: <% [$.from_a, $.from_b, $.from_c] %>
      publish: {seen: <% $task().result %>}

join_counted_wf:
  input:
    - take_c: true
  tasks:
    a:
      action: std.noop
      on-success: [two, one]
    b:
      action: std.noop
      on-success: [two, one]
    c:
      action: std.noop
      on-success:
        - two: <% $.take_c %>
        - one: <% $.take_c %>
    two:
      join: 2
      action: std.noop
    one:
      join: one
      action: std.noop

join_unsatisfied_wf:
  input:
    - skip_a: true
  tasks:
    a:
      action: std.echo output=<% $not($.skip_a) %>
      on-success:
        - merge: <% $task().result %>
    b:
      action: std.noop
      on-success: merge
    merge:
      join: all
      action: std.noop

join_through_error_wf:
  tasks:
    a:
      action: std.fail error_data=broken
      on-error: merge
    b:
      action: std.noop
      on-success: merge
    merge:
      join: all
      action: std.noop
`);

  it('join all runs once, after every inbound task, and sees what each published', async () => {
    const execution = await engine.run('join_all_wf');
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ seen: ['a', 'b', 'c'] });
    expect(await engine.taskStates(execution.id)).toEqual(['a:SUCCESS', 'b:SUCCESS', 'c:SUCCESS', 'merge:SUCCESS']);
  });

  it('join N and join one fire once, on the Nth and the first arrival; later arrivals are ignored', async () => {
    const execution = await engine.run('join_counted_wf');
    expect(execution.state).toBe('SUCCESS');
    // one task execution each, though three branches lead to them
    expect(await engine.taskStates(execution.id)).toEqual(['a:SUCCESS', 'b:SUCCESS', 'c:SUCCESS', 'one:SUCCESS', 'two:SUCCESS']);
  });

  it('join N is satisfied by N branches even when another is not taken', async () => {
    const execution = await engine.run('join_counted_wf', { take_c: false });
    expect(execution.state).toBe('SUCCESS');
    expect(await engine.taskStates(execution.id)).toEqual(['a:SUCCESS', 'b:SUCCESS', 'c:SUCCESS', 'one:SUCCESS', 'two:SUCCESS']);
  });

  it('join all whose inbound branch is not taken ends in ERROR, and so does the workflow', async () => {
    const execution = await engine.run('join_unsatisfied_wf');
    expect(execution.state).toBe('ERROR');
    const merge = await engine.task(execution.id, 'merge');
    expect(merge.state).toBe('ERROR');
    expect(merge.stateInfo).toContain('join could not complete: 1 of its inbound tasks reached it');
    expect(execution.stateInfo).toMatch(/^Failure caused by error in tasks: merge\n/);
    // the join never ran its action
    expect(await engine.actions(merge.id)).toHaveLength(0);
  });

  it('join all runs when every inbound task arrives, whichever transition (on-error too) brought it', async () => {
    const execution = await engine.run('join_through_error_wf');
    expect(execution.state).toBe('SUCCESS');
    expect(await engine.taskStates(execution.id)).toEqual(['a:ERROR', 'b:SUCCESS', 'merge:SUCCESS']);
  });

  it('the same join fires when its branches are all taken', async () => {
    const execution = await engine.run('join_unsatisfied_wf', { skip_a: false });
    expect(execution.state).toBe('SUCCESS');
    expect(await engine.taskStates(execution.id)).toEqual(['a:SUCCESS', 'b:SUCCESS', 'merge:SUCCESS']);
  });
});
