import * as path from 'node:path';
import { ExecutionsClient, type ExecutionView } from '../support/executions-client';
import { osEnvironment, startFakeOpenStack, type FakeOpenStack } from '../support/fake-openstack/fake-openstack';
import { SmtpSink, type ReceivedMail } from '../support/smtp-sink';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * The shipped VM lifecycle workflows (suspend, resume, backup, restore, remove_backup), run by
 * Sirocco against the in-process fake cloud (Nova, Glance and Cinder's REST APIs, with their
 * asynchronous status changes) and a real SMTP server receiving the reports.
 */
describe('VM lifecycle workflows (fake cloud)', () => {
  let cloud: FakeOpenStack;
  let smtp: SmtpSink;
  let t: TestApp;
  let client: ExecutionsClient;
  let cirros: string;
  const fast = { poll_interval: 0.2, to_addr_success: 'owner@example.org', to_addr_error: 'ops@example.org' };

  beforeAll(async () => {
    cloud = await startFakeOpenStack({ transitionMs: 20 });
    smtp = await new SmtpSink().start();
    t = await startTestApp({ SIROCCO_DEFINITIONS_DIR: path.resolve(__dirname, '../../definitions'), SIROCCO_SMTP_URL: smtp.url, ...osEnvironment(cloud) });
    client = new ExecutionsClient(t.http);
    cirros = String(cloud.images().find((image) => image.name === 'cirros-fake')!.id);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
    await cloud.close();
  });

  const run = async (workflow: string, input: Record<string, unknown>): Promise<ExecutionView> =>
    client.waitFor(await client.start(workflow, { ...fast, ...input }), undefined, 60_000);
  /** The one mail of an execution (its body names the execution). */
  const mailOf = (execution: ExecutionView): Promise<ReceivedMail> =>
    waitFor(`the mail of ${execution.id}`, () => smtp.mails.find((mail) => (mail.parsed.text ?? '').includes(`Execution: ${execution.id}`)));
  const statusOf = (id: unknown) => cloud.servers('demo').find((server) => server.id === id)!.status;
  const imageBooted = (name: string, extra: { tags?: string[]; metadata?: Record<string, string> } = {}) =>
    cloud.createServer('demo', { name, imageRef: cirros, flavorRef: '1', ...extra });
  const volumeBooted = async (name: string, extra: { tags?: string[]; metadata?: Record<string, string> } = {}) => {
    const volume = await cloud.createVolume('demo', { size: 1, name: `${name}-root`, imageRef: cirros });
    const server = await cloud.createServer('demo', {
      name,
      flavorRef: '2',
      block_device_mapping_v2: [{ boot_index: 0, uuid: volume.id, source_type: 'volume', destination_type: 'volume', delete_on_termination: false }],
      ...extra,
    });
    return { server, volume };
  };
  type ServerOutcome = { server_id: string; server_name: string; outcome: string; done: string | null; failed_step: string | null; error: string | null };
  const outcomes = (execution: ExecutionView) => execution.output.servers as ServerOutcome[];

  describe('suspend / resume', () => {
    it('suspends and resumes the two servers carrying a tag, and no other', async () => {
      const a = await imageBooted('tagged-a', { tags: ['nightly-off'] });
      const b = await imageBooted('tagged-b', { tags: ['nightly-off', 'web'] });
      const other = await imageBooted('untagged');

      const suspended = await run('suspend', { tag: 'nightly-off' });
      expect([suspended.state, suspended.state_info]).toEqual(['SUCCESS', null]);
      expect(outcomes(suspended).map((item) => [item.server_name, item.outcome]).sort()).toEqual([['tagged-a', 'done'], ['tagged-b', 'done']]);
      expect([statusOf(a.id), statusOf(b.id), statusOf(other.id)]).toEqual(['SUSPENDED', 'SUSPENDED', 'ACTIVE']);
      const mail = await mailOf(suspended);
      expect(mail.envelopeTo).toEqual(['owner@example.org']);
      expect(mail.parsed.subject).toBe('VM suspend done: 2 server(s)');
      expect(mail.parsed.text).toContain(`tagged-a (${String(a.id)}): done - suspend: ACTIVE -> SUSPENDED`);
      expect(mail.parsed.text).toContain(`tagged-b (${String(b.id)}): done - suspend: ACTIVE -> SUSPENDED`);

      const resumed = await run('resume', { tag: 'nightly-off' });
      expect([resumed.state, resumed.state_info]).toEqual(['SUCCESS', null]);
      expect([statusOf(a.id), statusOf(b.id)]).toEqual(['ACTIVE', 'ACTIVE']);
      expect((await mailOf(resumed)).parsed.text).toContain('resume: SUSPENDED -> ACTIVE');
    });

    it('pauses and unpauses servers chosen by metadata or by name and id', async () => {
      const a = await imageBooted('meta-a', { metadata: { group: 'batch' } });
      const b = await imageBooted('meta-b', { metadata: { group: 'web' } });
      const paused = await run('suspend', { metadata: 'group=batch', pause: true });
      expect([paused.state, paused.state_info]).toEqual(['SUCCESS', null]);
      expect([statusOf(a.id), statusOf(b.id)]).toEqual(['PAUSED', 'ACTIVE']);
      const unpaused = await run('resume', { include_instances: ['meta-a', String(b.id)], pause: true });
      expect([unpaused.state, unpaused.state_info]).toEqual(['SUCCESS', null]);
      expect(outcomes(unpaused).find((item) => item.server_id === b.id)!.done).toBe('already ACTIVE, left as it is');
      expect(statusOf(a.id)).toBe('ACTIVE');
    });

    it('goes on with the other servers when one fails, ends in ERROR and mails both to to_addr_error', async () => {
      const good = await imageBooted('mixed-good', { tags: ['mixed'] });
      const stopped = await imageBooted('mixed-stopped', { tags: ['mixed'] });
      cloud.stopServer(String(stopped.id));
      const execution = await run('suspend', { tag: 'mixed' });
      expect(execution.state).toBe('ERROR');
      expect(statusOf(good.id)).toBe('SUSPENDED');
      const byName = Object.fromEntries(outcomes(execution).map((item) => [item.server_name, item]));
      expect(byName['mixed-good']!.outcome).toBe('done');
      expect(byName['mixed-stopped']).toMatchObject({ outcome: 'failed', failed_step: 'suspend_server' });
      expect(byName['mixed-stopped']!.error).toContain("Cannot 'suspend' instance");
      const mail = await mailOf(execution);
      expect(mail.envelopeTo).toEqual(['ops@example.org']);
      expect(mail.parsed.subject).toBe('VM suspend has failed for 1 of 2 server(s)');
      expect(mail.parsed.text).toContain(`mixed-good (${String(good.id)}): done`);
      expect(mail.parsed.text).toContain(`mixed-stopped (${String(stopped.id)}): FAILED at step suspend_server`);
    });

    it('refuses to run without a selector, and reports names that match no server', async () => {
      const none = await run('suspend', {});
      expect(none.state).toBe('ERROR');
      expect(String(none.state_info)).toContain('name the servers - include_instances, tag or metadata');
      const missing = await run('suspend', { include_instances: 'no-such-server' });
      expect(missing.state).toBe('ERROR');
      expect(outcomes(missing)).toEqual([expect.objectContaining({ server_name: 'no-such-server', outcome: 'failed', failed_step: 'select' })]);
    });
  });
  describe('backup', () => {
    const ours = (serverId: unknown, type: string) =>
      cloud.images('demo').filter((image) => image.sirocco_backup_of === serverId && image.sirocco_backup_type === type).map((image) => image.name);
    const volumeSnapshotsOf = (volumeId: unknown) =>
      cloud.volumeSnapshots('demo').filter((snapshot) => snapshot.volume_id === volumeId && snapshot.status !== 'deleting').map((snapshot) => snapshot.name);

    it('snapshots an image-booted and a volume-booted server three times with rotation 2: two kept per server and type', async () => {
      const image = await imageBooted('bk-image', { tags: ['bk'] });
      const { server: volumeServer, volume } = await volumeBooted('bk-volume', { tags: ['bk'] });
      for (const round of [1, 2, 3]) {
        const execution = await run('backup', { tag: 'bk', snapshot_name: `daily-${round}`, snapshot_type: 'daily', snapshot_rotation: 2 });
        expect([execution.state, execution.state_info]).toEqual(['SUCCESS', null]);
        expect(outcomes(execution).map((item) => item.outcome)).toEqual(['done', 'done']);
      }
      await waitFor('the rotation', () => ours(image.id, 'daily').length === 2 && volumeSnapshotsOf(volume.id).length === 2);
      expect(ours(image.id, 'daily').sort()).toEqual(['daily-2', 'daily-3']);
      expect(volumeSnapshotsOf(volume.id).sort()).toEqual(['daily-2', 'daily-3']);
      const last = smtp.mails.at(-1)!;
      expect(last.parsed.subject).toBe('VM backup done: 2 server(s)');
      expect(last.parsed.text).toMatch(new RegExp(`bk-volume \\(${String(volumeServer.id)}\\): done - daily-3 .*Cinder snapshot of the boot volume.*rotation deleted daily-1`));

      // a weekly rotation leaves the daily snapshots alone
      const weekly = await run('backup', { include_instances: ['bk-image'], snapshot_name: 'weekly-1', snapshot_type: 'weekly', snapshot_rotation: 1 });
      expect([weekly.state, weekly.state_info]).toEqual(['SUCCESS', null]);
      expect(ours(image.id, 'daily').sort()).toEqual(['daily-2', 'daily-3']);
    });

    it('makes Nova backups of an image-booted server and Cinder backups of a volume, incremental once a full one exists', async () => {
      const image = await imageBooted('nb-image', { tags: ['nb'] });
      const { volume } = await volumeBooted('nb-volume', { tags: ['nb'] });
      for (const round of [1, 2, 3]) {
        const execution = await run('backup', { tag: 'nb', snapshot_name: `weekly-${round}`, snapshot_incremental: false, snapshot_type: 'weekly', snapshot_rotation: 2 });
        expect([execution.state, execution.state_info]).toEqual(['SUCCESS', null]);
      }
      await waitFor('the rotation', () => ours(image.id, 'weekly').length === 2);
      const images = cloud.images('demo').filter((candidate) => candidate.sirocco_backup_of === image.id);
      expect(images.map((candidate) => [candidate.name, candidate.image_type, candidate.backup_type])).toEqual([
        ['weekly-2', 'backup', 'weekly'],
        ['weekly-3', 'backup', 'weekly'],
      ]);
      const backups = cloud.volumeBackups('demo').filter((backup) => backup.volume_id === volume.id);
      // the full backup is kept while the incremental ones need it
      expect(backups.map((backup) => [backup.name, backup.is_incremental])).toEqual([
        ['weekly-1', false],
        ['weekly-2', true],
        ['weekly-3', true],
      ]);
      expect(backups[1]!.parent_id).toBe(backups[0]!.id);
      expect(backups[0]!.metadata).toMatchObject({ sirocco_backup_type: 'weekly', sirocco_backup_kind: 'backup' });
      expect(smtp.mails.at(-1)!.parsed.text).toContain('incremental Cinder backup of the boot volume');
    });

    it('snapshots and backs up the data volumes attached besides the boot volume too, with the same name and rotation', async () => {
      const data = await cloud.createVolume('demo', { size: 1, name: 'dv-data' });
      const root = await cloud.createVolume('demo', { size: 1, name: 'dv-root', imageRef: cirros });
      const server = await cloud.createServer('demo', {
        name: 'dv-volume',
        flavorRef: '2',
        block_device_mapping_v2: [
          { boot_index: 0, uuid: root.id, source_type: 'volume', destination_type: 'volume', delete_on_termination: false },
          { boot_index: -1, uuid: data.id, source_type: 'volume', destination_type: 'volume', delete_on_termination: false },
        ],
      });
      for (const round of [1, 2]) {
        const execution = await run('backup', { include_instances: 'dv-volume', snapshot_name: `dv-${round}`, snapshot_rotation: 1 });
        expect([execution.state, execution.state_info]).toEqual(['SUCCESS', null]);
        expect(outcomes(execution)[0]!.done).toContain(`; data volumes: Cinder snapshot of the data volume ${String(data.id)} `);
      }
      await waitFor('the rotation', () => volumeSnapshotsOf(data.id).length === 1 && volumeSnapshotsOf(root.id).length === 1);
      expect(volumeSnapshotsOf(data.id)).toEqual(['dv-2']);
      const snapshot = cloud.volumeSnapshots('demo').find((candidate) => candidate.volume_id === data.id && candidate.name === 'dv-2')!;
      expect(snapshot.metadata).toMatchObject({ sirocco_backup_of: server.id, sirocco_backup_kind: 'snapshot' });

      const backedUp = await run('backup', { include_instances: 'dv-volume', snapshot_name: 'dv-b', snapshot_incremental: false });
      expect([backedUp.state, backedUp.state_info]).toEqual(['SUCCESS', null]);
      expect(outcomes(backedUp)[0]!.done).toContain(`; data volumes: full Cinder backup of the data volume ${String(data.id)} `);
      expect(cloud.volumeBackups('demo').filter((backup) => backup.volume_id === data.id).map((backup) => backup.name)).toEqual(['dv-b']);

      // remove_backup deletes the data volumes' ones too
      const removed = await run('remove_backup', { include_instances: 'dv-volume', snapshot_name: 'dv-2' });
      expect([removed.state, removed.state_info]).toEqual(['SUCCESS', null]);
      expect(outcomes(removed)[0]!.done).toMatch(/^deleted the Cinder snapshot dv-2 .*; and the snapshot of the data volumes: /);
      await waitFor('the data volume snapshot deleted', () => volumeSnapshotsOf(data.id).length === 0 && volumeSnapshotsOf(root.id).length === 0);
    });

    it('runs the thaw hook when the freeze hook fails, and the mail names the step', async () => {
      await client.createWorkflow(
        [
          "version: '2.0'",
          'freeze_fails:',
          '  input: [server_id, server_name]',
          '  tasks:',
          '    fsfreeze:',
          '      action: std.fail error_data="fsfreeze is not installed"',
          'thaw_notes:',
          '  input: [server_id, server_name]',
          '  output:',
          '    thawed: <% $.server_name %>',
          '  tasks:',
          '    fsthaw:',
          '      action: std.noop',
        ].join('\n'),
      );
      const server = await imageBooted('hooked');
      const execution = await run('backup', { include_instances: 'hooked', snapshot_name: 'h1', freeze_workflow: 'freeze_fails', thaw_workflow: 'thaw_notes' });
      expect(execution.state).toBe('ERROR');
      expect(outcomes(execution)[0]).toMatchObject({ server_name: 'hooked', outcome: 'failed', failed_step: 'freeze (freeze_fails)' });
      const thaws = (await t.http.get('/v2/executions?workflow_name=thaw_notes')).body.executions as Array<{ id: string }>;
      const thawed = await Promise.all(thaws.map((thaw) => client.get(thaw.id)));
      expect(thawed.map((thaw) => [thaw.state, thaw.output])).toEqual([['SUCCESS', { thawed: 'hooked' }]]);
      const mail = await mailOf(execution);
      expect(mail.envelopeTo).toEqual(['ops@example.org']);
      expect(mail.parsed.text).toContain(`hooked (${String(server.id)}): FAILED at step freeze (freeze_fails) - `);
      expect(mail.parsed.text).toContain('fsfreeze is not installed');
      expect(mail.parsed.text).toContain('thaw (thaw_notes) was run');
      expect(cloud.images('demo').filter((image) => image.sirocco_backup_of === server.id)).toEqual([]);
    });

    it('fails a server whose freeze_workflow does not exist, naming it, and makes nothing', async () => {
      const server = await imageBooted('hook-missing');
      const execution = await run('backup', { include_instances: [String(server.id)], snapshot_name: 'm1', freeze_workflow: 'no_such_hook' });
      expect(execution.state).toBe('ERROR');
      expect(outcomes(execution)[0]).toMatchObject({ server_name: 'hook-missing', outcome: 'failed', failed_step: 'freeze (no_such_hook)' });
      expect(outcomes(execution)[0]!.error).toContain("workflow 'no_such_hook' not found");
      expect(cloud.images('demo').filter((image) => image.sirocco_backup_of === server.id)).toEqual([]);
    });
  });

  describe('restore / remove_backup', () => {
    it('restores an image-booted server by rebuild (stopped, then started) and a volume-booted one into a new volume (restore_in_place=false), from a snapshot and from a backup', async () => {
      const image = await imageBooted('rs-image', { tags: ['rs'] });
      const { server: volumeServer, volume } = await volumeBooted('rs-volume', { tags: ['rs'] });
      for (const incremental of [true, false]) {
        const made = await run('backup', { tag: 'rs', snapshot_name: 'before-upgrade', snapshot_incremental: incremental });
        expect([made.state, made.state_info]).toEqual(['SUCCESS', null]);
        const restored = await run('restore', { tag: 'rs', snapshot_name: 'before-upgrade', snapshot_incremental: incremental, restore_in_place: false });
        expect([restored.state, restored.state_info]).toEqual(['SUCCESS', null]);
        const byName = Object.fromEntries(outcomes(restored).map((item) => [item.server_name, item]));
        const imageSource = byName['rs-image']!;
        expect(imageSource.done).toMatch(/^rebuilt from the Glance image before-upgrade .*stopped and started again \(now ACTIVE\)$/);
        expect(cloud.servers('demo').find((server) => server.id === image.id)!.image).toEqual(expect.objectContaining({ id: (restored.output.servers as Array<{ source_id: string; server_name: string }>).find((item) => item.server_name === 'rs-image')!.source_id }));
        expect(statusOf(image.id)).toBe('ACTIVE');
        expect(byName['rs-volume']!.done).toContain(incremental ? 'Cinder snapshot before-upgrade' : 'Cinder backup before-upgrade');
        const newVolume = cloud.volumes('demo').find((candidate) => candidate.name === 'rs-volume-before-upgrade' && candidate.status === 'available' && (incremental ? candidate.snapshot_id : (candidate.metadata as Record<string, string>).restored_from_backup));
        expect(newVolume).toBeDefined();
        expect(statusOf(volumeServer.id)).toBe('ACTIVE');
        const actions = cloud.requests.filter((request) => request.method === 'POST' && request.path.endsWith(`/servers/${String(volumeServer.id)}/action`));
        expect(actions).toEqual([]); // a volume-booted server is not stopped for nothing
        const mail = await mailOf(restored);
        expect(mail.parsed.subject).toBe('VM restore done: 2 server(s)');
        // remove_backup deletes what restore used, and nothing else
        const removed = await run('remove_backup', { tag: 'rs', snapshot_name: 'before-upgrade', snapshot_incremental: incremental });
        expect([removed.state, removed.state_info]).toEqual(['SUCCESS', null]);
        expect(outcomes(removed).map((item) => item.done).sort()).toEqual([
          expect.stringMatching(incremental ? /^deleted the Cinder snapshot before-upgrade/ : /^deleted the Cinder backup before-upgrade/),
          expect.stringMatching(/^deleted the Glance image before-upgrade/),
        ]);
        await waitFor('the deletions', () =>
          !cloud.images('demo').some((candidate) => candidate.sirocco_backup_of === image.id) &&
          !cloud.volumeSnapshots('demo').some((snapshot) => snapshot.volume_id === volume.id) &&
          !cloud.volumeBackups('demo').some((backup) => backup.volume_id === volume.id),
        );
        expect([statusOf(image.id), statusOf(volumeServer.id)]).toEqual(['ACTIVE', 'ACTIVE']);
        for (const volumeId of [volume.id, newVolume!.id]) expect(cloud.volumes('demo').some((candidate) => candidate.id === volumeId)).toBe(true);
      }
    });

    it('restores a volume-booted server in place: its boot volume re-imaged by a rebuild at 2.93 (stopped, then started), the temporary volume and image deleted', async () => {
      const { server, volume } = await volumeBooted('rip-volume');
      for (const incremental of [true, false]) {
        const name = incremental ? 'rip-snap' : 'rip-backup';
        const made = await run('backup', { include_instances: 'rip-volume', snapshot_name: name, snapshot_incremental: incremental });
        expect([made.state, made.state_info]).toEqual(['SUCCESS', null]);
        const before = cloud.requests.length;
        const restored = await run('restore', { include_instances: 'rip-volume', snapshot_name: name, snapshot_incremental: incremental });
        expect([restored.state, restored.state_info]).toEqual(['SUCCESS', null]);
        const [outcome] = outcomes(restored);
        expect(outcome!.done).toMatch(new RegExp(`^boot volume ${String(volume.id)} re-imaged in place from the ${incremental ? 'Cinder snapshot' : 'Cinder backup'} ${name} .*microversion 2.93.*stopped and started again \\(now ACTIVE\\)$`));
        expect(statusOf(server.id)).toBe('ACTIVE');
        // stop, rebuild (the fake, as Nova, refuses another image for a volume-backed server below 2.93), start
        const calls = cloud.requests.slice(before).filter((request) => request.method === 'POST' && request.path.endsWith(`/servers/${String(server.id)}/action`));
        expect(calls.map((request) => request.status)).toEqual([202, 202, 202]);
        // the boot volume was re-imaged from the temporary image, which is gone, as is the temporary volume
        const boot = cloud.volumes('demo').find((candidate) => candidate.id === volume.id)!;
        const restoreImage = (boot.volume_image_metadata as Record<string, string>).image_id;
        expect(restoreImage).not.toBe(cirros);
        await waitFor('the temporary volume and image deleted', () =>
          !cloud.volumes('demo').some((candidate) => candidate.name === `rip-volume-${name}`) && !cloud.images('demo').some((candidate) => candidate.id === restoreImage),
        );
        expect(boot.attachments).toEqual([expect.objectContaining({ server_id: server.id })]);
        expect((await mailOf(restored)).parsed.text).toContain(`rip-volume (${String(server.id)}): done - boot volume ${String(volume.id)} re-imaged in place`);
      }
    });

    /** A server with a data volume (besides its boot volume, on /dev/vdb). */
    const withDataVolume = async (name: string, boot: 'image' | 'volume') => {
      const data = await cloud.createVolume('demo', { size: 1, name: `${name}-data` });
      const dataMapping = { boot_index: -1, uuid: data.id, source_type: 'volume', destination_type: 'volume', delete_on_termination: false };
      if (boot === 'image') return { server: await cloud.createServer('demo', { name, imageRef: cirros, flavorRef: '1', block_device_mapping_v2: [dataMapping] }), data };
      const root = await cloud.createVolume('demo', { size: 1, name: `${name}-root`, imageRef: cirros });
      const rootMapping = { boot_index: 0, uuid: root.id, source_type: 'volume', destination_type: 'volume', delete_on_termination: false };
      return { server: await cloud.createServer('demo', { name, flavorRef: '2', block_device_mapping_v2: [rootMapping, dataMapping] }), data };
    };
    const volumeNow = (id: unknown) => cloud.volumes('demo').find((candidate) => candidate.id === id)!;
    const attachmentCalls = (since: number, serverId: unknown) =>
      cloud.requests.slice(since).filter((request) => request.path.includes(`/servers/${String(serverId)}/os-volume_attachments`) && request.method !== 'GET').map((request) => [request.method, request.status]);

    it('restores the data volumes of a volume-booted and an image-booted server in place: detached, reverted to the snapshot / restored from the backup, attached again on the same device', async () => {
      const servers = { image: await withDataVolume('rd-image', 'image'), volume: await withDataVolume('rd-volume', 'volume') };
      for (const { server, data } of Object.values(servers)) {
        expect(volumeNow(data.id).attachments).toEqual([expect.objectContaining({ server_id: server.id, device: '/dev/vdb' })]);
      }
      for (const incremental of [true, false]) {
        const name = incremental ? 'rd-snap' : 'rd-backup';
        const made = await run('backup', { include_instances: ['rd-image', 'rd-volume'], snapshot_name: name, snapshot_incremental: incremental });
        expect([made.state, made.state_info]).toEqual(['SUCCESS', null]);
        const copyOf = (volumeId: unknown) =>
          String((incremental ? cloud.volumeSnapshots('demo') : cloud.volumeBackups('demo')).find((copy) => copy.volume_id === volumeId && copy.name === name)!.id);
        const before = cloud.requests.length;
        const restored = await run('restore', { include_instances: ['rd-image', 'rd-volume'], snapshot_name: name, snapshot_incremental: incremental });
        expect([restored.state, restored.state_info]).toEqual(['SUCCESS', null]);
        const mail = (await mailOf(restored)).parsed.text ?? '';
        for (const { server, data } of Object.values(servers)) {
          const copy = copyOf(data.id);
          const outcome = outcomes(restored).find((item) => item.server_id === server.id) as ServerOutcome & { data_volumes: unknown[] };
          const what = `${String(data.id)} (/dev/vdb) ${incremental ? 'reverted to the Cinder snapshot' : 'restored from the Cinder backup'} ${name} (${copy})`;
          expect(outcome.data_volumes).toEqual([expect.objectContaining({ volume_id: data.id, device: '/dev/vdb', source_id: copy, outcome: 'done', done: what })]);
          expect(outcome.done).toContain(`; data volumes: ${what}`);
          expect(mail).toContain(what);
          // Cinder reverted / restored the volume in place, and it is attached again on its device
          const volume = volumeNow(data.id);
          expect((volume.metadata as Record<string, string>)[incremental ? 'reverted_to_snapshot' : 'restored_from_backup']).toBe(copy);
          expect(volume.status).toBe('in-use');
          expect(volume.attachments).toEqual([expect.objectContaining({ server_id: server.id, device: '/dev/vdb' })]);
          expect(attachmentCalls(before, server.id)).toEqual([
            ['DELETE', 202],
            ['POST', 200],
          ]);
          const action = incremental ? `/volumes/${String(data.id)}/action` : `/backups/${copy}/restore`;
          expect(cloud.requests.slice(before).filter((request) => request.method === 'POST' && request.path.endsWith(action)).map((request) => request.status)).toEqual([202]);
          expect(statusOf(server.id)).toBe('ACTIVE');
        }
      }
    });

    it('reports a data volume Cinder cannot revert (a snapshot older than its latest), attaches it again and starts the server', async () => {
      const { server, data } = await withDataVolume('rdf-image', 'image');
      for (const name of ['rdf-1', 'rdf-2']) expect((await run('backup', { include_instances: 'rdf-image', snapshot_name: name })).state).toBe('SUCCESS');
      const before = cloud.requests.length;
      const restored = await run('restore', { include_instances: 'rdf-image', snapshot_name: 'rdf-1' });
      expect(restored.state).toBe('ERROR');
      const [outcome] = outcomes(restored);
      expect(outcome).toMatchObject({ outcome: 'failed', failed_step: 'restore_data_volume' });
      expect(outcome!.done).toMatch(/^rebuilt from the Glance image rdf-1 .*stopped and started again \(now ACTIVE\)$/);
      expect(outcome!.error).toContain(`${String(data.id)} (/dev/vdb) at revert - `);
      expect(outcome!.error).toContain('is not the latest one');
      expect(outcome!.error).toContain('the volume was attached again (in-use)');
      expect(attachmentCalls(before, server.id)).toEqual([
        ['DELETE', 202],
        ['POST', 200],
      ]);
      expect(volumeNow(data.id).attachments).toEqual([expect.objectContaining({ server_id: server.id, device: '/dev/vdb' })]);
      expect(statusOf(server.id)).toBe('ACTIVE');
      const mail = await mailOf(restored);
      expect(mail.envelopeTo).toEqual(['ops@example.org']);
      expect(mail.parsed.text).toContain(`rdf-image (${String(server.id)}): FAILED at step restore_data_volume - `);
    });

    it('fails for a server without that snapshot while restoring the other, and the mail lists both', async () => {
      const a = await imageBooted('rf-a', { tags: ['rf'] });
      await run('backup', { include_instances: ['rf-a'], snapshot_name: 'only-a' });
      const b = await imageBooted('rf-b', { tags: ['rf'] });
      const execution = await run('restore', { tag: 'rf', snapshot_name: 'only-a' });
      expect(execution.state).toBe('ERROR');
      expect(String(execution.state_info)).toContain('1 of 2 server(s) failed - rf-b at find_snapshot');
      const mail = await mailOf(execution);
      expect(mail.envelopeTo).toEqual(['ops@example.org']);
      expect(mail.parsed.text).toContain(`rf-a (${String(a.id)}): done - rebuilt from the Glance image only-a`);
      expect(mail.parsed.text).toContain(`rf-b (${String(b.id)}): FAILED at step find_snapshot - this server has no snapshot named only-a`);
    });
    it('runs the freeze and thaw hooks around a restore', async () => {
      await client.createWorkflow(
        [
          "version: '2.0'",
          'restore_freeze:',
          '  input: [server_id, server_name]',
          '  tasks:',
          '    fsfreeze:',
          '      action: std.noop',
          'restore_thaw:',
          '  input: [server_id, server_name]',
          '  output:',
          '    thawed: <% $.server_id %>',
          '  tasks:',
          '    fsthaw:',
          '      action: std.noop',
        ].join('\n'),
      );
      const server = await imageBooted('rh-image');
      await run('backup', { include_instances: 'rh-image', snapshot_name: 'rh' });
      const restored = await run('restore', { include_instances: 'rh-image', snapshot_name: 'rh', freeze_workflow: 'restore_freeze', thaw_workflow: 'restore_thaw' });
      expect([restored.state, restored.state_info]).toEqual(['SUCCESS', null]);
      for (const hook of ['restore_freeze', 'restore_thaw']) {
        const runs = (await t.http.get(`/v2/executions?workflow_name=${hook}`)).body.executions as Array<{ id: string; state: string }>;
        expect(runs.map((item) => item.state)).toEqual(['SUCCESS']);
      }
      const thaw = (await t.http.get('/v2/executions?workflow_name=restore_thaw')).body.executions[0] as { id: string };
      expect((await client.get(thaw.id)).output).toEqual({ thawed: server.id });
    });
  });
});
