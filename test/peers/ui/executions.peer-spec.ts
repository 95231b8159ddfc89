import type { Page } from 'playwright-core';
import { screenshot, TestBrowser } from '../../support/browser';
import { startTestApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const WORKFLOWS = `
version: '2.0'
ui_ok_wf:
  input:
    - server: web-1
    - gate: 1
  tasks:
    prepare:
      action: std.noop
      publish:
        prepared: <% $.server %>
      on-success: [wait_gate]
    wait_gate:
      action: std.async_noop
      on-success: [items]
      on-error: [cleanup]
    items:
      with-items: n in <% [1, 2, 3] %>
      action: std.echo output=<% $.n %>
      on-complete: [cleanup]
    cleanup:
      action: std.noop
ui_failing_wf:
  tasks:
    first:
      action: std.noop
      on-success: [broken]
    broken:
      action: std.fail error_data="the disk is full"
ui_parent_wf:
  tasks:
    child:
      workflow: ui_child_wf
ui_child_wf:
  tasks:
    inner:
      action: std.noop
ui_slow_wf:
  tasks:
    nap:
      action: std.async_noop
      on-success: [after]
    after:
      action: std.noop
`;

/** The web UI's execution pages in a real chromium, against a Sirocco started by the suite. */
describe('web UI: executions (chromium)', () => {
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

  const node = (task: string, state?: string) => page.locator(`g.node[data-task="${task}"]${state ? `[data-state="${state}"]` : ''}`);

  /** Completes the waiting std.async_noop of `task` through the API, as the outside worker would. */
  async function complete(executionId: string, task: string): Promise<void> {
    await waitFor(`the action of ${task} completed`, async () => {
      const tasks = (await app.http.get(`/v2/executions/${executionId}/tasks`).expect(200)).body.tasks as Array<{ id: string; name: string }>;
      const found = tasks.find((one) => one.name === task);
      if (!found) return false;
      const actions = (await app.http.get(`/v2/tasks/${found.id}/action_executions`).expect(200)).body.action_executions as Array<{ id: string }>;
      if (actions.length === 0) return false;
      const answer = await app.http.put(`/v2/action_executions/${actions[0].id}`).send({ state: 'SUCCESS', output: '{"ok": true}' });
      return answer.status === 200;
    }, { timeoutMs: 20000, intervalMs: 100 });
  }

  async function start(workflow: string, input: Record<string, unknown> = {}): Promise<string> {
    const answer = await app.http.post('/v2/executions').send({ workflow_name: workflow, input }).expect(201);
    return answer.body.id as string;
  }

  it('serves the UI at /ui, its routes from index.html, and leaves /v2 alone', async () => {
    const root = await app.http.get('/ui').expect(302);
    expect(root.headers.location).toBe('/ui/');
    const deep = await app.http.get('/ui/executions/some-id').expect(200);
    expect(deep.text).toContain('<div id="root">');
    await app.http.get('/ui/assets/missing.js').expect(404);
    const api = await app.http.get('/v2/nothing-here').expect(404);
    expect(api.body.faultstring).toContain('Unknown path');
  });

  it('watches a run go from RUNNING to SUCCESS in the task graph, with with-items progress', async () => {
    const id = await start('ui_ok_wf', { server: 'web-1' });
    await page.goto(`${app.baseUrl}/ui/executions/${id}`);
    await page.getByRole('heading', { name: 'Execution of ui_ok_wf' }).waitFor();
    // the async action holds the run: the graph shows it RUNNING
    await node('wait_gate', 'RUNNING').waitFor();
    await node('prepare', 'SUCCESS').waitFor();
    await expectText(page.locator('#execution-state'), 'RUNNING');
    expect(await page.locator('path.edge[data-kind="on-error"]').count()).toBe(1);
    expect(await page.locator('path.edge[data-kind="on-complete"]').count()).toBe(1);
    expect(await page.locator('path.edge[data-kind="on-success"]').count()).toBe(2);
    await screenshot(page, 'execution-running');

    // the async action completes through the API: the page, polling, follows to the end
    await complete(id, 'wait_gate');

    await expectText(page.locator('#execution-state'), 'SUCCESS');
    for (const task of ['prepare', 'wait_gate', 'items', 'cleanup']) await node(task, 'SUCCESS').waitFor();
    expect(await node('items').getAttribute('aria-label')).toContain('3/3 items');

    // a task's details: published values and its action executions
    await node('prepare').click();
    await page.getByRole('heading', { name: 'Task prepare' }).waitFor();
    await expectText(page.getByLabel('published values of prepare'), '"prepared": "web-1"');
    await page.getByRole('table', { name: 'Action executions of prepare' }).getByText('std.noop').waitFor();
    await screenshot(page, 'execution-success');
    // the graph is usable from the keyboard: a node takes the focus, Enter chooses it
    await node('cleanup').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Task cleanup' }).waitFor();
  });

  it('shows the failed task and its error, and re-runs it', async () => {
    const id = await start('ui_failing_wf');
    await page.goto(`${app.baseUrl}/ui/executions/${id}`);
    await expectText(page.locator('#execution-state'), 'ERROR');
    await node('broken', 'ERROR').waitFor();
    await node('first', 'SUCCESS').waitFor();
    // the failed task is shown at once, with its error as the engine wrote it
    await page.getByRole('heading', { name: 'Task broken' }).waitFor();
    await expectText(page.locator('.task-error'), 'the disk is full');
    await screenshot(page, 'execution-failed');

    await page.getByRole('button', { name: 'Re-run task' }).click();
    // the re-run fails again (std.fail): a second action execution, and the execution in ERROR again
    await page.getByRole('table', { name: 'Action executions of broken' }).locator('tbody tr').nth(1).waitFor();
    await expectText(page.locator('#execution-state'), 'ERROR');
    await node('broken', 'ERROR').waitFor();
  });

  it("links a sub-workflow task to its child execution", async () => {
    const id = await start('ui_parent_wf');
    await page.goto(`${app.baseUrl}/ui/executions/${id}`);
    await expectText(page.locator('#execution-state'), 'SUCCESS');
    await node('child', 'SUCCESS').click();
    await page.getByRole('link', { name: 'ui_child_wf' }).click();
    await page.getByRole('heading', { name: 'Execution of ui_child_wf' }).waitFor();
    await node('inner', 'SUCCESS').waitFor();
  });

  it('pauses, resumes and cancels from the page', async () => {
    const id = await start('ui_slow_wf');
    await page.goto(`${app.baseUrl}/ui/executions/${id}`);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expectText(page.locator('#execution-state'), 'PAUSED');
    await screenshot(page, 'execution-paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await expectText(page.locator('#execution-state'), 'RUNNING');
    await complete(id, 'nap');
    await expectText(page.locator('#execution-state'), 'SUCCESS');
    await node('after', 'SUCCESS').waitFor();

    const other = await start('ui_slow_wf');
    await page.goto(`${app.baseUrl}/ui/executions/${other}`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expectText(page.locator('#execution-state'), 'CANCELLED');
  });

  it('lists executions live, filtered by workflow, state and server name in the input', async () => {
    const id = await start('ui_ok_wf', { server: 'db-7' });
    await page.goto(`${app.baseUrl}/ui/executions`);
    await page.locator(`tr[data-execution="${id}"]`).waitFor();
    await page.getByLabel('Server in input').fill('db-7');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/server=db-7/);
    await page.locator(`tr[data-execution="${id}"]`).waitFor();
    await waitForPage(async () => (await page.locator('tbody tr[data-execution]').count()) === 1);
    // the state shown follows the run (polling): it ends once the async action is completed
    await expectText(page.locator(`tr[data-execution="${id}"]`), 'RUNNING');
    await page.getByLabel('State').selectOption('ERROR');
    await page.getByText('No executions match.').waitFor();
    await page.getByLabel('State').selectOption('');
    await page.getByLabel('Workflow').selectOption('ui_failing_wf');
    await page.getByText('No executions match.').waitFor();
    await page.getByLabel('Workflow').selectOption('');
    // the time range: from a time to come finds nothing, up to a time to come finds the run
    await page.getByLabel('From').fill('2099-01-01T00:00');
    await page.getByText('No executions match.').waitFor();
    await page.getByLabel('From').fill('');
    await page.getByLabel('To').fill('2099-01-01T00:00');
    await page.locator(`tr[data-execution="${id}"]`).waitFor();
    await page.getByLabel('To').fill('2001-01-01T00:00');
    await page.getByText('No executions match.').waitFor();
    await page.getByLabel('To').fill('');
    await page.getByLabel('Server in input').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await waitForPage(async () => (await page.locator('tbody tr[data-execution]').count()) >= 1);
    await screenshot(page, 'executions');
    await app.http.put(`/v2/executions/${id}`).send({ state: 'CANCELLED' }).expect(200);
  });

});

async function expectText(locator: ReturnType<Page['locator']>, text: string, timeout = 20000): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout });
}

async function waitForPage(probe: () => Promise<boolean>): Promise<void> {
  await waitFor('the page', probe, { timeoutMs: 20000, intervalMs: 100 });
}
