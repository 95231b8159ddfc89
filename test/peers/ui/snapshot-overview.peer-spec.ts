import type { Page } from 'playwright-core';
import { screenshot, TestBrowser } from '../../support/browser';
import { startTestApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

// a stand-in with the shipped workflow's name and input (the real one needs an OpenStack cloud,
// see test/peers/openstack.peer-spec.ts): fails for servers whose name starts with "bad"
const INSTANCE_SNAPSHOT = `
version: '2.0'
instance_snapshot:
  input:
    - instance
    - max_snapshots: 0
  tasks:
    snapshot:
      action: std.echo output=<% $.instance %>
      on-success:
        - fail: <% $.instance ~> $contains("bad") %>
`;

/** The snapshot overview page: per server, the last good snapshot, its age, the next run, the failing servers. */
describe('web UI: snapshot overview (chromium)', () => {
  let app: TestApp;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    app = await startTestApp();
    await app.http.post('/v2/workflows').set('Content-Type', 'text/plain').send(INSTANCE_SNAPSHOT).expect(201);
    browser = await TestBrowser.launch();
    page = await browser.page();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function run(instance: string): Promise<void> {
    const id = (await app.http.post('/v2/executions').send({ workflow_name: 'instance_snapshot', input: { instance } }).expect(201)).body.id as string;
    await waitFor(`the snapshot of ${instance}`, async () => ['SUCCESS', 'ERROR'].includes((await app.http.get(`/v2/executions/${id}`)).body.state));
  }

  it('lists each server with its last successful snapshot and next scheduled run, failing servers first', async () => {
    await run('web-1');
    await run('bad-db');
    await app.http
      .post('/v2/cron_triggers')
      .send({ name: 'nightly-web-1', workflow_name: 'instance_snapshot', workflow_input: { instance: 'web-1' }, pattern: '0 4 * * *', timezone: 'Europe/Zurich' })
      .expect(201);
    const next = (await app.http.get('/v2/cron_triggers/nightly-web-1').expect(200)).body.next_execution_time as string;

    await page.goto(`${app.baseUrl}/ui/snapshots`);
    const failing = page.getByRole('region', { name: 'Servers whose last run failed' });
    await failing.getByText('bad-db').waitFor();
    const web = page.locator('tr[data-server="web-1"]');
    await web.waitFor();
    const cells = await web.locator('td').allTextContents();
    expect(cells[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(cells[1]).toMatch(/ s$/);
    expect(cells[2]).toContain('SUCCESS');
    expect(cells[3]).toBe(next);
    const bad = await page.locator('tr[data-server="bad-db"]').locator('td').allTextContents();
    expect(bad[0]).toBe('never');
    expect(bad[2]).toContain('ERROR');
    expect(await page.locator('tbody tr[data-server]').first().getAttribute('data-server')).toBe('bad-db');
    await screenshot(page, 'snapshots');
  });
});
