import { parseWorkflowDefinition, type WorkflowSpec } from '../../workflows/language';
import type { ExecutionState } from '../execution-states';
import { checkTargetTask, InvalidTargetTask, neededTasks, readyTasks, splitTargetFromInput, targetTask } from './reverse-graph';

function workflowOf(text: string): WorkflowSpec {
  const result = parseWorkflowDefinition(text);
  if (!result.valid) throw new Error(JSON.stringify(result.errors));
  return result.workflows[0];
}

/** ship needs test and docs, which both need build; lint stands apart. */
const DIAMOND = workflowOf(`
version: '2.0'
release:
  type: reverse
  input:
    - version: '1.0'
  tasks:
    build:
      action: std.noop
    test:
      requires: build
    docs:
      requires: [build]
    ship:
      requires: [test, docs]
    lint:
      action: std.noop
`);

const states = (entries: Record<string, ExecutionState>) => new Map(Object.entries(entries));

describe('reverse graph: the target task', () => {
  it('is the task named in params.task_name', () => {
    expect(targetTask(DIAMOND, { task_name: 'ship' })).toBe('ship');
  });

  it.each([
    ['missing', {}, /^Invalid task name \[workflow=release, task_name=None\]: a reverse workflow runs a target task: give its name in params\.task_name \(one of: build, docs, lint, ship, test\)$/],
    ['unknown', { task_name: 'deploy' }, /task_name="deploy"\]: params\.task_name must name a task of the workflow/],
    ['not a string', { task_name: 3 }, /task_name=3\]: params\.task_name must name a task/],
    ['an inherited property name', { task_name: 'constructor' }, /must name a task/],
  ])('is refused when %s, naming the field', (_case, params, message) => {
    expect(() => targetTask(DIAMOND, params)).toThrow(InvalidTargetTask);
    expect(() => targetTask(DIAMOND, params)).toThrow(message);
  });

  it('is checked for reverse workflows only', () => {
    const direct = workflowOf("version: '2.0'\nwf:\n  tasks:\n    a:\n      action: std.noop\n");
    expect(() => checkTargetTask(direct, {})).not.toThrow();
    expect(() => checkTargetTask(DIAMOND, {})).toThrow(InvalidTargetTask);
  });

  it("comes from a sub-workflow task's input, unless the workflow declares such an input", () => {
    expect(splitTargetFromInput(DIAMOND, { task_name: 'ship', version: '2' })).toEqual({ input: { version: '2' }, params: { task_name: 'ship' } });
    const declaring = { ...DIAMOND, input: [{ name: 'task_name', required: true }] };
    expect(splitTargetFromInput(declaring, { task_name: 'ship' })).toEqual({ input: { task_name: 'ship' }, params: {} });
  });
});

describe('reverse graph: what runs', () => {
  it('needs the target and what it requires, transitively, requirements first, each once', () => {
    expect(neededTasks(DIAMOND, 'ship')).toEqual(['build', 'test', 'docs', 'ship']);
    expect(neededTasks(DIAMOND, 'docs')).toEqual(['build', 'docs']);
    expect(neededTasks(DIAMOND, 'lint')).toEqual(['lint']);
  });

  it('starts the tasks that require nothing first, then each once all it requires succeeded', () => {
    expect(readyTasks(DIAMOND, 'ship', states({}))).toEqual(['build']);
    expect(readyTasks(DIAMOND, 'ship', states({ build: 'RUNNING' }))).toEqual([]);
    // both branches together
    expect(readyTasks(DIAMOND, 'ship', states({ build: 'SUCCESS' }))).toEqual(['test', 'docs']);
    expect(readyTasks(DIAMOND, 'ship', states({ build: 'SUCCESS', test: 'SUCCESS', docs: 'RUNNING' }))).toEqual([]);
    expect(readyTasks(DIAMOND, 'ship', states({ build: 'SUCCESS', test: 'SUCCESS', docs: 'SUCCESS' }))).toEqual(['ship']);
    expect(readyTasks(DIAMOND, 'ship', states({ build: 'SUCCESS', test: 'SUCCESS', docs: 'SUCCESS', ship: 'SUCCESS' }))).toEqual([]);
  });

  it('never starts a task the target does not need', () => {
    expect(readyTasks(DIAMOND, 'test', states({ build: 'SUCCESS' }))).toEqual(['test']);
  });

  it('starts nothing more once a task failed; a skipped task counts as done', () => {
    expect(readyTasks(DIAMOND, 'ship', states({ build: 'SUCCESS', test: 'ERROR' }))).toEqual([]);
    expect(readyTasks(DIAMOND, 'ship', states({ build: 'SUCCESS', test: 'SKIPPED', docs: 'SUCCESS' }))).toEqual(['ship']);
    // a re-run of the failed task is running again: the rest waits for it
    expect(readyTasks(DIAMOND, 'ship', states({ build: 'SUCCESS', test: 'RUNNING_DELAYED', docs: 'SUCCESS' }))).toEqual([]);
  });

  it('walks a long chain without deep recursion', () => {
    const lines = ["version: '2.0'", 'chain:', '  type: reverse', '  tasks:', '    t0:', '      action: std.noop'];
    for (let index = 1; index < 1000; index++) lines.push(`    t${index}:`, `      requires: t${index - 1}`);
    const chain = workflowOf(`${lines.join('\n')}\n`);
    expect(neededTasks(chain, 't999')).toHaveLength(1000);
    expect(readyTasks(chain, 't999', states({}))).toEqual(['t0']);
  });
});
