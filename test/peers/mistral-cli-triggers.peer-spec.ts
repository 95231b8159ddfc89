import { mistralCli } from '../support/mistral-cli';
import { useTestApp } from '../support/test-app';

/** The real mistral CLI's cron-trigger commands against Sirocco. */
describe('the mistral CLI: cron triggers', () => {
  const t = useTestApp({}, {
    workflows: `
version: '2.0'
cli_cron_wf:
  input:
    - vm
  tasks:
    t:
      action: std.echo output=<% $.vm %>
`,
  });
  const { mistral, json } = mistralCli(t);

  it('cron-trigger-create with a pattern and a count shows the trigger', async () => {
    const created = await json<Record<string, unknown>>(
      'cron-trigger-create', 'nightly_vm1', 'cli_cron_wf', '{"vm": "vm1"}', '--pattern', '0 5 * * *', '--count', '3',
    );
    expect(created).toMatchObject({ Name: 'nightly_vm1', Workflow: 'cli_cron_wf', Pattern: '0 5 * * *', 'Remaining executions': 3 });
    expect(String(created['Next execution time'])).toMatch(/^\d{4}-\d\d-\d\d 05:00:00$/);
    expect(created.Params).toBe('{}');
  });

  it('cron-trigger-create with a first time in UTC and params', async () => {
    const created = await json<Record<string, unknown>>(
      'cron-trigger-create', 'once_vm2', 'cli_cron_wf', '{"vm": "vm2"}', '--first-time', '2099-01-01 00:00', '--utc', '--params', '{"env": {"k": 1}}',
    );
    expect(created).toMatchObject({ Name: 'once_vm2', 'Next execution time': '2099-01-01 00:00:00', 'Remaining executions': 1 });
    expect(JSON.parse(String(created.Params))).toEqual({ env: { k: 1 } });
  });

  it('cron-trigger-create refuses a bad pattern with the server message', async () => {
    await expect(mistral('cron-trigger-create', 'bad_one', 'cli_cron_wf', '{"vm": "x"}', '--pattern', '61 * * * *')).rejects.toMatchObject({
      stderr: expect.stringContaining('The specified pattern is not valid: 61 * * * *'),
    });
  });

  it('cron-trigger-list and cron-trigger-get show them', async () => {
    const listed = await json<Array<Record<string, unknown>>>('cron-trigger-list');
    expect(listed.map((trigger) => trigger.Name).sort()).toEqual(['nightly_vm1', 'once_vm2']);
    const shown = await json<Record<string, unknown>>('cron-trigger-get', 'nightly_vm1');
    expect(shown).toMatchObject({ Name: 'nightly_vm1', Workflow: 'cli_cron_wf', Pattern: '0 5 * * *' });
    expect(JSON.parse(String(shown.Params))).toEqual({});
  });

  it('cron-trigger-delete removes them', async () => {
    const out = await mistral('cron-trigger-delete', 'nightly_vm1', 'once_vm2');
    expect(out).toContain('nightly_vm1');
    // with nothing to list the CLI prints one empty row, against Mistral too
    const left = await json<Array<Record<string, unknown>>>('cron-trigger-list');
    expect(left.filter((trigger) => trigger.Name !== '')).toEqual([]);
    await expect(mistral('cron-trigger-get', 'nightly_vm1')).rejects.toMatchObject({
      stderr: expect.stringContaining('Cron trigger not found'),
    });
  });
});
