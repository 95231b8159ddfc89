import { type ActionRun, useEngine } from '../../support/engine-harness';

/** Most actions running at once, from the times the engine recorded (start = created, end = updated). */
function mostAtOnce(actions: ActionRun[]): number {
  const events = actions.flatMap((action) => [
    { at: action.createdAt.getTime(), step: 1 },
    { at: (action.updatedAt ?? action.createdAt).getTime(), step: -1 },
  ]);
  // an end and a start at the same millisecond: the end first (the next item starts after it)
  events.sort((a, b) => a.at - b.at || a.step - b.step);
  let running = 0;
  let most = 0;
  for (const event of events) {
    running += event.step;
    most = Math.max(most, running);
  }
  return most;
}

/** with-items: one action per item, results in item order, at most `concurrency` at once. */
describe('engine rules: with-items', () => {
  const engine = useEngine(`
version: '2.0'
ordered_wf:
  input:
    - delays
  output:
    results: <% $.results %>
  tasks:
    each:
      with-items: delay in <% $.delays %>
      action: std.echo
      input:
        output: <% 'waited ' & $string($.delay) %>
        delay: <% $.delay %>
      publish:
        results: <% $task().result %>

zipped_wf:
  output:
    lines: <% $.lines %>
  tasks:
    each:
      with-items:
        - name in <% ['a', 'b', 'c', 'd'] %>
        - size in <% [1, 2, 3] %>
      action: std.echo output="<% $.name %>=<% $.size %>"
      publish:
        lines: <% $task().result %>

limited_wf:
  input:
    - concurrency
  tasks:
    each:
      with-items: n in <% [1, 2, 3, 4, 5, 6] %>
      concurrency: <% $.concurrency %>
      action: std.echo
      input:
        output: <% $.n %>
        delay: 0.05

failing_item_wf:
  input:
    - concurrency: 1
  tasks:
    each:
      with-items: n in <% [1, 2, 3, 4] %>
      concurrency: <% $.concurrency %>
      # item 2 asks for a negative delay, which std.echo refuses when it runs
      action: std.echo
      input:
        output: <% $.n %>
        delay: '<% $.n = 2 ? -1 : 0 %>'
      publish-on-error:
        why: <% $task().state_info %>
      on-error: handled
    handled:
      action: std.noop
`);

  it('collects the results in item order, whatever order the items end in', async () => {
    const execution = await engine.run('ordered_wf', { delays: [0.3, 0, 0.1] });
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ results: ['waited 0.3', 'waited 0', 'waited 0.1'] });
    const each = await engine.task(execution.id, 'each');
    const actions = await engine.actions(each.id);
    expect(actions.map((action) => action.itemIndex).sort()).toEqual([0, 1, 2]);
  });

  it('zips several lists, as many items as the shortest', async () => {
    const execution = await engine.run('zipped_wf');
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ lines: ['a=1', 'b=2', 'c=3'] });
  });

  it('an empty list gives an empty result at once', async () => {
    const execution = await engine.run('ordered_wf', { delays: [] });
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ results: [] });
    expect(await engine.actions((await engine.task(execution.id, 'each')).id)).toHaveLength(0);
  });

  it('never runs more than concurrency items at once', async () => {
    for (const concurrency of [1, 2]) {
      const execution = await engine.run('limited_wf', { concurrency });
      expect(execution.state).toBe('SUCCESS');
      const each = await engine.task(execution.id, 'each');
      expect(each.result).toEqual([1, 2, 3, 4, 5, 6]);
      const actions = await engine.actions(each.id);
      expect(actions).toHaveLength(6);
      expect(actions.every((action) => action.state === 'SUCCESS')).toBe(true);
      expect(mostAtOnce(actions)).toBe(concurrency);
    }
  });

  it('one failing item fails the task, saying why; no further item starts after it', async () => {
    const execution = await engine.run('failing_item_wf');
    expect(execution.state).toBe('SUCCESS');
    const each = await engine.task(execution.id, 'each');
    expect(each.state).toBe('ERROR');
    expect(each.stateInfo).toContain('delay must be a number of seconds, 0 or more (got -1)');
    expect(each.published).toEqual({ why: each.stateInfo });
    const actions = await engine.actions(each.id);
    expect(actions.map((action) => `${action.itemIndex}:${action.state}`).sort()).toEqual(['0:SUCCESS', '1:ERROR']);
    expect(await engine.taskStates(execution.id)).toEqual(['each:ERROR', 'handled:SUCCESS']);
  });
});
