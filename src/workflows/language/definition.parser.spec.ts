import { formatDefinitionErrors, parseWorkflowDefinition, type DefinitionError } from '.';

/** A definition from its lines: line N of the text is element N - 1. */
function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

interface ExpectedError {
  line: number;
  column: number;
  workflow?: string;
  path: string;
  /** a fragment of the message */
  message: string;
}

function inWorkflow(line: number, column: number, path: string, message: string, workflow = 'wf'): ExpectedError {
  return { line, column, workflow, path, message };
}

function topLevel(line: number, column: number, path: string, message: string): ExpectedError {
  return { line, column, path, message };
}

function errorsOf(text: string): DefinitionError[] {
  const result = parseWorkflowDefinition(text);
  if (result.valid) throw new Error('expected the definition to be refused');
  return result.errors;
}

function matching(expected: ExpectedError): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    line: expected.line,
    column: expected.column,
    path: expected.path,
    message: expect.stringContaining(expected.message),
  };
  if (expected.workflow !== undefined) fields.workflow = expected.workflow;
  return fields;
}

const HEADER = "version: '2.0'";

const cases: Array<[string, string, ExpectedError[]]> = [
  [
    'YAML syntax error (Mistral bad_yaml sample)',
    yaml('---', HEADER, 'broken_wf:', '  tasks:', '    t1:', '      action: std.noop', '     on-success: t2', '   - oops'),
    [
      topLevel(7, 1, '', 'YAML syntax error: All mapping items must start at the same column'),
      topLevel(8, 1, '', 'YAML syntax error'),
      topLevel(8, 4, '', 'YAML syntax error'),
      topLevel(8, 4, '', 'YAML syntax error'),
    ],
  ],
  [
    'unterminated quote',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: "std.noop', '    t2:'),
    [topLevel(7, 1, '', 'YAML syntax error: Missing closing "quote')],
  ],
  [
    'unsupported version',
    yaml("version: '1.0'", 'wf:', '  tasks:', '    t1:', '      action: std.noop'),
    [topLevel(1, 10, 'version', "unsupported version '1.0': it must be '2.0'")],
  ],
  [
    'version of the wrong type',
    yaml('version: [2]', 'wf:', '  tasks:', '    t1:', '      action: std.noop'),
    [topLevel(1, 10, 'version', "must be '2.0'")],
  ],
  [
    'missing version',
    yaml('wf:', '  tasks:', '    t1:', '      action: std.noop'),
    [topLevel(1, 1, 'version', "missing required key 'version'")],
  ],
  ['empty definition', '', [topLevel(1, 1, '', 'the definition is empty')]],
  ['comment only', '# nothing here\n', [topLevel(1, 1, '', 'the definition is empty')]],
  ['no workflow', yaml(HEADER), [topLevel(1, 1, '', 'the definition has no workflow')]],
  [
    'definition that is a list',
    yaml('- version: 2.0'),
    [topLevel(1, 1, '', "a definition must be a mapping of 'version' and workflows")],
  ],
  [
    'unknown workflow type',
    yaml(HEADER, 'wf:', '  type: sideways', '  tasks:', '    t1:', '      action: std.noop'),
    [inWorkflow(3, 9, 'type', "must be 'direct' or 'reverse'")],
  ],
  [
    'workflow that is not a mapping',
    yaml(HEADER, 'wf: hello'),
    [inWorkflow(2, 5, '', "a workflow must be a mapping with at least 'tasks'")],
  ],
  [
    'workflow without tasks',
    yaml(HEADER, 'wf:', '  description: nothing to do'),
    [inWorkflow(2, 1, 'tasks', "missing required key 'tasks'")],
  ],
  [
    'unknown workflow key, with a suggestion',
    yaml(HEADER, 'wf:', '  descripton: oops', '  tasks:', '    t1:', '      action: std.noop'),
    [inWorkflow(3, 3, 'descripton', "unknown key 'descripton' (did you mean 'description'?)")],
  ],
  [
    'tasks that are a list',
    yaml(HEADER, 'wf:', '  tasks: [t1, t2]'),
    [inWorkflow(3, 10, 'tasks', 'must be a mapping of task names to tasks')],
  ],
  [
    'empty tasks',
    yaml(HEADER, 'wf:', '  tasks: {}'),
    [inWorkflow(3, 10, 'tasks', 'must not be empty')],
  ],
  [
    'empty transition list',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      on-error: []'),
    [inWorkflow(5, 17, 'tasks.t1.on-error', 'must not be empty')],
  ],
  [
    'guard pair with two keys',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      on-error:', '        - {t2: <% $.a %>, t3: <% $.b %>}', '    t2: {}'),
    [
      inWorkflow(6, 11, 'tasks.t1.on-error[0]', "one 'task: <% guard %>' pair"),
      inWorkflow(7, 9, 'tasks.t2', 'must not be empty'),
    ],
  ],
  [
    'unknown task key, with a suggestion',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '      on-succes: t2', '    t2:', '      action: std.noop'),
    [inWorkflow(6, 7, 'tasks.t1.on-succes', "unknown key 'on-succes' (did you mean 'on-success'?)")],
  ],
  [
    'Mistral task key we do not support',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '      target: worker-1'),
    [inWorkflow(6, 7, 'tasks.t1.target', "'target' (run on a given executor) is not supported")],
  ],
  [
    'action and workflow both',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '      workflow: other_wf'),
    [inWorkflow(6, 7, 'tasks.t1.workflow', "a task cannot have both 'action' and 'workflow'")],
  ],
  [
    'invalid action name',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: output=1'),
    [inWorkflow(5, 15, 'tasks.t1.action', "'output=1' is not a valid action name")],
  ],
  [
    'action name given as an expression',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: <% $.action %> x=1'),
    [inWorkflow(5, 15, 'tasks.t1.action', 'the action name must be written out')],
  ],
  [
    'bare expression as a task input',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      workflow: other_wf', '      input: <% $.params %>'),
    [inWorkflow(6, 14, 'tasks.t1.input', 'must be a mapping of parameter names to values')],
  ],
  [
    'bad join value',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      on-success: t2', '    t2:', '      join: sometimes'),
    [inWorkflow(7, 13, 'tasks.t2.join', "must be 'all', 'one' or a non-negative integer")],
  ],
  [
    'on-success to an unknown task',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '      on-success: nope'),
    [inWorkflow(6, 19, 'tasks.t1.on-success', "unknown task 'nope'")],
  ],
  [
    'on-success to a misspelt task, with a suggestion',
    yaml(HEADER, 'wf:', '  tasks:', '    find:', '      on-success: snapshto', '    snapshot:', '      action: std.noop'),
    [
      inWorkflow(5, 19, 'tasks.find.on-success', "unknown task 'snapshto' (did you mean 'snapshot'?)"),
      // nothing else leads to snapshot, so it is a start task: no second error
    ],
  ],
  [
    'on-error list item to an unknown task',
    yaml(
      HEADER,
      'wf:',
      '  tasks:',
      '    snapshot:',
      '      action: std.noop',
      '      on-error:',
      '        - cleanup',
      '        - nope',
      '    cleanup:',
      '      action: std.noop',
    ),
    [inWorkflow(8, 11, 'tasks.snapshot.on-error[1]', "unknown task 'nope'")],
  ],
  [
    'on-complete guarded list item to an unknown task',
    yaml(
      HEADER,
      'wf:',
      '  tasks:',
      '    t1:',
      '      action: std.noop',
      '      on-complete:',
      '        - t2: <% $.ok %>',
      '        - t3: <% $.ok = false %>',
      '    t2:',
      '      action: std.noop',
    ),
    [inWorkflow(8, 11, 'tasks.t1.on-complete[1]', "unknown task 't3'")],
  ],
  [
    'on-success guard pair (no list) to an unknown task',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '      on-success:', '        nope: <% $.ok %>'),
    [inWorkflow(7, 9, 'tasks.t1.on-success', "unknown task 'nope'")],
  ],
  [
    'task-defaults transition to an unknown task',
    yaml(HEADER, 'wf:', '  task-defaults:', '    on-error: notify', '  tasks:', '    t1:', '      action: std.noop'),
    [inWorkflow(4, 15, 'task-defaults.on-error', "unknown task 'notify'")],
  ],
  [
    'guard that is not an expression',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      on-success:', '        - t2: yes please', '    t2:', '      action: std.noop'),
    [inWorkflow(6, 15, 'tasks.t1.on-success[0].t2', 'the guard must be a <% %> expression')],
  ],
  [
    'engine command with an unknown parameter',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '      on-error: fail(message="boom")'),
    [inWorkflow(6, 22, 'tasks.t1.on-error', "unknown parameter 'message': 'fail' takes only 'msg'")],
  ],
  [
    'parameters on a task transition',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      on-success: t2 x=1', '    t2:', '      action: std.noop'),
    [inWorkflow(5, 19, 'tasks.t1.on-success', "'t2' is a task: only engine commands (fail, succeed, pause) take parameters")],
  ],
  [
    'reserved task name',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '    fail:', '      action: std.noop'),
    [inWorkflow(6, 5, 'tasks.fail', "'fail' is reserved for the engine command")],
  ],
  [
    'invalid task name',
    yaml(HEADER, 'wf:', '  tasks:', '    "send mail":', '      action: std.noop'),
    [inWorkflow(4, 5, 'tasks["send mail"]', "task name 'send mail' may only contain")],
  ],
  [
    'duplicate task name (YAML duplicate key)',
    yaml(
      HEADER,
      'wf:',
      '  tasks:',
      '    t1:',
      '      action: std.noop',
      '      on-success: t2',
      '    t2:',
      '      action: std.noop',
      '    t1:',
      '      action: std.echo output=1',
    ),
    [inWorkflow(9, 5, 'tasks.t1', "duplicate task 't1'")],
  ],
  [
    'duplicate workflow',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', 'wf:', '  tasks:', '    t1:', '      action: std.noop'),
    [inWorkflow(6, 1, '', "duplicate workflow 'wf'")],
  ],
  [
    'workflow named like a UUID',
    yaml(HEADER, '123e4567-e89b-12d3-a456-426614174000:', '  tasks:', '    t1:', '      action: std.noop'),
    [inWorkflow(2, 1, '', 'a workflow name cannot look like a UUID', '123e4567-e89b-12d3-a456-426614174000')],
  ],
  [
    'duplicate input',
    yaml(HEADER, 'wf:', '  input:', '    - instance', '    - instance: vm1', '  tasks:', '    t1:', '      action: std.noop'),
    [inWorkflow(5, 7, 'input[1]', "input 'instance' is declared twice")],
  ],
  [
    'unreachable cycle',
    yaml(
      HEADER,
      'wf:',
      '  tasks:',
      '    start:',
      '      action: std.noop',
      '    a:',
      '      action: std.noop',
      '      on-success: b',
      '    b:',
      '      action: std.noop',
      '      on-success: a',
    ),
    [
      inWorkflow(6, 5, 'tasks.a', "task 'a' is unreachable"),
      inWorkflow(9, 5, 'tasks.b', "task 'b' is unreachable"),
    ],
  ],
  [
    'no start task',
    yaml(HEADER, 'wf:', '  tasks:', '    a:', '      on-success: b', '    b:', '      on-success: a'),
    [inWorkflow(3, 3, 'tasks', 'no start task')],
  ],
  [
    'join that no transition leads to',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      join: all', '      action: std.noop'),
    [inWorkflow(5, 13, 'tasks.t1.join', "task 't1' has 'join' but no transition leads to it")],
  ],
  [
    'join waiting for more tasks than lead to it',
    yaml(HEADER, 'wf:', '  tasks:', '    a:', '      on-success: c', '    b:', '      on-success: c', '    c:', '      join: 3'),
    [inWorkflow(9, 13, 'tasks.c.join', "'join: 3' waits for 3 tasks but only 2 lead to 'c'")],
  ],
  [
    'bad expression in publish',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '      publish:', '        server: <% $.a + %>'),
    [inWorkflow(7, 17, 'tasks.t1.publish.server', 'invalid expression <% $.a + %>')],
  ],
  [
    'bad expression in an inline parameter (points inside the line)',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', "      action: nova.servers_find name=<% $.instance ( %> status='ACTIVE'"),
    [inWorkflow(5, 38, 'tasks.t1.action', 'invalid expression <% $.instance ( %>')],
  ],
  [
    'bad expression inside a quoted input value',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.echo', '      input:', '        output: "Hello <% $.name[ %>"'),
    [inWorkflow(7, 24, 'tasks.t1.input.output', 'invalid expression <% $.name[ %>')],
  ],
  [
    'bad expression in a guard',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      on-success:', '        - t2: <% $.x = %>', '    t2:', '      action: std.noop'),
    [inWorkflow(6, 15, 'tasks.t1.on-success[0].t2', 'invalid expression <% $.x = %>')],
  ],
  [
    'bad expression in with-items',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      with-items: x in <% $.list[ %>', '      action: std.echo output=<% $.x %>'),
    [inWorkflow(5, 24, 'tasks.t1.with-items', 'invalid expression <% $.list[ %>')],
  ],
  [
    'unclosed expression',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.echo output="<% $.x"'),
    [inWorkflow(5, 32, 'tasks.t1.action', "'<%' is not closed by '%>'")],
  ],
  [
    'bad with-items syntax',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      with-items: <% $.list %>', '      action: std.noop'),
    [inWorkflow(5, 19, 'tasks.t1.with-items', "with-items must look like 'x in <% $.list %>' or 'x in [1, 2]'")],
  ],
  [
    'bad with-items list item',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      with-items:', '        - x in <% $.xs %>', '        - y of <% $.ys %>'),
    [inWorkflow(7, 11, 'tasks.t1.with-items[1]', 'with-items must look like')],
  ],
  [
    'bad one-line retry, with a suggestion',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '      retry: count=3 dealy=5'),
    [inWorkflow(6, 22, 'tasks.t1.retry', "retry: unknown parameter 'dealy' (did you mean 'delay'?)")],
  ],
  [
    'one-line retry without delay',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '      retry: count=3'),
    [inWorkflow(6, 14, 'tasks.t1.retry', "retry: missing 'delay'")],
  ],
  [
    'retry mapping without delay',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '      retry:', '        count: 3'),
    [inWorkflow(6, 7, 'tasks.t1.retry.delay', "missing required key 'delay'")],
  ],
  [
    'retry count of the wrong type',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '      retry:', '        count: many', '        delay: 5'),
    [inWorkflow(7, 16, 'tasks.t1.retry.count', 'must be a non-negative integer or a <% %> expression')],
  ],
  [
    'policy of the wrong type',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: std.noop', '      wait-before: soon'),
    [inWorkflow(6, 20, 'tasks.t1.wait-before', 'must be a non-negative integer or a <% %> expression')],
  ],
  [
    'alias to an unknown anchor',
    yaml(HEADER, 'wf:', '  tasks:', '    t1:', '      action: *missing'),
    [inWorkflow(5, 15, 'tasks.t1.action', "unknown alias '*missing'")],
  ],
];

describe('parseWorkflowDefinition: refused definitions', () => {
  it.each(cases)('%s', (_name, text, expected) => {
    const errors = errorsOf(text);
    expect(errors).toEqual(expected.map((error) => expect.objectContaining(matching(error))));
  });

  it('reports schema, graph, name and expression errors of several workflows together', () => {
    const text = yaml(
      HEADER, //                                                     1
      'first:', //                                                   2
      '  tasks:', //                                                 3
      '    t1:', //                                                  4
      '      action: std.noop', //                                   5
      '      on-success: [t2, nope]', //                             6
      '      publish:', //                                           7
      '        x: <% $.a + %>', //                                   8
      '    t2:', //                                                  9
      '      join: everything', //                                  10
      '      retry: count=2', //                                    11
      '    t2:', //                                                 12
      '      action: std.noop', //                                  13
      'second:', //                                                 14
      '  inputs: [a]', //                                           15
      '  tasks:', //                                                16
      '    pause:', //                                              17
      '      action: std.noop', //                                  18
    );
    const errors = errorsOf(text);
    expect(errors).toEqual([
      expect.objectContaining(matching(inWorkflow(6, 24, 'tasks.t1.on-success[1]', "unknown task 'nope'", 'first'))),
      expect.objectContaining(matching(inWorkflow(8, 12, 'tasks.t1.publish.x', 'invalid expression', 'first'))),
      expect.objectContaining(matching(inWorkflow(12, 5, 'tasks.t2', "duplicate task 't2'", 'first'))),
      expect.objectContaining(matching(inWorkflow(15, 3, 'inputs', "unknown key 'inputs' (did you mean 'input'?)", 'second'))),
      expect.objectContaining(matching(inWorkflow(17, 5, 'tasks.pause', "'pause' is reserved", 'second'))),
    ]);
    // The later t2 replaces the first (as in Mistral), so its join and retry are not checked.
  });

  it('keeps checking the rest of a task whose other parts are broken', () => {
    const errors = errorsOf(
      yaml(
        HEADER,
        'wf:',
        '  tasks:',
        '    t1:',
        '      action: std.noop',
        '      join: sometimes',
        '      wait-after: later',
        '      on-success: t9',
        '      publish:',
        '        y: <% ) %>',
      ),
    );
    expect(errors.map((error) => `${error.line}:${error.column} ${error.path}`)).toEqual([
      '6:13 tasks.t1.join',
      '7:19 tasks.t1.wait-after',
      '8:19 tasks.t1.on-success',
      '10:12 tasks.t1.publish.y',
    ]);
  });
});

describe('formatDefinitionErrors', () => {
  it('prints one line per error, sorted by position, with the workflow and path', () => {
    const text = yaml(
      HEADER,
      'wf:',
      '  tasks:',
      '    t1:',
      '      action: std.noop',
      '      on-success: nope',
      '      publish:',
      '        "a.b": <% ( %>',
    );
    const errors = errorsOf(text);
    expect(formatDefinitionErrors([...errors].reverse())).toBe(
      [
        "line 6, column 19: wf.tasks.t1.on-success: unknown task 'nope'",
        `line 8, column 16: wf.tasks.t1.publish["a.b"]: ${errors[1].message}`,
      ].join('\n'),
    );
  });

  it('prints top-level errors with their key, or alone', () => {
    expect(
      formatDefinitionErrors([
        { line: 1, column: 10, path: 'version', message: "unsupported version '1.0'" },
        { line: 1, column: 1, path: '', message: 'the definition is empty' },
        { line: 3, column: 1, workflow: 'wf', path: '', message: "duplicate workflow 'wf'" },
      ]),
    ).toBe(
      [
        'line 1, column 1: the definition is empty',
        "line 1, column 10: version: unsupported version '1.0'",
        "line 3, column 1: wf: duplicate workflow 'wf'",
      ].join('\n'),
    );
  });
});
