import type { Page } from 'playwright-core';
import { screenshot, TestBrowser } from '../../support/browser';
import { startTestApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const WORKFLOWS = `
version: '2.0'
ui_snap_wf:
  input:
    - instance
    - max_snapshots: 3
  tasks:
    snap:
      action: std.echo output=<% $.instance %>
`;

/** The web UI's trigger and workflow pages in a real chromium. */
describe('web UI: triggers and workflows (chromium)', () => {
  let app: TestApp;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    app = await startTestApp();
    await app.http.post('/v2/workflows').set('Content-Type', 'text/plain').send(WORKFLOWS).expect(201);
    browser = await TestBrowser.launch();
    page = await browser.page();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('creates a trigger through the form, with the pattern in words and its next runs previewed, then shows them saved', async () => {
    await page.goto(`${app.baseUrl}/ui/triggers/new`);
    const form = page.getByRole('form', { name: 'New trigger' });
    await form.getByLabel('Name', { exact: true }).fill('nightly-web-1');
    await form.getByLabel('Workflow', { exact: true }).selectOption('ui_snap_wf');
    // the workflow's inputs become fields, with their defaults
    await form.getByLabel('instance (required)').fill('web-1');
    expect(await form.getByLabel('max_snapshots').inputValue()).toBe('3');

    // a bad pattern: the API's own 400 message, live
    await form.getByLabel('Pattern').fill('0 25 * * *');
    const preview = page.getByRole('region', { name: 'Schedule preview' });
    await preview.getByRole('alert').waitFor();
    expect(await preview.getByRole('alert').textContent()).toMatch(/pattern|hour|25/i);

    await form.getByLabel('Pattern').fill('0 5 * * *');
    await form.getByLabel('Time zone').selectOption('Europe/Zurich');
    await preview.getByText('Every day at 05:00 (Europe/Zurich)').waitFor();
    const previewRuns = preview.getByRole('list', { name: 'next runs (preview)' }).getByRole('listitem');
    await previewRuns.nth(4).waitFor();
    expect(await previewRuns.first().textContent()).toMatch(/^\d{4}-\d{2}-\d{2} 05:00 Europe\/Zurich/);
    await screenshot(page, 'trigger-form');

    await form.getByRole('button', { name: 'Create trigger' }).click();
    await page.getByRole('heading', { name: 'Trigger nightly-web-1', exact: true }).waitFor();
    const saved = page.getByRole('list', { name: 'next runs of nightly-web-1' }).getByRole('listitem');
    await saved.nth(2).waitFor();
    expect(await saved.count()).toBe(3);
    // in the trigger's zone, and in the viewer's (the browser runs in America/New_York)
    for (const item of await saved.allTextContents()) expect(item).toMatch(/05:00 Europe\/Zurich \(\d{4}-\d{2}-\d{2} 2[23]:00 America\/New_York here\)/);

    // what the API stored is what the form said
    const trigger = (await app.http.get('/v2/cron_triggers/nightly-web-1').expect(200)).body;
    expect(trigger).toMatchObject({ pattern: '0 5 * * *', timezone: 'Europe/Zurich', workflow_name: 'ui_snap_wf', enabled: true });
    expect(JSON.parse(trigger.workflow_input)).toEqual({ instance: 'web-1' });

    await page.goto(`${app.baseUrl}/ui/triggers`);
    const row = page.locator('tr[data-trigger="nightly-web-1"]');
    await row.getByText('Every day at 05:00 (Europe/Zurich)').waitFor();
    await row.getByRole('listitem').nth(2).waitFor();
    await screenshot(page, 'triggers');
  });

  it('edits a trigger: the form comes filled in, the new pattern is previewed and saved', async () => {
    await page.goto(`${app.baseUrl}/ui/triggers/nightly-web-1`);
    await page.getByRole('link', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit trigger' });
    await waitFor('the form filled in', async () => (await form.getByLabel('instance (required)').inputValue()) === 'web-1', { timeoutMs: 20000, intervalMs: 100 });
    expect(await form.getByLabel('Pattern').inputValue()).toBe('0 5 * * *');
    await form.getByLabel('Pattern').fill('30 6 * * 1-5');
    await page.getByRole('region', { name: 'Schedule preview' }).getByText('At 06:30, Monday through Friday (Europe/Zurich)').waitFor();
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Trigger nightly-web-1', exact: true }).waitFor();
    await page.getByText('At 06:30, Monday through Friday (Europe/Zurich)').waitFor();
    const trigger = (await app.http.get('/v2/cron_triggers/nightly-web-1').expect(200)).body;
    expect(trigger.pattern).toBe('30 6 * * 1-5');
    expect(JSON.parse(trigger.workflow_input)).toEqual({ instance: 'web-1' });
  });

  it('fires a trigger now, lists the firing with a link to its execution, pauses, resumes and deletes it after confirmation', async () => {
    await page.goto(`${app.baseUrl}/ui/triggers/nightly-web-1`);
    await page.getByRole('button', { name: 'Fire now' }).click();
    const firing = page.getByRole('table', { name: 'Firings' }).locator('tbody tr').filter({ hasText: 'started' });
    await firing.waitFor();
    const executionId = (await firing.getByRole('link').textContent())!;
    await firing.getByRole('link').click();
    await page.getByRole('heading', { name: 'Execution of ui_snap_wf' }).waitFor();
    await page.locator('#execution-state').getByText('SUCCESS').waitFor();

    // the executions list filtered by the trigger shows that run, and only runs of that trigger
    await app.http.post('/v2/executions').send({ workflow_name: 'ui_snap_wf', input: { instance: 'not-triggered' } }).expect(201);
    await page.goto(`${app.baseUrl}/ui/executions?trigger=nightly-web-1`);
    await page.locator(`tr[data-execution="${executionId}"]`).getByText('nightly-web-1').waitFor();
    expect(await page.locator('tbody tr[data-execution]').count()).toBe(1);

    await page.goto(`${app.baseUrl}/ui/triggers/nightly-web-1`);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    expect((await app.http.get('/v2/cron_triggers/nightly-web-1').expect(200)).body.enabled).toBe(false);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    await screenshot(page, 'trigger-detail');

    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Keep it' }).click();
    await app.http.get('/v2/cron_triggers/nightly-web-1').expect(200);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete nightly-web-1' }).click();
    await page.getByRole('heading', { name: 'Triggers' }).waitFor();
    await app.http.get('/v2/cron_triggers/nightly-web-1').expect(404);
  });

  it('shows a definition highlighted, its validation errors at their line, and runs a workflow from its inputs', async () => {
    await page.goto(`${app.baseUrl}/ui/workflows`);
    await page.getByRole('link', { name: 'ui_snap_wf' }).click();
    await page.getByRole('heading', { name: 'Workflow ui_snap_wf', exact: true }).waitFor();
    const definition = page.getByLabel('definition of ui_snap_wf');
    expect(await definition.locator('.hljs-attr').count()).toBeGreaterThan(3);
    await screenshot(page, 'workflow');

    // run form: required input, default kept
    await page.getByRole('form', { name: 'Run ui_snap_wf' }).getByLabel('instance (required)').fill('db-2');
    await page.getByRole('button', { name: 'Run ui_snap_wf' }).click();
    await page.getByRole('heading', { name: 'Execution of ui_snap_wf' }).waitFor();
    await page.locator('#execution-state').getByText('SUCCESS').waitFor();

    await page.goto(`${app.baseUrl}/ui/workflows/new`);
    const broken = `version: '2.0'\nbroken_wf:\n  tasks:\n    one:\n      action: std.noop\n      on-success: [missing_task]\n`;
    await page.getByLabel('Definition (YAML)').fill(broken);
    await page.getByRole('button', { name: 'Validate' }).click();
    const note = page.getByRole('note').first();
    await note.waitFor();
    const validation = (await app.http.post('/v2/workflows/validate').set('Content-Type', 'text/plain').send(broken).expect(200)).body;
    expect(validation.valid).toBe(false);
    const first = validation.errors[0];
    expect(await note.textContent()).toBe(`line ${first.line}, column ${first.column}: ${first.message}`);
    expect(await page.locator(`.line.has-error[data-line="${first.line}"]`).count()).toBe(1);
    await screenshot(page, 'workflow-errors');

    await page.getByLabel('Definition (YAML)').fill(broken.replace('missing_task', 'one_more').concat('    one_more:\n      action: std.noop\n'));
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Workflow broken_wf', exact: true }).waitFor();
  });
});
