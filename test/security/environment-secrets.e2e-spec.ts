import { ExecutionsClient } from '../support/executions-client';
import { startTestApp, type TestApp } from '../support/test-app';

/** Environments show secret-named variables as ***, and a client that sends *** back keeps the real value. */
describe('environment secrets', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('masks them when shown and keeps them when a read copy is written back', async () => {
    const client = new ExecutionsClient(t.http);
    await client.createWorkflow(`version: '2.0'
env_check:
  output:
    same: <% $env().db_password = 'Real-Db-Pa55' %>
    region: <% $env().region %>
  tasks:
    nothing:
      action: std.noop
`);
    await t.http.post('/v2/environments').send({ name: 'prod', variables: { db_password: 'Real-Db-Pa55', region: 'r1' } }).expect(201);
    const shown = await t.http.get('/v2/environments/prod').expect(200);
    expect(JSON.parse(shown.body.variables)).toEqual({ db_password: '***', region: 'r1' });

    // what mistral environment-update does with a file made from environment-get
    const variables = { ...JSON.parse(shown.body.variables), region: 'r2' };
    const updated = await t.http.put('/v2/environments').send({ name: 'prod', variables: JSON.stringify(variables) }).expect(200);
    expect(updated.text).not.toContain('Real-Db-Pa55');

    const run = await client.run('env_check', {}, { env: 'prod' });
    expect(run.state).toBe('SUCCESS');
    expect(run.output).toEqual({ same: true, region: 'r2' });
    expect(JSON.stringify(run)).not.toContain('Real-Db-Pa55');
  });
});
