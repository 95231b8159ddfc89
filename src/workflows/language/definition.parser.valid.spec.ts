import { parseWorkflowDefinition, type WorkflowSpec } from '.';
import {
  chainBenchDefinition,
  CRON_NOOP_BENCH,
  ITEMS500_BENCH,
  MISTRAL_SAMPLE,
  parallelBenchDefinition,
  SNAPSHOT_DEFINITION,
} from '../../../test/support/fixtures/workflow-definitions';

function workflowsOf(text: string): WorkflowSpec[] {
  const result = parseWorkflowDefinition(text);
  if (!result.valid) {
    throw new Error(`expected a valid definition, got:\n${JSON.stringify(result.errors, null, 2)}`);
  }
  expect(result.version).toBe('2.0');
  return result.workflows;
}

function onlyWorkflow(text: string): WorkflowSpec {
  const workflows = workflowsOf(text);
  expect(workflows).toHaveLength(1);
  return workflows[0];
}

function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

describe('parseWorkflowDefinition: a snapshot workflow like CERN\'s', () => {
  const spec = onlyWorkflow(SNAPSHOT_DEFINITION);

  it('keeps the workflow fields', () => {
    expect(spec.name).toBe('instance_snapshot');
    expect(spec.type).toBe('direct');
    expect(spec.description).toBe('Snapshot a server, rotate old snapshots, mail the outcome');
    expect(spec.tags).toEqual(['snapshot']);
    expect(spec.vars).toEqual({ poll_seconds: 5 });
    expect(spec.output).toEqual({ snapshot: '<% $.snapshot_id %>' });
    expect(spec.outputOnError).toEqual({ reason: '<% $.error_message %>' });
  });

  it('lists the inputs in order, required ones without a default', () => {
    expect(spec.input).toEqual([
      { name: 'instance', required: true },
      { name: 'pattern', required: false, default: '{0}_snapshot_{1}' },
      { name: 'max_snapshots', required: false, default: 0 },
      { name: 'wait', required: false, default: false },
      { name: 'instance_stop', required: false, default: false },
      { name: 'to_addr_success', required: false, default: null },
      { name: 'to_addr_error', required: false, default: null },
    ]);
  });

  it('keeps the tasks in document order and finds the start task', () => {
    expect(Object.keys(spec.tasks)).toEqual([
      'find_server',
      'stop_server',
      'wait_shutoff',
      'create_image',
      'find_boot_volume',
      'snapshot_volume',
      'wait_snapshot',
      'start_server',
      'rotate',
      'send_success_mail',
      'send_error_mail',
    ]);
    expect(spec.startTasks).toEqual(['find_server']);
  });

  it('parses inline parameters into the input', () => {
    const find = spec.tasks.find_server;
    expect(find).toMatchObject({
      kind: 'action',
      action: 'nova.servers_find',
      input: { name: '<% $.instance %>', status: 'ACTIVE' },
      description: 'Find the server by name, else by id',
    });
    expect(spec.tasks.find_boot_volume.input).toEqual({ search_opts: { attach_status: 'attached' }, limit: 10 });
    expect(spec.tasks.snapshot_volume.input).toEqual({
      volume_id: '<% $.volume_id %>',
      force: true,
      name: '<% $.snapshot_name %>',
    });
  });

  it('merges inline parameters with input:', () => {
    expect(spec.tasks.send_error_mail.input).toEqual({
      to_addrs: '<% $.to_addr_error %>',
      body: '<% $execution().id %>',
      subject: 'Instance Snapshot has failed',
    });
    expect(spec.tasks.create_image.input).toEqual({
      server: '<% $.server.id %>',
      image_name: '<% $.snapshot_name %>',
      metadata: { sirocco_source: '<% $.server.id %>' },
    });
  });

  it('keeps publish and publish-on-error', () => {
    expect(spec.tasks.find_server.publish).toEqual({
      server: '<% task().result %>',
      snapshot_name: '<% $.pattern ~> $replace("{0}", task().result.name) %>',
    });
    expect(spec.tasks.send_error_mail.publishOnError).toEqual({ error_message: '<% task().result %>' });
  });

  it('normalises guarded transitions and engine commands with a message', () => {
    expect(spec.tasks.find_server.onSuccess).toEqual([
      { kind: 'task', task: 'stop_server', guard: '<% $.instance_stop and $.server.status = "ACTIVE" %>' },
      { kind: 'task', task: 'create_image', guard: '<% $not($.instance_stop) and $.server.image != null %>' },
      { kind: 'task', task: 'find_boot_volume', guard: '<% $not($.instance_stop) and $.server.image = null %>' },
    ]);
    expect(spec.tasks.rotate.onSuccess).toEqual([
      { kind: 'task', task: 'send_success_mail', guard: '<% $.to_addr_success != null %>' },
      {
        kind: 'command',
        command: 'succeed',
        message: 'snapshot done, no mail asked',
        guard: '<% $.to_addr_success = null %>',
      },
    ]);
    expect(spec.tasks.send_error_mail.onComplete).toEqual([
      { kind: 'command', command: 'fail', message: 'Instance Snapshot has failed <% $.instance %>' },
    ]);
  });

  it('reads the one-line and the mapping forms of retry', () => {
    expect(spec.tasks.wait_shutoff.retry).toEqual({
      count: 40,
      delay: 5,
      continueOn: '<% task().result.status != "SHUTOFF" %>',
    });
    expect(spec.tasks.wait_snapshot.retry).toEqual({ count: 40, delay: 5, breakOn: '<% $.wait = false %>' });
    expect(spec.tasks.wait_snapshot.waitBefore).toBe('<% $.wait ? 10 : 0 %>');
  });

  it('reads with-items and concurrency', () => {
    expect(spec.tasks.rotate.withItems).toEqual([{ variable: 'old', source: '<% $.old_snapshots %>' }]);
    expect(spec.tasks.rotate.concurrency).toBe(2);
  });

  it('applies task-defaults to every task that has no value of its own', () => {
    expect(spec.taskDefaults).toEqual({
      onSuccess: [],
      onError: [{ kind: 'task', task: 'send_error_mail' }],
      onComplete: [],
      timeout: 3600,
    });
    for (const task of Object.values(spec.tasks)) {
      expect(task.timeout).toBe(3600);
      // a default transition to the task itself is dropped (Mistral does the same)
      const expected = task.name === 'send_error_mail' ? [] : [{ kind: 'task', task: 'send_error_mail' }];
      expect(task.onError).toEqual(expected);
    }
  });

  it('is plain JSON data', () => {
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });
});

describe('parseWorkflowDefinition: Mistral bench and sample workflows', () => {
  it.each([10, 100])('accepts the chain of %i tasks', (length) => {
    const spec = onlyWorkflow(chainBenchDefinition(length));
    expect(spec.name).toBe(`bench_chain${length}`);
    expect(Object.keys(spec.tasks)).toHaveLength(length);
    expect(spec.startTasks).toEqual(['t1']);
    expect(spec.tasks.t1.onSuccess).toEqual([{ kind: 'task', task: 't2' }]);
    expect(spec.tasks[`t${length}`]).toMatchObject({ action: 'std.noop', onSuccess: [], onError: [], onComplete: [] });
  });

  it('accepts 200 parallel tasks joined by one', () => {
    const spec = onlyWorkflow(parallelBenchDefinition(200));
    expect(Object.keys(spec.tasks)).toHaveLength(201);
    expect(spec.startTasks).toHaveLength(200);
    expect(spec.startTasks[199]).toBe('p200');
    expect(spec.tasks.joiner.join).toBe('all');
  });

  it('accepts with-items over a range, with concurrency', () => {
    const spec = onlyWorkflow(ITEMS500_BENCH);
    expect(spec.input).toEqual([{ name: 'n', required: false, default: 500 }]);
    expect(spec.tasks.echo_all).toMatchObject({
      action: 'std.echo',
      input: { output: '<% $.i %>' },
      withItems: [{ variable: 'i', source: '<% range($.n) %>' }],
      concurrency: 50,
      publish: { count: '<% len(task().result) %>' },
    });
    expect(spec.output).toEqual({ count: '<% $.count %>' });
  });

  it('accepts the cron bench workflow', () => {
    const spec = onlyWorkflow(CRON_NOOP_BENCH);
    expect(spec).toMatchObject({ name: 'bench_cron_noop', startTasks: ['t1'], tags: [], input: [], vars: {} });
  });

  it("accepts Mistral's API sample", () => {
    const spec = onlyWorkflow(MISTRAL_SAMPLE);
    expect(spec.tags).toEqual(['sample', 'peer-study']);
    expect(spec.input).toEqual([
      { name: 'name', required: true },
      { name: 'greeting', required: false, default: 'Hello' },
    ]);
    expect(spec.tasks.greet.input).toEqual({ output: '<% $.greeting %>, <% $.name %>!' });
    expect(spec.tasks.pause_a_bit.input).toEqual({ seconds: 2 });
  });
});

describe('parseWorkflowDefinition: normalisation details', () => {
  it('keeps a sub-workflow named by an expression, to be read when the task runs', () => {
    const spec = onlyWorkflow(yaml("version: '2.0'", 'wf:', '  tasks:', '    hook:', '      workflow: <% $.hook_name %>', '      input: {server_id: 1}'));
    expect(spec.tasks.hook).toMatchObject({ kind: 'workflow', workflow: '<% $.hook_name %>', input: { server_id: 1 } });
    expect(spec.tasks.hook!.action).toBeUndefined();
  });

  it('accepts version 2.0 written as a number', () => {
    expect(workflowsOf(yaml('version: 2.0', 'wf:', '  tasks:', '    t1: {action: std.noop}'))).toHaveLength(1);
  });

  it('makes a task without action or workflow a std.noop action, keeping results by default', () => {
    const spec = onlyWorkflow(yaml("version: '2.0'", 'wf:', '  tasks:', '    t1:', '      on-success: t2', '    t2:', '      keep-result: false'));
    expect(spec.tasks.t1).toEqual({
      name: 't1',
      kind: 'action',
      action: 'std.noop',
      input: {},
      publish: {},
      publishOnError: {},
      onSuccess: [{ kind: 'task', task: 't2' }],
      onError: [],
      onComplete: [],
      keepResult: true,
    });
    expect(spec.tasks.t2.keepResult).toBe(false);
  });

  it('reads a sub-workflow task with inline parameters', () => {
    const spec = onlyWorkflow(
      yaml("version: '2.0'", 'wf:', '  tasks:', '    sub:', "      workflow: instance_snapshot instance=<% $.vm %> max_snapshots=3"),
    );
    expect(spec.tasks.sub).toMatchObject({
      kind: 'workflow',
      workflow: 'instance_snapshot',
      input: { instance: '<% $.vm %>', max_snapshots: 3 },
    });
    expect(spec.tasks.sub.action).toBeUndefined();
  });

  it('reads every form of engine command', () => {
    const spec = onlyWorkflow(
      yaml(
        "version: '2.0'",
        'wf:',
        '  tasks:',
        '    t1:',
        '      on-success:',
        `        - 'fail msg="stopped: <% $.why %>"'`,
        "        - fail(msg='quoted')",
        '        - fail(msg=<% $.a & "b" %>): <% $.x > 1 %>',
        '        - succeed',
        '        - pause: <% $.hold %>',
        '        - noop',
      ),
    );
    expect(spec.tasks.t1.onSuccess).toEqual([
      { kind: 'command', command: 'fail', message: 'stopped: <% $.why %>' },
      { kind: 'command', command: 'fail', message: 'quoted' },
      { kind: 'command', command: 'fail', message: '<% $.a & "b" %>', guard: '<% $.x > 1 %>' },
      { kind: 'command', command: 'succeed' },
      { kind: 'command', command: 'pause', guard: '<% $.hold %>' },
      { kind: 'command', command: 'noop' },
    ]);
  });

  it('reads several with-items lists and literal lists', () => {
    const spec = onlyWorkflow(
      yaml(
        "version: '2.0'",
        'wf:',
        '  tasks:',
        '    t1:',
        '      with-items:',
        '        - x in [1, 2, 3]',
        '        - name in <% $.names %>',
        '      action: std.echo output="<% $.x %> <% $.name %>"',
      ),
    );
    expect(spec.tasks.t1.withItems).toEqual([
      { variable: 'x', source: [1, 2, 3] },
      { variable: 'name', source: '<% $.names %>' },
    ]);
  });

  it('gives a task its own policies and transitions over the defaults, per clause', () => {
    const spec = onlyWorkflow(
      yaml(
        "version: '2.0'",
        'wf:',
        '  task-defaults:',
        '    retry: count=2 delay=1',
        '    wait-after: 3',
        '    pause-before: <% $.debug %>',
        '    on-error: handle',
        '    on-complete: [log]',
        '  tasks:',
        '    t1:',
        '      retry: {count: 5, delay: 10}',
        '      on-error: [other]',
        '    other:',
        '      safe-rerun: true',
        '    handle:',
        '      action: std.noop',
        '    log:',
        '      action: std.noop',
      ),
    );
    expect(spec.tasks.t1).toMatchObject({
      retry: { count: 5, delay: 10 },
      waitAfter: 3,
      pauseBefore: '<% $.debug %>',
      onError: [{ kind: 'task', task: 'other' }],
      onComplete: [{ kind: 'task', task: 'log' }],
    });
    expect(spec.tasks.other).toMatchObject({
      retry: { count: 2, delay: 1 },
      safeRerun: true,
      onError: [{ kind: 'task', task: 'handle' }],
    });
    expect(spec.tasks.log.onComplete).toEqual([]);
    expect(spec.startTasks).toEqual(['t1']);
  });

  it('reads join as a number and several workflows in one definition', () => {
    const workflows = workflowsOf(
      yaml(
        "version: '2.0'",
        'first:',
        '  tasks:',
        '    a: {on-success: c}',
        '    b: {on-success: c}',
        '    c: {join: 2}',
        'second:',
        '  tasks:',
        '    only: {action: std.noop}',
      ),
    );
    expect(workflows.map((workflow) => workflow.name)).toEqual(['first', 'second']);
    expect(workflows[0].tasks.c.join).toBe(2);
    expect(workflows[0].startTasks).toEqual(['a', 'b']);
  });

  it('resolves anchors and merge keys', () => {
    const spec = onlyWorkflow(
      yaml(
        "version: '2.0'",
        'wf:',
        '  vars:',
        '    mail: &mail {to_addrs: [ops@example.org], subject: hi}',
        '  tasks:',
        '    t1:',
        '      action: std.email',
        '      input:',
        '        <<: *mail',
        '        body: done',
      ),
    );
    expect(spec.tasks.t1.input).toEqual({ to_addrs: ['ops@example.org'], subject: 'hi', body: 'done' });
  });
});
