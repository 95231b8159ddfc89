import { useTestApp } from '../support/test-app';

/** POST /v2/auth/tokens in noauth mode (its keystone mode is tested against a real Keystone in test/peers/ui). */
describe('the login endpoint without Keystone', () => {
  const t = useTestApp();

  it('says no login is needed', async () => {
    const answer = await t.http.post('/v2/auth/tokens').send({ username: 'demo', password: 'x', project: 'demo' }).expect(400);
    expect(answer.body.faultstring).toBe('Sirocco runs without authentication (SIROCCO_AUTH=noauth): no login is needed');
  });
});
