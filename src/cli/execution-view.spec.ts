import { changedTaskLines, renderFrame, taskLine, taskProgress, type ExecutionResource, type TaskResource } from './execution-view';

const NOW = new Date('2026-12-02T10:00:10Z');

function task(fields: Partial<TaskResource> & { context?: unknown }): TaskResource {
  const { context, ...rest } = fields;
  return {
    id: 'task-1',
    name: 'snap',
    state: 'RUNNING',
    state_info: null,
    runtime_context: JSON.stringify(context ?? {}),
    created_at: '2026-12-02 10:00:00',
    started_at: '2026-12-02 10:00:00',
    finished_at: null,
    ...rest,
  };
}

describe('the live view of an execution', () => {
  it('shows with-items progress as a bar and n/m, retries, and the time spent', () => {
    const items = task({ context: { retry_no: 2, with_items: { count: 10, next: 6, running: 2 } } });
    expect(taskProgress(items, NOW)).toEqual({ name: 'snap', state: 'RUNNING', retries: 2, items: { done: 4, total: 10 }, elapsedMs: 10_000, stateInfo: null });
    expect(taskLine(taskProgress(items, NOW), true)).toBe('▶ snap RUNNING ████████░░░░░░░░░░░░ 4/10 items retry 2 10.0s');
    expect(taskLine(taskProgress(items, NOW), false)).toBe('▶ snap RUNNING 4/10 items retry 2 10.0s');
  });

  it('ends the clock of a finished task at its end, and shows a failed task\'s error', () => {
    const failed = task({ state: 'ERROR', state_info: 'Failed to run action: the disk is full', finished_at: '2026-12-02 10:00:03' });
    expect(taskLine(taskProgress(failed, NOW), false)).toBe('✖ snap ERROR 3.0s : Failed to run action: the disk is full');
  });

  it('draws the execution line over its tasks', () => {
    const execution = { id: 'e1', workflow_name: 'nightly', state: 'RUNNING', state_info: null, created_at: '2026-12-02 09:58:55', updated_at: null } as ExecutionResource;
    expect(renderFrame(execution, [task({ state: 'SUCCESS', finished_at: '2026-12-02 10:00:01' })], NOW)).toBe('nightly e1 RUNNING 1m15s\n  ✔ snap SUCCESS 1.0s');
  });

  it('prints a plain line only when a task changes (state, items done or retries)', () => {
    const seen = new Map<string, string>();
    expect(changedTaskLines([task({ context: { with_items: { count: 3, next: 1, running: 1 } } })], seen, NOW)).toEqual(['10:00:10 ▶ snap RUNNING 0/3 items 10.0s']);
    expect(changedTaskLines([task({ context: { with_items: { count: 3, next: 1, running: 1 } } })], seen, NOW)).toEqual([]);
    expect(changedTaskLines([task({ context: { with_items: { count: 3, next: 2, running: 1 } } })], seen, NOW)).toHaveLength(1);
  });
});
