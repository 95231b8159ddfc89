import { useTestApp } from '../support/test-app';

/** An OpenStack action in noauth mode with no cloud configured fails its task saying what to set. */
describe('OpenStack actions without credentials', () => {
  const t = useTestApp();

  it('fail the task with what to configure, and the workflow can handle it', async () => {
    const { client } = t;
    await client.createWorkflow(`
version: '2.0'
no_cloud_wf:
  tasks:
    show:
      action: keystone.projects_get
      on-error: noted
    noted:
      action: std.noop
`);
    const execution = await client.run('no_cloud_wf');
    expect(execution.state).toBe('SUCCESS');
    const show = await client.task(execution.id, 'show');
    expect(show.state).toBe('ERROR');
    expect(show.state_info).toContain('set OS_CLOUD (a cloud of clouds.yaml) or the OS_* variables');
  });
});
