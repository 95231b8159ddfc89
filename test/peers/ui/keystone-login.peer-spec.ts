import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { screenshot, TestBrowser } from '../../support/browser';
import { startTestApp, type TestApp } from '../../support/test-app';

// the page's storage, as page.evaluate sees it in the browser
declare const sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
declare const localStorage: { length: number };

/** What scripts/keystone-dev.sh wrote: Keystone's URL and Sirocco's service user (the SIROCCO_* lines). */
function keystoneEnv(): Record<string, string> {
  const file = `${process.env.SIROCCO_OS_DIR ?? '/var/lib/sirocco-openstack'}/keystone.env`;
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('SIROCCO_') && line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** The web UI in keystone mode against the real Keystone of scripts/keystone-dev.sh: login through Sirocco, 401 back to the login page. */
describe('web UI: keystone login (chromium, real Keystone)', () => {
  let app: TestApp;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    app = await startTestApp({ ...keystoneEnv(), SIROCCO_AUTH: 'keystone' });
    browser = await TestBrowser.launch();
    page = await browser.page();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const loginForm = () => page.getByRole('form', { name: 'Log in' });

  it('sends a visitor without a token to the login page, shows Keystone refusing a wrong password, and logs in with the right one', async () => {
    await page.goto(`${app.baseUrl}/ui/executions`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(page.url()).toContain('/ui/login?next=%2Fexecutions');
    await screenshot(page, 'login');

    await loginForm().getByLabel('User name').fill('demo');
    await loginForm().getByLabel('Password').fill('not-the-password');
    await loginForm().getByLabel('Project').fill('demo');
    await loginForm().getByRole('button', { name: 'Log in' }).click();
    const refused = loginForm().getByRole('alert');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/^Keystone refused the login: /);

    await loginForm().getByLabel('Password').fill('demo-pass');
    await loginForm().getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Executions' }).waitFor();
    await page.getByText('demo @ demo').waitFor();
    await page.getByText('No executions match.').waitFor();
    // the token lives in this tab's session only
    const stored = await page.evaluate(() => ({ session: sessionStorage.getItem('sirocco.token'), local: localStorage.length }));
    expect(stored.session).toMatch(/^gAAAA/);
    expect(stored.local).toBe(0);
    // and it is a token Sirocco accepts
    await app.http.get('/v2/workflows').set('X-Auth-Token', stored.session!).expect(200);
  });

  it('returns to the login page when the API answers 401 (a token no longer valid), then logs in with a token', async () => {
    const token = await page.evaluate(() => sessionStorage.getItem('sirocco.token'));
    await page.evaluate(() => sessionStorage.setItem('sirocco.token', 'gAAAAA-revoked-token'));
    await page.goto(`${app.baseUrl}/ui/workflows`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('sirocco.token'))).toBeNull();

    await page.getByLabel('a token').check();
    await loginForm().getByLabel('Token').fill(token!);
    await loginForm().getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Workflows' }).waitFor();
    await page.getByText('demo @ demo').waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
  });
});
