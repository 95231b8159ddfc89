import { CHILD_AND_PARENT_WORKFLOWS } from '../support/fixtures/engine-workflows';
import { useTestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/** Behaviour of the direct-workflow language when it runs, as a user sees it over the API. */
describe('running workflows', () => {
  const t = useTestApp();
  const { client } = t;

  it('runs a chain, publishing variables that later tasks and the output read', async () => {
    await client.createWorkflow(`
version: '2.0'
chain_wf:
  input:
    - name
    - greeting: Hello
  vars:
    punctuation: '!'
  output:
    message: <% $.message %>
    length: <% $.length %>
    execution_name: <% $execution().name %>
  tasks:
    greet:
      action: std.echo output="<% $.greeting %>, <% $.name %><% $.punctuation %>"
      publish:
        message: <% $task().result %>
      on-success: measure
    measure:
      action: std.echo
      input:
        output: <% $length($task(greet).result) %>
      publish:
        length: <% $task().result %>
`);
    const execution = await client.run('chain_wf', { name: 'Sirocco' });
    expect(execution.state).toBe('SUCCESS');
    expect(execution.input).toEqual({ name: 'Sirocco', greeting: 'Hello' });
    expect(execution.output).toEqual({ message: 'Hello, Sirocco!', length: 15, execution_name: 'chain_wf' });
    const measure = await client.task(execution.id, 'measure');
    expect(measure.state).toBe('SUCCESS');
    expect(measure.result).toBe(15);
    expect(measure.published).toEqual({ length: 15 });
  });

  it('fails a workflow whose task error is not handled, as Mistral words it', async () => {
    await client.createWorkflow(`
version: '2.0'
failing_wf:
  tasks:
    boom:
      action: std.fail error_data="something broke"
    never:
      action: std.noop
`);
    const execution = await client.run('failing_wf');
    expect(execution.state).toBe('ERROR');
    expect(execution.state_info).toMatch(/^Failure caused by error in tasks: boom\n\n {2}boom \[task_ex_id=[0-9a-f-]+\] -> /);
    expect(execution.output).toEqual({ result: execution.state_info });
    const boom = await client.task(execution.id, 'boom');
    expect(boom.state).toBe('ERROR');
    expect(boom.result).toBe('something broke');
  });

  it('catches an error with on-error, publishes with publish-on-error, and always runs on-complete', async () => {
    await client.createWorkflow(`
version: '2.0'
caught_wf:
  output:
    reason: <% $.reason %>
    cleaned: <% $.cleaned %>
  tasks:
    risky:
      action: std.fail error_data="disk full"
      publish-on-error:
        reason: <% $task().result %>
      on-error: report
      on-complete: cleanup
    report:
      action: std.noop
    cleanup:
      action: std.echo output=true
      publish:
        cleaned: <% $task().result %>
`);
    const execution = await client.run('caught_wf');
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ reason: 'disk full', cleaned: true });
    const names = (await client.tasks(execution.id)).map((task) => `${task.name}:${task.state}`).sort();
    expect(names).toEqual(['cleanup:SUCCESS', 'report:SUCCESS', 'risky:ERROR']);
  });

  it("lets publish-on-error read the task's name and why it failed", async () => {
    await client.createWorkflow(`
version: '2.0'
why_wf:
  output:
    step: <% $.step %>
    why: <% $.why %>
  tasks:
    call:
      action: std.echo outptu=1
      publish-on-error:
        step: <% $task().name %>
        why: <% $task().state_info %>
      on-error: noop
`);
    const execution = await client.run('why_wf');
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output.step).toBe('call');
    expect(execution.output.why).toContain("Invalid input [name=std.echo, missing=['output'], unexpected=['outptu']]");
  });

  it('fails a task whose publish fails, and then publishes its publish-on-error', async () => {
    await client.createWorkflow(`
version: '2.0'
bad_publish_wf:
  output:
    why: <% $.why %>
  tasks:
    measure:
      action: std.echo output=null
      publish:
        size: <% $substring($task().result, 0, 2) %>
      publish-on-error:
        why: <% $task().state_info %>
      on-error: noop
`);
    const execution = await client.run('bad_publish_wf');
    expect(execution.state).toBe('SUCCESS');
    expect((await client.task(execution.id, 'measure')).state).toBe('ERROR');
    expect(execution.output.why).toMatch(/publish/);
  });

  it('takes only the transitions whose guards are true, after publish', async () => {
    await client.createWorkflow(`
version: '2.0'
guard_wf:
  input:
    - size
  tasks:
    measure:
      action: std.echo output=<% $.size %>
      publish:
        big: <% $task().result > 10 %>
      on-success:
        - large: <% $.big %>
        - small: <% $not($.big) %>
    large:
      action: std.noop
    small:
      action: std.noop
`);
    const big = await client.run('guard_wf', { size: 50 });
    expect((await client.tasks(big.id)).map((task) => task.name).sort()).toEqual(['large', 'measure']);
    const small = await client.run('guard_wf', { size: 1 });
    expect((await client.tasks(small.id)).map((task) => task.name).sort()).toEqual(['measure', 'small']);
  });

  it('joins: all waits for every branch, one goes on with the first, N with N', async () => {
    await client.createWorkflow(`
version: '2.0'
join_wf:
  output:
    all_result: <% $task(all_join).state %>
  tasks:
    a:
      action: std.echo output=a
      on-success: [all_join, one_join, two_join]
    b:
      action: std.echo output=b
      on-success: [all_join, one_join, two_join]
    c:
      action: std.sleep seconds=0.2
      on-success: [all_join, one_join, two_join]
    all_join:
      join: all
      action: std.noop
    one_join:
      join: one
      action: std.noop
    two_join:
      join: 2
      action: std.noop
`);
    const execution = await client.run('join_wf');
    expect(execution.state).toBe('SUCCESS');
    const tasks = await client.tasks(execution.id);
    for (const join of ['all_join', 'one_join', 'two_join']) {
      const runs = tasks.filter((task) => task.name === join);
      expect(runs).toHaveLength(1);
      expect(runs[0].state).toBe('SUCCESS');
    }
  });

  it('runs with-items over one or several lists, collecting results in order, within the concurrency', async () => {
    await client.createWorkflow(`
version: '2.0'
items_wf:
  input:
    - names
    - sizes
  output:
    lines: <% $.lines %>
  tasks:
    each:
      with-items:
        - name in <% $.names %>
        - size in <% $.sizes %>
      concurrency: 2
      action: std.echo output="<% $.name %>=<% $.size %>"
      publish:
        lines: <% $task().result %>
`);
    const execution = await client.run('items_wf', { names: ['a', 'b', 'c', 'd', 'e'], sizes: [1, 2, 3, 4, 5] });
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ lines: ['a=1', 'b=2', 'c=3', 'd=4', 'e=5'] });
    const task = await client.task(execution.id, 'each');
    expect(await client.actions(task.id)).toHaveLength(5);
  });

  it('fails a with-items task when one item fails', async () => {
    await client.createWorkflow(`
version: '2.0'
items_fail_wf:
  tasks:
    each:
      with-items: n in <% [1, 2, 3] %>
      action: std.fail
      input:
        error_data: <% 'item ' & $string($.n) %>
`);
    const execution = await client.run('items_fail_wf');
    expect(execution.state).toBe('ERROR');
    expect((await client.task(execution.id, 'each')).state).toBe('ERROR');
  });

  it('retries a failing task count times, then fails; break-on stops early', async () => {
    await client.createWorkflow(`
version: '2.0'
retry_wf:
  tasks:
    flaky:
      action: std.fail error_data=nope
      retry: count=2 delay=0
`);
    const execution = await client.run('retry_wf');
    expect(execution.state).toBe('ERROR');
    const task = await client.task(execution.id, 'flaky');
    expect(await client.actions(task.id)).toHaveLength(3);
    expect(task.runtime_context).toMatchObject({ retry_no: 2 });

    await client.createWorkflow(`
version: '2.0'
break_wf:
  tasks:
    flaky:
      action: std.fail error_data=fatal
      retry:
        count: 5
        delay: 0
        break-on: <% $task().result = 'fatal' %>
`);
    const broken = await client.run('break_wf');
    expect(await client.actions((await client.task(broken.id, 'flaky')).id)).toHaveLength(1);
  });

  it('retries on success while continue-on holds', async () => {
    await client.createWorkflow(`
version: '2.0'
continue_wf:
  tasks:
    poll:
      action: std.echo output=pending
      retry:
        count: 3
        delay: 0
        continue-on: <% $task().result = 'pending' %>
`);
    const execution = await client.run('continue_wf');
    expect(execution.state).toBe('SUCCESS');
    expect(await client.actions((await client.task(execution.id, 'poll')).id)).toHaveLength(4);
  });

  it('waits before and after a task, and times a task out', async () => {
    await client.createWorkflow(`
version: '2.0'
timing_wf:
  tasks:
    patient:
      action: std.noop
      wait-before: 1
      wait-after: 1
      on-success: slow
    slow:
      action: std.sleep seconds=30
      timeout: 1
`);
    const started = Date.now();
    const id = await client.start('timing_wf');
    const patient = await waitFor('task patient', () => client.task(id, 'patient'));
    expect(patient.state).toBe('RUNNING_DELAYED');
    const execution = await client.waitFor(id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(execution.state).toBe('ERROR');
    const slow = await client.task(id, 'slow');
    expect(slow.state).toBe('ERROR');
    expect(slow.state_info).toContain('timed out after 1 s');
    const [action] = await client.actions(slow.id);
    expect(action.state).toBe('ERROR');
  });

  it('pauses before a task and goes on when resumed', async () => {
    await client.createWorkflow(`
version: '2.0'
pause_before_wf:
  tasks:
    first:
      action: std.noop
      on-success: second
    second:
      pause-before: true
      action: std.echo output=done
`);
    const id = await client.start('pause_before_wf');
    const paused = await client.waitFor(id, ['PAUSED']);
    expect(paused.state).toBe('PAUSED');
    expect((await client.task(id, 'second')).state).toBe('IDLE');
    await client.setState(id, 'RUNNING');
    const done = await client.waitFor(id);
    expect(done.state).toBe('SUCCESS');
    expect((await client.task(id, 'second')).result).toBe('done');
  });

  it('obeys the engine commands fail, succeed and pause', async () => {
    await client.createWorkflow(`
version: '2.0'
commands_wf:
  input:
    - command
  tasks:
    decide:
      action: std.noop
      on-success:
        - fail(msg='stopped on purpose'): <% $.command = 'fail' %>
        - succeed: <% $.command = 'succeed' %>
        - pause: <% $.command = 'pause' %>
        - after: <% $.command = 'pause' %>
    after:
      action: std.noop
`);
    const failed = await client.run('commands_wf', { command: 'fail' });
    expect(failed.state).toBe('ERROR');
    expect(failed.state_info).toBe('stopped on purpose');
    const succeeded = await client.run('commands_wf', { command: 'succeed' });
    expect(succeeded.state).toBe('SUCCESS');
    const id = await client.start('commands_wf', { command: 'pause' });
    await client.waitFor(id, ['PAUSED']);
    await client.setState(id, 'RUNNING');
    expect((await client.waitFor(id)).state).toBe('SUCCESS');
    expect((await client.task(id, 'after')).state).toBe('SUCCESS');
  });

  it('cascades pause, resume and cancel to a running sub-workflow', async () => {
    await client.createWorkflow(`
version: '2.0'
napping_child_wf:
  tasks:
    nap:
      action: std.sleep seconds=1
      on-success: wake
    wake:
      action: std.echo output=awake
cascade_parent_wf:
  tasks:
    call:
      workflow: napping_child_wf
`);
    const childOf = async (parentId: string) => {
      const response = await t.http.get('/v2/executions').query({ task_execution_id: (await client.task(parentId, 'call')).id }).expect(200);
      return response.body.executions[0].id as string;
    };
    const paused = await client.start('cascade_parent_wf');
    const child = await waitFor('the child execution', () => childOf(paused));
    await client.setState(paused, 'PAUSED');
    expect((await client.get(child)).state).toBe('PAUSED');
    // the child's sleep ends while paused
    await waitFor("the child's nap to end", async () => (await client.task(child, 'nap')).state === 'SUCCESS');
    expect((await client.get(child)).state).toBe('PAUSED');
    await client.setState(paused, 'RUNNING');
    expect((await client.waitFor(paused)).state).toBe('SUCCESS');
    expect((await client.get(child)).state).toBe('SUCCESS');

    const cancelled = await client.start('cascade_parent_wf');
    const cancelledChild = await waitFor('the child execution', () => childOf(cancelled));
    await client.setState(cancelled, 'CANCELLED');
    expect((await client.waitFor(cancelledChild)).state).toBe('CANCELLED');
    expect((await client.get(cancelled)).state).toBe('CANCELLED');
  });

  it('runs a sub-workflow; the parent task waits and gets its output; a failing child fails the task', async () => {
    await client.createWorkflow(CHILD_AND_PARENT_WORKFLOWS);
    const ok = await client.run('parent_wf', { n: 21 });
    expect(ok.state).toBe('SUCCESS');
    expect(ok.output).toEqual({ child: { doubled: 42 } });
    const call = await client.task(ok.id, 'call');
    expect(call.type).toBe('WORKFLOW');

    const failing = await client.run('parent_wf', { n: -1 });
    expect(failing.state).toBe('ERROR');
    expect((await client.task(failing.id, 'call')).state_info).toContain('negative');
  });

  it('refuses missing or unknown input with 400 and starts nothing', async () => {
    await client.createWorkflow(`
version: '2.0'
input_wf:
  input:
    - needed
  tasks:
    t:
      action: std.noop
`);
    const missing = await t.http.post('/v2/executions').send({ workflow_name: 'input_wf', input: '{}' }).expect(400);
    expect(missing.body.faultstring).toBe("Invalid input [name=input_wf, class=DirectWorkflowSpec, missing=['needed']]");
    const unknown = await t.http.post('/v2/executions').send({ workflow_name: 'input_wf', input: { needed: 1, extra: 2 } }).expect(400);
    expect(unknown.body.faultstring).toContain("unexpected=['extra']");
    const list = await t.http.get('/v2/executions?workflow_name=input_wf').expect(200);
    expect(list.body.executions).toHaveLength(0);
  });

  it('applies task-defaults and reads $env()', async () => {
    await client.createWorkflow(`
version: '2.0'
defaults_wf:
  output:
    region: <% $.region %>
  task-defaults:
    on-error: handled
  tasks:
    read_env:
      action: std.echo output=<% $env().region %>
      publish:
        region: <% $task().result %>
      on-success: breaks
    breaks:
      action: std.fail
    handled:
      action: std.noop
`);
    const execution = await client.run('defaults_wf', {}, { env: { region: 'cern-geneva' } });
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ region: 'cern-geneva' });
  });

  it('pauses, resumes and cancels a running execution', async () => {
    await client.createWorkflow(`
version: '2.0'
long_wf:
  tasks:
    nap:
      action: std.sleep seconds=0.5
      on-success: nap2
    nap2:
      action: std.sleep seconds=30
`);
    const id = await client.start('long_wf');
    const paused = await client.setState(id, 'PAUSED');
    expect(paused.state).toBe('PAUSED');
    // nap finished while paused; nap2 waits for the resume
    await waitFor('nap done and nap2 created', async () => {
      const tasks = await client.tasks(id);
      return tasks.some((task) => task.name === 'nap' && task.state === 'SUCCESS') && tasks.some((task) => task.name === 'nap2');
    });
    expect((await client.tasks(id)).map((task) => `${task.name}:${task.state}`).sort()).toEqual(['nap2:IDLE', 'nap:SUCCESS']);
    await client.setState(id, 'RUNNING');
    const resumed = await waitFor('nap2 to leave IDLE', async () => {
      const nap2 = await client.task(id, 'nap2');
      return nap2.state === 'IDLE' ? undefined : nap2;
    });
    expect(resumed.state).toBe('RUNNING');
    const cancelled = await client.setState(id, 'CANCELLED');
    expect(cancelled.state).toBe('CANCELLED');
    const nap2 = await client.task(id, 'nap2');
    expect(nap2.state).toBe('CANCELLED');
    const [action] = await client.actions(nap2.id);
    expect(action.state).toBe('CANCELLED');
    const refused = await t.http.put(`/v2/executions/${id}`).send({ state: 'RUNNING' }).expect(400);
    expect(refused.body.faultstring).toContain('from CANCELLED to RUNNING');
  });

  it('deletes a workflow while an execution runs it, as Mistral: the execution still finishes', async () => {
    await client.createWorkflow(`
version: '2.0'
busy_wf:
  tasks:
    nap:
      action: std.sleep seconds=1
`);
    const id = await client.start('busy_wf');
    await t.http.delete('/v2/workflows/busy_wf').expect(204);
    // the execution runs on its own copy of the spec and outlives its workflow
    expect((await client.waitFor(id)).state).toBe('SUCCESS');
  });

  it('re-runs a failed task and skips one, so the workflow can still finish', async () => {
    await client.createWorkflow(`
version: '2.0'
rerun_wf:
  tasks:
    fragile:
      action: std.fail
      on-success: after
    after:
      action: std.echo output=reached
`);
    const first = await client.run('rerun_wf');
    expect(first.state).toBe('ERROR');
    const fragile = await client.task(first.id, 'fragile');
    await t.http.put(`/v2/tasks/${fragile.id}`).send({ state: 'RUNNING', reset: true }).expect(200);
    const rerun = await client.waitFor(first.id);
    expect(rerun.state).toBe('ERROR');
    expect(await client.actions(fragile.id)).toHaveLength(2);

    await t.http.put(`/v2/tasks/${fragile.id}`).send({ state: 'SKIPPED' }).expect(200);
    const skipped = await client.waitFor(first.id);
    expect(skipped.state).toBe('SUCCESS');
    expect((await client.task(first.id, 'fragile')).state).toBe('SKIPPED');
    expect((await client.task(first.id, 'after')).result).toBe('reached');
  });

  it('names the task, field and expression when an expression fails, without the data', async () => {
    await client.createWorkflow(`
version: '2.0'
expr_error_wf:
  input:
    - secret
  tasks:
    broken:
      action: std.echo
      input:
        output: <% $number($.secret) + 1 %>
`);
    const execution = await client.run('expr_error_wf', { secret: 'hunter2' });
    expect(execution.state).toBe('ERROR');
    const broken = await client.task(execution.id, 'broken');
    expect(broken.state_info).toContain('broken');
    expect(broken.state_info).toContain('input.output');
    expect(broken.state_info).not.toContain('hunter2');
  });

  it('runs one action directly with POST /v2/action_executions', async () => {
    const response = await t.http.post('/v2/action_executions').send({ name: 'std.echo', input: '{"output": "x"}' }).expect(201);
    expect(response.body.state).toBe('SUCCESS');
    expect(JSON.parse(response.body.output)).toEqual({ result: 'x' });
  });
});
