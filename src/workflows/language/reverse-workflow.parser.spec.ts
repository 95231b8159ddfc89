import { parseWorkflowDefinition, type DefinitionError, type WorkflowSpec } from '.';

/** A definition from its lines: line N of the text is element N - 1. */
function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function parsed(text: string): WorkflowSpec[] {
  const result = parseWorkflowDefinition(text);
  if (!result.valid) throw new Error(`expected a valid definition, got ${JSON.stringify(result.errors)}`);
  return result.workflows;
}

function errorsOf(text: string): Array<Pick<DefinitionError, 'line' | 'column' | 'path' | 'message'>> {
  const result = parseWorkflowDefinition(text);
  if (result.valid) throw new Error('expected the definition to be refused');
  return result.errors.map(({ line, column, path, message }) => ({ line, column, path, message }));
}

const HEADER = "version: '2.0'";

describe('parseWorkflowDefinition: reverse workflows', () => {
  it('reads requires as a name or a list, merges task-defaults (never a task requiring itself), and finds the tasks that require nothing', () => {
    const [workflow] = parsed(
      yaml(
        HEADER,
        'deploy:',
        '  type: reverse',
        '  task-defaults:',
        '    requires: prepare',
        '    retry: count=2 delay=0',
        '  tasks:',
        '    prepare:',
        '      action: std.noop',
        '    build:',
        '      action: std.echo output=built',
        '    test:',
        '      requires: build',
        '      action: std.noop',
        '    ship:',
        '      requires: [test, build]',
        '      action: std.noop',
      ),
    );
    expect(workflow.type).toBe('reverse');
    expect(workflow.taskDefaults.requires).toEqual(['prepare']);
    expect(workflow.tasks.prepare.requires).toEqual([]);
    expect(workflow.tasks.build.requires).toEqual(['prepare']);
    expect(workflow.tasks.test.requires).toEqual(['build', 'prepare']);
    expect(workflow.tasks.ship.requires).toEqual(['test', 'build', 'prepare']);
    expect(workflow.tasks.ship.retry).toEqual({ count: 2, delay: 0 });
    expect(workflow.tasks.ship.onSuccess).toEqual([]);
    expect(workflow.startTasks).toEqual(['prepare']);
  });

  it('accepts a direct and a reverse workflow in one file, each checked by its own rules', () => {
    const workflows = parsed(
      yaml(HEADER, 'direct_wf:', '  tasks:', '    a:', '      action: std.noop', '      on-success: b', '    b:', '      action: std.noop',
        'reverse_wf:', '  type: reverse', '  tasks:', '    a:', '      action: std.noop', '    b:', '      requires: a'),
    );
    expect(workflows.map((workflow) => [workflow.name, workflow.type])).toEqual([
      ['direct_wf', 'direct'],
      ['reverse_wf', 'reverse'],
    ]);
    expect(workflows[0].tasks.a.requires).toBeUndefined();
    // a reverse task may stand alone: nothing has to lead to it
    expect(workflows[1].startTasks).toEqual(['a']);
  });

  it('refuses the transitions and joins of direct workflows, at the key', () => {
    expect(
      errorsOf(
        yaml(HEADER, 'wf:', '  type: reverse', '  task-defaults:', '    on-error: b', '  tasks:', '    a:', '      action: std.noop',
          '      on-success: b', '    b:', '      join: all', '      on-complete: [a]', '      requires: a'),
      ),
    ).toEqual([
      { line: 5, column: 5, path: 'task-defaults.on-error', message: expect.stringContaining("'on-error' is not allowed in a reverse workflow") },
      { line: 9, column: 7, path: 'tasks.a.on-success', message: expect.stringContaining("'on-success' is not allowed in a reverse workflow") },
      { line: 11, column: 7, path: 'tasks.b.join', message: expect.stringContaining("'join' is not allowed in a reverse workflow") },
      { line: 12, column: 7, path: 'tasks.b.on-complete', message: expect.stringContaining("'on-complete' is not allowed") },
    ]);
  });

  it('refuses requires in a direct workflow, saying where it belongs', () => {
    expect(
      errorsOf(yaml(HEADER, 'wf:', '  task-defaults:', '    requires: a', '  tasks:', '    a:', '      action: std.noop', '    b:', '      requires: [a]')),
    ).toEqual([
      { line: 4, column: 5, path: 'task-defaults.requires', message: expect.stringContaining("'requires' belongs to reverse workflows: add 'type: reverse'") },
      { line: 9, column: 7, path: 'tasks.b.requires', message: expect.stringContaining("'requires' belongs to reverse workflows") },
    ]);
  });

  it('refuses a required task that does not exist, with a close match', () => {
    expect(
      errorsOf(yaml(HEADER, 'wf:', '  type: reverse', '  tasks:', '    build:', '      action: std.noop', '    ship:', '      requires: [build, tset]', '    test:', '      action: std.noop')),
    ).toEqual([{ line: 8, column: 25, path: 'tasks.ship.requires[1]', message: "task 'ship' requires 'tset', which does not exist (did you mean 'test'?)" }]);
  });

  it("reports an unknown task of task-defaults' requires once, where it was written", () => {
    expect(
      errorsOf(yaml(HEADER, 'wf:', '  type: reverse', '  task-defaults:', '    requires: [setup]', '  tasks:', '    a:', '      action: std.noop', '    b:', '      action: std.noop')),
    ).toEqual([{ line: 5, column: 16, path: 'task-defaults.requires[0]', message: expect.stringContaining("requires 'setup', which does not exist") }]);
  });

  it('refuses a cycle in requires with the tasks on it, once, at the requirement that closes it', () => {
    expect(
      errorsOf(
        yaml(HEADER, 'wf:', '  type: reverse', '  tasks:', '    a:', '      requires: c', '    b:', '      requires: a', '    c:', '      requires: [b]', '    d:', '      requires: d'),
      ),
    ).toEqual([
      {
        line: 8,
        column: 17,
        path: 'tasks.b.requires',
        message: "'requires' makes a cycle: a -> c -> b -> a (each requires the next); none of these tasks could ever start",
      },
      { line: 12, column: 17, path: 'tasks.d.requires', message: "task 'd' requires itself: it could never start" },
    ]);
  });

  it('refuses requires of the wrong type through the schema', () => {
    expect(errorsOf(yaml(HEADER, 'wf:', '  type: reverse', '  tasks:', '    a:', '      requires: {b: 1}', '    b:', '      requires: [a, a]'))).toEqual([
      { line: 6, column: 17, path: 'tasks.a.requires', message: 'must be a task name or a list of task names' },
      { line: 8, column: 17, path: 'tasks.b.requires', message: expect.stringContaining('must not repeat an item') },
    ]);
  });

  it('checks a long chain of requirements without deep recursion', () => {
    const lines = [HEADER, 'wf:', '  type: reverse', '  tasks:', '    t0:', '      action: std.noop'];
    for (let index = 1; index < 1000; index++) lines.push(`    t${index}:`, `      requires: t${index - 1}`);
    const [workflow] = parsed(yaml(...lines));
    expect(workflow.tasks.t999.requires).toEqual(['t998']);
    expect(workflow.startTasks).toEqual(['t0']);
  });
});
