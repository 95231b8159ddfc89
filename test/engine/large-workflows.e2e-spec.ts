import { useTestApp } from '../support/test-app';

const TASKS = 5_000;

/** Tasks `t0`..`t{n-1}` of a workflow named `name`, each written by `task(i)`. */
function workflowOf(name: string, tasks: string[]): string {
  return `version: '2.0'\n${name}:\n  tasks:\n${tasks.join('')}`;
}

/**
 * Workflows of thousands of tasks, as a large cloud's fan-outs make them: every task row of one
 * transition is written in one statement (array parameters: no PostgreSQL parameter limit) and a join counts its
 * arrivals without rescanning the definition for each.
 */
describe('workflows of thousands of tasks', () => {
  const t = useTestApp({ SIROCCO_MAX_TASKS_PER_WORKFLOW: String(TASKS + 10), SIROCCO_MAX_DEFINITION_BYTES: String(4 * 1024 * 1024) });
  const { client } = t;

  it(`runs a chain of ${TASKS} std.noop tasks to SUCCESS`, async () => {
    const tasks = Array.from({ length: TASKS }, (_, i) =>
      i + 1 < TASKS ? `    t${i}:\n      action: std.noop\n      on-success: t${i + 1}\n` : `    t${i}:\n      action: std.echo output=last\n      publish:\n        last: <% task().result %>\n`,
    );
    await client.createWorkflow(workflowOf('long_chain', tasks));
    const execution = await client.waitFor(await client.start('long_chain'), undefined, 240_000);
    expect(execution.state).toBe('SUCCESS');
    const listed = await t.http.get(`/v2/tasks?workflow_execution_id=${execution.id}&limit=${TASKS + 10}&fields=id,state`).expect(200);
    expect(listed.body.tasks).toHaveLength(TASKS);
    expect(listed.body.tasks.every((task: { state: string }) => task.state === 'SUCCESS')).toBe(true);
    expect((await client.task(execution.id, `t${TASKS - 1}`)).published).toEqual({ last: 'last' });
  }, 300_000);

  it(`runs a fan-out of ${TASKS} tasks into one join to SUCCESS, the join once`, async () => {
    const branches = Array.from({ length: TASKS }, (_, i) => `    b${i}:\n      action: std.noop\n      on-success: joined\n`);
    const start = `    fan:\n      action: std.noop\n      on-success:\n${Array.from({ length: TASKS }, (_, i) => `        - b${i}\n`).join('')}`;
    const join = `    joined:\n      join: all\n      action: std.echo output=done\n`;
    await client.createWorkflow(workflowOf('wide_fan', [start, ...branches, join]));
    const execution = await client.waitFor(await client.start('wide_fan'), undefined, 240_000);
    expect(execution.state).toBe('SUCCESS');
    const joined = await t.http.get(`/v2/tasks?workflow_execution_id=${execution.id}&name=joined`).expect(200);
    expect(joined.body.tasks).toHaveLength(1);
    expect(joined.body.tasks[0]).toMatchObject({ state: 'SUCCESS' });
    const all = await t.http.get(`/v2/tasks?workflow_execution_id=${execution.id}&limit=${TASKS + 10}&fields=id`).expect(200);
    expect(all.body.tasks).toHaveLength(TASKS + 2);
  }, 300_000);
});
