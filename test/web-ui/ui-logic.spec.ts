import { patternInWords } from '../../ui/src/lib/pattern-text';
import { snapshotOverview } from '../../ui/src/lib/snapshot-overview';
import { buildTaskGraph } from '../../ui/src/lib/task-graph';
import { formInput, parseInputList } from '../../ui/src/lib/workflow-inputs';
import type { CronTrigger, Execution } from '../../ui/src/api/types';

/** The web UI's pure logic (the pages are tested in chromium, test/peers/ui). */
describe('web UI logic', () => {
  it('builds the task graph of a workflow: every transition kind, conditions, commands and unknown tasks left out', () => {
    const graph = buildTaskGraph(
      `version: '2.0'
other_wf:
  tasks:
    x:
      action: std.noop
snap_wf:
  tasks:
    start:
      action: nova.servers_get server=<% $.id %>
      on-success:
        - snapshot: <% $.ok %>
        - fail: <% not $.ok %>
      on-error: notify
    snapshot:
      with-items: i in <% [1, 2] %>
      workflow: sub_wf
      on-complete: [notify, nowhere]
    notify:
      action: std.noop
      on-success:
        next: [done]
    done: {}
`,
      'snap_wf',
    );
    expect(graph.nodes).toEqual([
      { id: 'start', runs: 'nova.servers_get', withItems: false },
      { id: 'snapshot', runs: 'sub_wf', withItems: true },
      { id: 'notify', runs: 'std.noop', withItems: false },
      { id: 'done', runs: null, withItems: false },
    ]);
    expect(graph.edges).toEqual([
      { from: 'start', to: 'snapshot', kind: 'on-success', condition: '<% $.ok %>' },
      { from: 'start', to: 'notify', kind: 'on-error', condition: null },
      { from: 'snapshot', to: 'notify', kind: 'on-complete', condition: null },
      { from: 'notify', to: 'done', kind: 'on-success', condition: null },
    ]);
  });

  it('draws a reverse workflow from its requires, and a workbook member by its full name', () => {
    const reverse = buildTaskGraph(`version: '2.0'\nr_wf:\n  type: reverse\n  tasks:\n    a: {action: std.noop}\n    b: {action: std.noop, requires: [a]}\n`, 'r_wf');
    expect(reverse.edges).toEqual([{ from: 'a', to: 'b', kind: 'requires', condition: null }]);
    const member = buildTaskGraph(`version: '2.0'\nname: wb\nworkflows:\n  one:\n    tasks:\n      t: {action: std.noop}\n`, 'wb.one');
    expect(member.nodes.map((node) => node.id)).toEqual(['t']);
    expect(() => buildTaskGraph(`version: '2.0'\na: {tasks: {t: {}}}\nb: {tasks: {t: {}}}\n`, 'c')).toThrow('the definition has no workflow c');
  });

  it('says a pattern in words with its zone, seconds-last patterns and macros included', () => {
    expect(patternInWords('0 5 * * *', 'Europe/Zurich')).toBe('Every day at 05:00 (Europe/Zurich)');
    expect(patternInWords('0 5 * * * 30', 'UTC')).toBe('Every day at 05:00:30 (UTC)');
    expect(patternInWords('@daily', 'UTC')).toBe('Every day at 00:00 (UTC)');
    expect(patternInWords('0 5 * * 1-5', 'UTC')).toBe('At 05:00, Monday through Friday (UTC)');
    expect(patternInWords(null, 'UTC')).toBe('once (UTC)');
    expect(patternInWords('not a pattern', 'UTC')).toBe('not a pattern (UTC)');
  });

  it('turns an input signature into form fields, and the form back into an input', () => {
    const fields = parseInputList('instance, pattern="{0}_snapshot_{1}", max_snapshots=0, tags=["a", "b"], to=null');
    expect(fields.map((field) => [field.name, field.required, field.defaultText])).toEqual([
      ['instance', true, ''],
      ['pattern', false, '"{0}_snapshot_{1}"'],
      ['max_snapshots', false, '0'],
      ['tags', false, '["a", "b"]'],
      ['to', false, 'null'],
    ]);
    expect(formInput(fields, { instance: 'web-1', max_snapshots: '7', pattern: '"{0}_snapshot_{1}"' })).toEqual({ instance: 'web-1', max_snapshots: 7 });
  });

  it('summarises snapshots per server: last success, failing servers, next scheduled run', () => {
    const run = (id: string, instance: string, state: string, created: string) =>
      ({ id, workflow_name: 'instance_snapshot', input: JSON.stringify({ instance }), state, created_at: created, updated_at: created }) as Execution;
    const trigger = { workflow_name: 'backup', enabled: true, next_execution_time: '2026-12-03 04:00:00', workflow_input: '{"include_instances": ["web-1"]}' } as CronTrigger;
    const overview = snapshotOverview(
      [run('a', 'web-1', 'SUCCESS', '2026-12-01 04:00:00'), run('b', 'web-1', 'ERROR', '2026-12-02 04:00:00'), run('c', 'db-1', 'SUCCESS', '2026-12-02 04:00:00')],
      [trigger],
    );
    expect(overview.map((entry) => [entry.server, entry.failing, entry.lastSuccess?.id, entry.nextScheduled])).toEqual([
      ['web-1', true, 'a', '2026-12-03 04:00:00'],
      ['db-1', false, 'c', null],
    ]);
  });
});
