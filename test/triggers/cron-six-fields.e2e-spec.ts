import { useTestApp } from '../support/test-app';

const WF = `
version: '2.0'
tick_wf:
  tasks:
    t1:
      action: std.noop
`;

/** Six-field patterns read as Mistral (croniter) reads them: the sixth field is the seconds. */
describe('cron triggers with six-field patterns', () => {
  const t = useTestApp({}, { workflows: WF });

  it("takes '0 5 * * * 30' as 05:00:30 every day, in the trigger's zone", async () => {
    const created = await t.http
      .post('/v2/cron_triggers')
      .send({ name: 'half_past_five', workflow_name: 'tick_wf', pattern: '0 5 * * * 30', timezone: 'Europe/Zurich' })
      .expect(201);
    expect(created.body.pattern).toBe('0 5 * * * 30');
    // 05:00:30 in Zurich is 04:00:30 UTC in winter, 03:00:30 in summer
    expect(created.body.next_execution_time).toMatch(/^\d{4}-\d\d-\d\d 0[34]:00:30$/);
    const shown = await t.http.get('/v2/cron_triggers/half_past_five').expect(200);
    expect(shown.body.next_execution_time).toBe(created.body.next_execution_time);
    const next = await t.http.get('/v2/cron_triggers/half_past_five/next?count=3').expect(200);
    expect(next.body.next.map((slot: { local: string }) => slot.local.slice(11, 19))).toEqual(['05:00:30', '05:00:30', '05:00:30']);
  });

  it("takes '* * * * * */10' as every ten seconds", async () => {
    const created = await t.http
      .post('/v2/cron_triggers')
      .send({ name: 'every_ten_seconds', workflow_name: 'tick_wf', pattern: '* * * * * */10', enabled: false })
      .expect(201);
    const next = await t.http.get(`/v2/cron_triggers/${created.body.name}/next?count=4`).expect(200);
    const times = next.body.next.map((slot: { utc: string }) => Date.parse(`${slot.utc.replace(' ', 'T')}Z`));
    times.forEach((time: number) => expect(new Date(time).getUTCSeconds() % 10).toBe(0));
    times.slice(1).forEach((time: number, index: number) => expect(time - times[index]).toBe(10_000));
  });

  it('refuses a sixth field out of the range of seconds with the pattern named', async () => {
    const response = await t.http
      .post('/v2/cron_triggers')
      .send({ name: 'bad_seconds', workflow_name: 'tick_wf', pattern: '0 5 * * * 61' })
      .expect(400);
    expect(response.body.faultstring).toContain('The specified pattern is not valid: 0 5 * * * 61');
    await t.http.get('/v2/cron_triggers/bad_seconds').expect(404);
  });
});
