import { useEngine } from '../../support/engine-harness';
import { CHILD_AND_PARENT_WORKFLOWS } from '../../support/fixtures/engine-workflows';

/** A task running a sub-workflow: it waits for the child, gets its output, fails with it. */
describe('engine rules: sub-workflows', () => {
  const engine = useEngine(
    CHILD_AND_PARENT_WORKFLOWS,
    `
version: '2.0'
handling_parent_wf:
  output:
    why: <% $.why %>
  tasks:
    call:
      workflow: child_wf
      input:
        n: -1
      publish-on-error:
        why: <% $task().state_info %>
      on-error: handled
    handled:
      action: std.noop

sleepy_child_wf:
  tasks:
    nap:
      action: std.sleep seconds=30

sleepy_parent_wf:
  tasks:
    call:
      workflow: sleepy_child_wf

missing_child_wf:
  tasks:
    call:
      workflow: child_wf
      input:
        m: 1
`,
  );

  it("returns the child's output as the task's result, to the parent", async () => {
    const execution = await engine.run('parent_wf', { n: 21 });
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ child: { doubled: 42 } });
    const call = await engine.task(execution.id, 'call');
    expect(call.type).toBe('WORKFLOW');
    expect(call.result).toEqual({ doubled: 42 });
    const [child] = await engine.children(call.id);
    expect(child.workflowName).toBe('child_wf');
    expect(child.state).toBe('SUCCESS');
    expect(child.input).toEqual({ n: 21 });
    expect(child.rootExecutionId).toBe(execution.id);
  });

  it("a failing child fails the parent's task with the child's reason, and the parent", async () => {
    const execution = await engine.run('parent_wf', { n: -1 });
    expect(execution.state).toBe('ERROR');
    const call = await engine.task(execution.id, 'call');
    expect(call.state).toBe('ERROR');
    expect(call.stateInfo).toBe('negative');
    expect(execution.stateInfo).toMatch(/^Failure caused by error in tasks: call\n/);
    const [child] = await engine.children(call.id);
    expect(child.state).toBe('ERROR');
    expect(child.stateInfo).toBe('negative');
  });

  it("the parent's on-error handles a failed child", async () => {
    const execution = await engine.run('handling_parent_wf');
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ why: 'negative' });
    expect(await engine.taskStates(execution.id)).toEqual(['call:ERROR', 'handled:SUCCESS']);
  });

  it("input the child does not accept fails the parent's task, starting no child", async () => {
    const execution = await engine.run('missing_child_wf');
    expect(execution.state).toBe('ERROR');
    const call = await engine.task(execution.id, 'call');
    expect(call.stateInfo).toContain("Invalid input [name=child_wf, class=DirectWorkflowSpec, missing=['n'], unexpected=['m']]");
    expect(await engine.children(call.id)).toHaveLength(0);
  });

  it('pause, resume and cancel of the parent reach a running child', async () => {
    const id = await engine.start('sleepy_parent_wf');
    const call = await engine.waitForTask(id, 'call', ['RUNNING']);
    const child = await engine.waitFor(async () => (await engine.children(call.id)).length === 1, 'child started').then(async () => (await engine.children(call.id))[0]);
    await engine.waitForState(child.id, ['RUNNING']);
    await engine.setState(id, 'PAUSED');
    expect((await engine.waitForState(child.id, ['PAUSED'])).state).toBe('PAUSED');
    await engine.setState(id, 'RUNNING');
    expect((await engine.waitForState(child.id, ['RUNNING'])).state).toBe('RUNNING');
    await engine.setState(id, 'CANCELLED');
    const cancelledChild = await engine.waitForState(child.id);
    expect(cancelledChild.state).toBe('CANCELLED');
    expect((await engine.execution(id)).state).toBe('CANCELLED');
    expect(await engine.taskStates(child.id)).toEqual(['nap:CANCELLED']);
  });
});
