import { useTestApp } from '../support/test-app';

/** Environments and cron triggers show secrets as ***; a client that sends *** back keeps the real value. */
describe('secrets written back masked', () => {
  const t = useTestApp();

  it('masks them when shown and keeps them when a read copy is written back', async () => {
    const { client } = t;
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

  it('keeps a cron trigger\'s secret input when an update sends it back as ***', async () => {
    const { client } = t;
    await client.createWorkflow(`version: '2.0'
token_check:
  input:
    - api_token
    - env_name
  output:
    same: <% $.api_token = 'Real-Tok-1234' %>
    env_same: <% $env().db_password = 'Env-Pa55-678' %>
    env_name: <% $.env_name %>
  tasks:
    nothing:
      action: std.noop
`);
    const created = await t.http
      .post('/v2/cron_triggers')
      .send({
        name: 'nightly',
        workflow_name: 'token_check',
        pattern: '0 0 1 1 *',
        workflow_input: JSON.stringify({ api_token: 'Real-Tok-1234', env_name: 'a' }),
        workflow_params: JSON.stringify({ env: { db_password: 'Env-Pa55-678' } }),
      })
      .expect(201);
    const input = JSON.parse(created.body.workflow_input);
    const params = JSON.parse(created.body.workflow_params);
    expect(input).toEqual({ api_token: '***', env_name: 'a' });
    expect(params).toEqual({ env: { db_password: '***' } });

    await t.http
      .put('/v2/cron_triggers/nightly')
      .send({ workflow_input: JSON.stringify({ ...input, env_name: 'b' }), workflow_params: JSON.stringify(params) })
      .expect(200);
    const fired = await t.http.post('/v2/cron_triggers/nightly/fire').expect(201);
    const run = await client.waitFor(fired.body.execution_id);
    expect(run.output).toEqual({ same: true, env_same: true, env_name: 'b' });

    // a filter may not guess a stored secret piece by piece: only exact matches on input and params
    for (const query of ['workflow_input=has:Real-Tok', 'workflow_input=gt:{', 'workflow_params=has:Pa55']) {
      const refused = await t.http.get(`/v2/cron_triggers?${query}`).expect(400);
      expect(refused.body.faultstring).toMatch(/takes only eq, neq, in, nin \(it may hold secrets\)/);
    }
    const exact = await t.http.get(`/v2/cron_triggers?workflow_input=${encodeURIComponent('{"api_token": "nope"}')}`).expect(200);
    expect(exact.body.cron_triggers).toEqual([]);
  });
});
