import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildOnce, runSirocco } from '../support/sirocco-cli';
import { useTestApp } from '../support/test-app';

const WORKFLOWS = `
version: '2.0'
greet:
  input:
    - name
  output:
    greeting: <% $.greeting %>
  tasks:
    say:
      action: std.echo output=<% 'Hello ' & $.name %>
      publish:
        greeting: <% $task().result %>

breaks:
  tasks:
    prepare:
      action: std.noop
      on-success: boom
    boom:
      action: std.fail error_data='the disk is full'
      retry:
        count: 2
        delay: 0

items:
  input:
    - servers
  output:
    names: <% $.names %>
  tasks:
    each:
      with-items: server in <% $.servers %>
      action: std.echo output=<% $uppercase($.server) %>
      publish:
        names: <% $task().result %>
`;

const scratch = mkdtempSync(path.join(tmpdir(), 'sirocco-cli-api-'));

describe('sirocco against a live Sirocco (noauth)', () => {
  const service = useTestApp({ SIROCCO_SECRET_KEY: 'cli-test-secret-key-0123456789abcdef' }, { workflows: WORKFLOWS });
  const sirocco = (...args: string[]) => runSirocco(args, { SIROCCO_URL: service.baseUrl }, { cwd: scratch });

  beforeAll(() => buildOnce(), 300_000);

  describe('run and watch', () => {
    it('run --wait exits 0 with the output on standard output and the tasks on standard error', async () => {
      const run = await sirocco('run', 'greet', '--input', 'name=Ada', '--wait');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ greeting: 'Hello Ada' });
      expect(run.stderr).toMatch(/say SUCCESS/);
      expect(run.stderr).toMatch(/greet [0-9a-f-]{36} SUCCESS in/);
    });

    it('run --wait exits 1 naming the failed task, its error and its retries', async () => {
      const run = await sirocco('run', 'breaks', '--wait');
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/breaks [0-9a-f-]{36} ERROR/);
      expect(run.stderr).toMatch(/failed task boom \([0-9a-f-]{36}\): .*the disk is full/);
      expect(run.stderr).toMatch(/boom ERROR retry 2/);
    });

    it('run --wait --json prints the outcome as one parseable object, also on failure', async () => {
      const failed = await sirocco('--json', 'run', 'breaks', '--wait');
      expect(failed.code).toBe(1);
      const outcome = JSON.parse(failed.stdout);
      expect(outcome).toMatchObject({ workflow_name: 'breaks', state: 'ERROR', failed_tasks: [{ name: 'boom' }] });
      expect(outcome.failed_tasks[0].state_info).toContain('the disk is full');
      const fine = await sirocco('run', 'items', '--input', 'servers=["a","b","c"]', '--wait', '--json');
      expect(fine.code).toBe(0);
      expect(JSON.parse(fine.stdout)).toMatchObject({ state: 'SUCCESS', output: { names: ['A', 'B', 'C'] }, failed_tasks: [] });
    });

    it('run reads --input-file, prints the id without --wait; watch follows it; tasks shows with-items progress', async () => {
      const inputFile = path.join(scratch, 'servers.json');
      writeFileSync(inputFile, JSON.stringify({ servers: ['x', 'y'] }));
      const started = await sirocco('run', 'items', '--input-file', inputFile);
      expect(started.code).toBe(0);
      const id = started.stdout.trim();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const watched = await sirocco('watch', id);
      expect(watched.code).toBe(0);
      expect(JSON.parse(watched.stdout)).toEqual({ names: ['X', 'Y'] });
      const table = await sirocco('tasks', id);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/each\s*│\s*SUCCESS\s*│\s*0\s*│\s*2\/2/);
      const json = await sirocco('tasks', id, '--json');
      expect(JSON.parse(json.stdout)).toMatchObject([{ name: 'each', state: 'SUCCESS', runtime_context: { with_items: { count: 2 } } }]);
    });
  });

  describe('lists', () => {
    it('executions: a table, --json parseable, filtered by --state, --workflow and --since', async () => {
      const table = await sirocco('executions');
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/│ id\s+│ workflow\s+│ state/);
      const errors = await sirocco('executions', '--state', 'ERROR', '--since', '1d', '--json');
      expect(errors.code).toBe(0);
      const listed = JSON.parse(errors.stdout) as { state: string; workflow_name: string }[];
      expect(listed.length).toBeGreaterThan(0);
      expect(listed.every((execution) => execution.state === 'ERROR' && execution.workflow_name === 'breaks')).toBe(true);
      const greet = JSON.parse((await sirocco('executions', '--workflow', 'greet', '--json')).stdout) as { workflow_name: string; input: unknown }[];
      expect(greet).toEqual([expect.objectContaining({ workflow_name: 'greet', input: { name: 'Ada' } })]);
      const future = await sirocco('executions', '--since', '2999-01-01', '--json');
      expect(JSON.parse(future.stdout)).toEqual([]);
    });

    it('a bad option value is a usage error (2); a missing execution a failure (1)', async () => {
      const usage = await sirocco('executions', '--since', 'yesterday-ish');
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('expected a duration such as 30m');
      const missing = await sirocco('tasks', '00000000-0000-4000-8000-000000000000');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^sirocco: .*not found.*\(HTTP 404\)/i);
    });
  });

  describe('cron triggers', () => {
    it('create shows the pattern in words and the next runs in its zone; next lists them in the zone and in UTC', async () => {
      const created = await sirocco('trigger', 'create', 'nightly', 'greet', '--pattern', '0 5 * * *', '--timezone', 'Europe/Zurich', '-i', 'name=cron');
      expect(created.code).toBe(0);
      expect(created.stdout).toContain('Every day at 05:00 (Europe/Zurich)');
      expect(created.stdout).toMatch(/next run 1\s*│ \d{4}-\d\d-\d\d 05:00:00\S* Europe\/Zurich/);
      const next = await sirocco('trigger', 'next', 'nightly', '--count', '3', '--json');
      expect(next.code).toBe(0);
      const upcoming = JSON.parse(next.stdout) as { timezone: string; pattern_in_words: string; next: { local: string; utc: string }[] };
      expect(upcoming).toMatchObject({ timezone: 'Europe/Zurich', pattern_in_words: 'Every day at 05:00 (Europe/Zurich)' });
      expect(upcoming.next).toHaveLength(3);
      for (const slot of upcoming.next) {
        expect(slot.local).toMatch(/ 05:00:00/);
        // Zurich is UTC+1 in winter, UTC+2 in summer
        expect(slot.utc).toMatch(/ 0[34]:00:00$/);
      }
      const table = await sirocco('trigger', 'next', 'nightly');
      expect(table.stdout).toMatch(/local \(Europe\/Zurich\)/);
      expect(table.stderr).toContain('nightly: 0 5 * * * = Every day at 05:00 (Europe/Zurich)');
    });

    it('triggers lists them (table and --json); pause and resume; fire --wait runs it now; history shows the firing; delete', async () => {
      const list = await sirocco('triggers', '--json');
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual([
        expect.objectContaining({ name: 'nightly', workflow_input: { name: 'cron' }, pattern_in_words: 'Every day at 05:00 (Europe/Zurich)', enabled: true }),
      ]);
      expect((await sirocco('triggers')).stdout).toMatch(/nightly\s*│ greet\s*│ 0 5 \* \* \*/);
      const paused = await sirocco('trigger', 'pause', 'nightly', '--json');
      expect(JSON.parse(paused.stdout)).toMatchObject({ name: 'nightly', enabled: false });
      const resumed = await sirocco('trigger', 'resume', 'nightly', '--json');
      expect(JSON.parse(resumed.stdout)).toMatchObject({ enabled: true });
      const updated = await sirocco('trigger', 'update', 'nightly', '--pattern', '30 6 * * 1-5', '--json');
      expect(JSON.parse(updated.stdout)).toMatchObject({ pattern: '30 6 * * 1-5', pattern_in_words: 'At 06:30, Monday through Friday (Europe/Zurich)' });
      expect((await sirocco('trigger', 'update', 'nightly')).code).toBe(2);
      const fired = await sirocco('trigger', 'fire', 'nightly', '--wait');
      expect(fired.code).toBe(0);
      expect(JSON.parse(fired.stdout)).toEqual({ greeting: 'Hello cron' });
      const history = await sirocco('trigger', 'history', 'nightly', '--json');
      expect(JSON.parse(history.stdout)).toEqual([expect.objectContaining({ outcome: 'started', execution_id: expect.any(String) })]);
      const deleted = await sirocco('trigger', 'delete', 'nightly');
      expect(deleted.code).toBe(0);
      expect(JSON.parse((await sirocco('triggers', '--json')).stdout)).toEqual([]);
    });

    it('a pattern the API refuses exits 1 with its message', async () => {
      const refused = await sirocco('trigger', 'create', 'bad', 'greet', '--pattern', '61 * * * *', '-i', 'name=x');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('The specified pattern is not valid: 61 * * * *');
    });
  });

  describe('workflow files', () => {
    it('validate: valid files exit 0; errors as file:line:column, exit 1; --json parseable', async () => {
      const good = path.join(scratch, 'good.yaml');
      writeFileSync(good, "version: '2.0'\nok:\n  tasks:\n    t:\n      action: std.noop\n");
      const bad = path.join(scratch, 'bad.yaml');
      writeFileSync(bad, "version: '2.0'\nbroken:\n  tasks:\n    t:\n      action: std.noop\n      on-success: nowhere\n");
      const valid = await sirocco('workflows', 'validate', good);
      expect(valid.code).toBe(0);
      expect(valid.stderr).toContain(`${good}: valid`);
      const invalid = await sirocco('workflows', 'validate', good, bad);
      expect(invalid.code).toBe(1);
      expect(invalid.stdout).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6:\\d+: .*nowhere`, 'm'));
      const json = JSON.parse((await sirocco('workflows', 'validate', bad, '--json')).stdout);
      expect(json).toEqual([{ file: bad, valid: false, errors: [expect.objectContaining({ line: 6, column: expect.any(Number) })] }]);
    });

    it('push creates, then reports unchanged, then updated; an invalid file is an error (exit 1)', async () => {
      const dir = mkdtempSync(path.join(scratch, 'push-'));
      writeFileSync(path.join(dir, 'one.yaml'), "version: '2.0'\npushed_one:\n  tasks:\n    t:\n      action: std.noop\n");
      writeFileSync(path.join(dir, 'pair.yml'), "version: '2.0'\npushed_a:\n  tasks:\n    t:\n      action: std.noop\npushed_b:\n  tasks:\n    t:\n      action: std.noop\n");
      writeFileSync(path.join(dir, 'notes.txt'), 'not a definition');
      const first = await sirocco('workflows', 'push', dir, '--json');
      expect(first.code).toBe(0);
      const results = (text: string) => (JSON.parse(text) as { workflow: string; result: string }[]).map((r) => `${r.workflow}:${r.result}`);
      expect(results(first.stdout)).toEqual(['pushed_one:created', 'pushed_a:created', 'pushed_b:created']);
      const again = await sirocco('workflows', 'push', dir);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('0 created, 0 updated, 3 unchanged, 0 error(s)');
      writeFileSync(path.join(dir, 'pair.yml'), "version: '2.0'\npushed_a:\n  tasks:\n    t:\n      action: std.echo output=1\npushed_b:\n  tasks:\n    t:\n      action: std.noop\n");
      writeFileSync(path.join(dir, 'zbroken.yaml'), "version: '2.0'\npushed_c:\n  tasks:\n    t:\n      action: no.such_action\n");
      const third = await sirocco('workflows', 'push', dir, '--json');
      expect(third.code).toBe(1);
      const parsed = JSON.parse(third.stdout) as { workflow: string | null; result: string; error?: string }[];
      expect(parsed.map((r) => `${r.workflow}:${r.result}`)).toEqual(['pushed_one:unchanged', 'pushed_a:updated', 'pushed_b:unchanged', 'null:error']);
      expect(parsed[3].error).toMatch(/^5:\d+: .*no\.such_action/);
      const stored = await sirocco('workflows', 'get', 'pushed_a');
      expect(stored.stdout).toBe("---\nversion: '2.0'\n\npushed_a:\n  tasks:\n    t:\n      action: std.echo output=1\n");
      const list = JSON.parse((await sirocco('workflows', 'list', '--json')).stdout) as { name: string }[];
      expect(list.map((workflow) => workflow.name)).toEqual(expect.arrayContaining(['greet', 'pushed_one', 'pushed_a', 'pushed_b']));
      expect((await sirocco('workflows', 'list')).stdout).toMatch(/greet\s*│\s*│ private\s*│ name/);
    });
  });

  describe('service snapshots and maintenance', () => {
    it('snapshot create --wait, list --json, download writes the archive, delete', async () => {
      const created = await sirocco('snapshot', 'create', 'cli-1', '--wait', '--json');
      expect(created.code).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({ id: 'cli-1', status: 'CREATED' });
      expect(JSON.parse((await sirocco('snapshot', 'list', '--json')).stdout)).toEqual([expect.objectContaining({ id: 'cli-1' })]);
      const file = path.join(scratch, 'cli-1.tar.gz');
      const download = await sirocco('snapshot', 'download', 'cli-1', '-o', file);
      expect(download.code).toBe(0);
      expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect((await sirocco('snapshot', 'status')).stdout).toMatch(/^NOT_RUNNING/);
      expect((await sirocco('snapshot', 'delete', 'cli-1')).code).toBe(0);
      expect((await sirocco('snapshot', 'get', 'cli-1')).code).toBe(1);
    });

    it('maintenance status prints the mode (--json parseable)', async () => {
      const status = await sirocco('maintenance', '--json');
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ status: 'deactivated', remaining_executions: [] });
      expect((await sirocco('maintenance')).stdout).toMatch(/status\s*│ deactivated/);
      expect((await sirocco('maintenance', 'sideways')).code).toBe(2);
    });
  });

  describe('plumbing', () => {
    it('an unreachable service exits 3; an unknown command 2; completion prints a script and candidates', async () => {
      const away = await runSirocco(['executions'], { SIROCCO_URL: 'http://127.0.0.1:9' });
      expect(away.code).toBe(3);
      expect(away.stderr).toContain('cannot reach Sirocco at http://127.0.0.1:9');
      expect((await sirocco('exterminate')).code).toBe(2);
      const script = await sirocco('completion', 'bash');
      expect(script.stdout).toContain('complete -o default -F _sirocco_completion sirocco');
      expect((await sirocco('completion', 'zsh')).stdout).toContain('compdef _sirocco sirocco');
      expect((await sirocco('__complete', '--', 'trigger', 'p')).stdout.split('\n')).toEqual(['pause', '']);
      expect((await sirocco('__complete', '--', 'snapshot', 'download', 'x', '--o')).stdout).toContain('--output');
    });
  });
});
