import { parseWorkflowDefinition, type WorkflowSpec } from '../../workflows/language';
import {
  candidateTransitions,
  failureSummary,
  itemVariables,
  joinThreshold,
  prepareItemsRerun,
  recordItemOutcome,
  shouldRetry,
  startWithItems,
  takeNextItem,
  transitionsAfterSkip,
} from './task-rules';

function workflow(text: string): WorkflowSpec {
  const result = parseWorkflowDefinition(`version: '2.0'\n${text}`);
  if (!result.valid) throw new Error(JSON.stringify(result.errors));
  return result.workflows[0];
}

const JOINS = workflow(`
joins:
  tasks:
    a:
      action: std.noop
      on-success: [all_of, two_of, one_of]
    b:
      action: std.noop
      on-error: [all_of, two_of]
    c:
      action: std.noop
      on-complete: [all_of, two_of, one_of]
    all_of:
      action: std.noop
      join: all
    two_of:
      action: std.noop
      join: 2
    one_of:
      action: std.noop
      join: one
`);

describe('joins', () => {
  it('join all waits for every task with a transition to it, whatever the transition kind', () => {
    expect(joinThreshold(JOINS, 'all_of')).toBe(3);
  });
  it('join N waits for N arrivals', () => {
    expect(joinThreshold(JOINS, 'two_of')).toBe(2);
  });
  it('join one fires on the first arrival', () => {
    expect(joinThreshold(JOINS, 'one_of')).toBe(1);
  });
});

const BRANCHES = workflow(`
branches:
  tasks:
    work:
      action: std.noop
      on-success:
        - good
        - fail: <% false %>
      on-error:
        - recover
      on-complete:
        - always
    good:
      action: std.noop
    recover:
      action: std.noop
    always:
      action: std.noop
`);

describe('transitions of a finished task', () => {
  const targets = (state: 'SUCCESS' | 'ERROR') =>
    candidateTransitions(BRANCHES.tasks.work, state).map(({ transition, handlesError }) => [
      transition.kind === 'task' ? transition.task : transition.command,
      handlesError,
    ]);

  it('a success takes on-success, then on-complete; none of them handles an error', () => {
    expect(targets('SUCCESS')).toEqual([
      ['good', false],
      ['fail', false],
      ['always', false],
    ]);
  });
  it('a failure takes on-error (which handles it), then on-complete (which does not)', () => {
    expect(targets('ERROR')).toEqual([
      ['recover', true],
      ['always', false],
    ]);
  });
  it('an engine command keeps its guard for the caller to check', () => {
    const fail = candidateTransitions(BRANCHES.tasks.work, 'SUCCESS')[1].transition;
    expect(fail).toMatchObject({ kind: 'command', command: 'fail', guard: '<% false %>' });
  });
  it('a skipped task goes on along on-success and on-complete task transitions, not engine commands', () => {
    expect(transitionsAfterSkip(BRANCHES.tasks.work)).toEqual(['good', 'always']);
  });
});

describe('retry', () => {
  it('a failed attempt is retried while retries are left', () => {
    expect(shouldRetry({ failed: true, count: 3, retriesDone: 0 })).toBe(true);
    expect(shouldRetry({ failed: true, count: 3, retriesDone: 2 })).toBe(true);
    expect(shouldRetry({ failed: true, count: 3, retriesDone: 3 })).toBe(false);
  });
  it('a successful attempt is not retried unless continue-on holds', () => {
    expect(shouldRetry({ failed: false, count: 3, retriesDone: 0 })).toBe(false);
    expect(shouldRetry({ failed: false, count: 3, retriesDone: 0, continueOn: true })).toBe(true);
    expect(shouldRetry({ failed: false, count: 3, retriesDone: 0, continueOn: false })).toBe(false);
  });
  it('break-on stops the retries, of a failure or of continue-on', () => {
    expect(shouldRetry({ failed: true, count: 3, retriesDone: 0, breakOn: true })).toBe(false);
    expect(shouldRetry({ failed: false, count: 3, retriesDone: 0, continueOn: true, breakOn: true })).toBe(false);
    expect(shouldRetry({ failed: true, count: 3, retriesDone: 0, breakOn: false })).toBe(true);
  });
  it('continue-on still counts against retry.count', () => {
    expect(shouldRetry({ failed: false, count: 2, retriesDone: 2, continueOn: true })).toBe(false);
  });
});

describe('with-items', () => {
  it('launches no more than the concurrency at once, in item order', () => {
    const items = startWithItems([[10, 20, 30, 40, 50]], 2);
    expect([takeNextItem(items), takeNextItem(items), takeNextItem(items)]).toEqual([0, 1, undefined]);
    expect(items.running).toBe(2);
  });
  it('without a concurrency all items launch at once; a concurrency of 0 also means all', () => {
    const all = startWithItems([[1, 2, 3]], undefined);
    expect([takeNextItem(all), takeNextItem(all), takeNextItem(all), takeNextItem(all)]).toEqual([0, 1, 2, undefined]);
    expect(startWithItems([[1, 2, 3]], 0).concurrency).toBe(3);
  });
  it('several lists pair up item by item, as many items as the shortest list', () => {
    const items = startWithItems(
      [
        ['vm1', 'vm2', 'vm3'],
        ['a', 'b'],
      ],
      undefined,
    );
    expect(items.count).toBe(2);
    expect(itemVariables(items, ['server', 'tag'], 1)).toEqual({ server: 'vm2', tag: 'b' });
  });
  it('an item ending frees its slot for the next item at once; the results keep item order whatever order the items end in', () => {
    const items = startWithItems([['x', 'y', 'z']], 2);
    takeNextItem(items);
    takeNextItem(items);
    expect(recordItemOutcome(items, 1, { ok: true, result: 'Y' })).toEqual({ next: 'launch' });
    expect(takeNextItem(items)).toBe(2);
    expect(takeNextItem(items)).toBeUndefined();
    expect(recordItemOutcome(items, 0, { ok: true, result: 'X' })).toEqual({ next: 'wait' });
    expect(recordItemOutcome(items, 2, { ok: true, result: 'Z' })).toEqual({ next: 'finish', outcome: { ok: true, result: ['X', 'Y', 'Z'] } });
  });
  it('a failed item stops new launches; the attempt fails once the running items ended, with every result', () => {
    const items = startWithItems([[1, 2, 3, 4]], 2);
    takeNextItem(items);
    takeNextItem(items);
    expect(recordItemOutcome(items, 0, { ok: false, error: 'boom', message: 'boom' })).toEqual({ next: 'wait' });
    expect(takeNextItem(items)).toBeUndefined();
    const last = recordItemOutcome(items, 1, { ok: true, result: 2 });
    expect(last).toMatchObject({ next: 'finish', outcome: { ok: false, error: ['boom', 2, null, null] } });
  });

  it('a re-run without reset launches only the items that failed; the results of the others stay', () => {
    const items = startWithItems([['a', 'b', 'c', 'd']], 4);
    for (let i = 0; i < 4; i++) takeNextItem(items);
    recordItemOutcome(items, 0, { ok: true, result: 'A' });
    recordItemOutcome(items, 1, { ok: false, error: 'b failed', message: 'b failed' });
    recordItemOutcome(items, 2, { ok: true, result: 'C' });
    recordItemOutcome(items, 3, { ok: false, error: 'd failed', message: 'd failed' });
    expect(prepareItemsRerun(items)).toBe(true);
    expect([takeNextItem(items), takeNextItem(items), takeNextItem(items)]).toEqual([1, 3, undefined]);
    expect(recordItemOutcome(items, 3, { ok: true, result: 'D' })).toEqual({ next: 'wait' });
    expect(recordItemOutcome(items, 1, { ok: true, result: 'B' })).toEqual({ next: 'finish', outcome: { ok: true, result: ['A', 'B', 'C', 'D'] } });
  });
  it('a with-items state stored before per-item records cannot be resumed: every item runs again', () => {
    const legacy = { ...startWithItems([[1, 2]], 2), failed_items: undefined };
    expect(prepareItemsRerun(legacy)).toBe(false);
  });
});

describe("a failed workflow's message", () => {
  it("names each failed task and its failed action runs, as Mistral's does", () => {
    const text = failureSummary([{ id: 't1', name: 'snapshot', stateInfo: 'quota exceeded' }], () => [
      { id: 'a1', state: 'ERROR', itemIndex: 2, stateInfo: 'quota exceeded' },
      { id: 'a2', state: 'SUCCESS', itemIndex: 0, stateInfo: null },
    ]);
    expect(text).toBe(
      'Failure caused by error in tasks: snapshot\n\n' +
        '  snapshot [task_ex_id=t1] -> quota exceeded\n' +
        '    [action_ex_id=a1, idx=2]: quota exceeded\n',
    );
  });
});
