import { useTestApp } from '../support/test-app';

/** POST /v2/cron_triggers/preview: the next runs of a pattern and zone no trigger has yet (the web UI's live preview). */
describe('cron schedule preview', () => {
  const t = useTestApp();

  it('gives the next runs in UTC and in the zone, as a trigger with that pattern would fire', async () => {
    const answer = await t.http.post('/v2/cron_triggers/preview').send({ pattern: '0 5 * * *', timezone: 'Europe/Zurich', count: 3 }).expect(200);
    expect(answer.body.pattern).toBe('0 5 * * *');
    expect(answer.body.timezone).toBe('Europe/Zurich');
    expect(answer.body.next).toHaveLength(3);
    for (const slot of answer.body.next as Array<{ utc: string; local: string }>) {
      expect(slot.local).toMatch(/ 05:00:00/);
      // Zurich is 1 or 2 hours ahead of UTC
      expect(slot.utc).toMatch(/ 0[34]:00:00$/);
    }
    const days = (answer.body.next as Array<{ utc: string }>).map((slot) => Date.parse(slot.utc.replace(' ', 'T') + 'Z'));
    expect(days[1] - days[0]).toBeGreaterThanOrEqual(23 * 3600 * 1000);
  });

  it('takes a one-off first_execution_time without a pattern, and defaults to 5 runs in UTC', async () => {
    const many = await t.http.post('/v2/cron_triggers/preview').send({ pattern: '*/10 * * * *' }).expect(200);
    expect(many.body.timezone).toBe('UTC');
    expect(many.body.next).toHaveLength(5);
    const once = await t.http.post('/v2/cron_triggers/preview').send({ first_execution_time: '2099-01-02 03:04' }).expect(200);
    expect(once.body.next).toEqual([{ utc: '2099-01-02 03:04:00', local: expect.stringContaining('2099-01-02 03:04') }]);
  });

  it('answers 400 naming what is wrong: the pattern, the zone, the count, nothing given', async () => {
    const pattern = await t.http.post('/v2/cron_triggers/preview').send({ pattern: '0 25 * * *' }).expect(400);
    expect(pattern.body.faultstring).toMatch(/pattern|hour/i);
    const zone = await t.http.post('/v2/cron_triggers/preview').send({ pattern: '0 5 * * *', timezone: 'Mars/Olympus' }).expect(400);
    expect(zone.body.faultstring).toContain('Mars/Olympus');
    const count = await t.http.post('/v2/cron_triggers/preview').send({ pattern: '0 5 * * *', count: 0 }).expect(400);
    expect(count.body.faultstring).toBe('count must be from 1 to 100 (got 0)');
    const none = await t.http.post('/v2/cron_triggers/preview').send({}).expect(400);
    expect(none.body.faultstring).toBe('Pattern or first_execution_time must be specified.');
    const wrongType = await t.http.post('/v2/cron_triggers/preview').send({ pattern: 5 }).expect(400);
    expect(wrongType.body.faultstring).toBe('pattern must be a string');
  });

  it('leaves a trigger named "preview" readable by GET', async () => {
    await t.http.get('/v2/cron_triggers/preview').expect(404);
  });
});
