import { useTestApp } from '../support/test-app';

const WF = `
version: '2.0'
input_value_wf:
  input:
    - instance
    - secret: null
  tasks:
    one:
      action: std.noop
`;

/** GET /v2/executions?input_value=NAME: executions whose input has NAME as a top-level value (the web UI's search by server). */
describe('executions filtered by a value of their input', () => {
  const t = useTestApp({}, { workflows: WF });

  it('finds the executions of a server by its name, exactly', async () => {
    const web = await t.client.start('input_value_wf', { instance: 'web-1' });
    const db = await t.client.start('input_value_wf', { instance: 'db-1' });
    const found = await t.http.get('/v2/executions').query({ input_value: 'web-1' }).expect(200);
    expect(found.body.executions.map((execution: { id: string }) => execution.id)).toEqual([web]);
    const both = await t.http.get('/v2/executions').query({ input_value: 'in:web-1,db-1' }).expect(200);
    expect(both.body.executions.map((execution: { id: string }) => execution.id).sort()).toEqual([web, db].sort());
    const none = await t.http.get('/v2/executions').query({ input_value: 'web' }).expect(200);
    expect(none.body.executions).toEqual([]);
  });

  it('takes exact matches only (an input may hold secrets): no substring guessing', async () => {
    const refused = await t.http.get('/v2/executions').query({ input_value: 'has:web' }).expect(400);
    expect(refused.body.faultstring).toContain("Filter 'input_value' takes only");
  });
});
