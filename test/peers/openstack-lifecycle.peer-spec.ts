import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { OpenStackError } from '../../src/actions/openstack/client/openstack-error';
import { ExecutionsClient, type ExecutionView } from '../support/executions-client';
import { CLOUD_POLL, OPENSTACK_DIR, readEnvFile, RealCloudUser } from '../support/real-openstack';
import { SmtpSink, type ReceivedMail } from '../support/smtp-sink';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * The shipped VM lifecycle workflows (suspend, resume, backup, restore, remove_backup) on the real
 * services of scripts/openstack-dev.sh: Nova (fake hypervisor), Glance, Cinder with its fake back
 * end and its real backup service (cinder-backup, posix driver). The fake back end keeps each
 * volume's data in a small file (scripts/openstack/sirocco_fake_volume.py): the test writes a
 * marker there, as a guest would write to its disk, and reads what a restore brought back.
 */
describe('VM lifecycle workflows on real OpenStack services', () => {
  const keystoneEnv = readEnvFile('keystone.env');
  const prefix = `l${Date.now().toString(36)}-`;
  const demo = new RealCloudUser('demo', keystoneEnv.KEYSTONE_DEMO_PASSWORD ?? 'demo-pass', 'demo', prefix);
  const volumeFiles = `${OPENSTACK_DIR}/cinder/fake-volumes`;
  const reports = { poll_interval: 1, to_addr_success: 'owner@example.org', to_addr_error: 'ops@example.org' };
  let smtp: SmtpSink;
  let t: TestApp;
  let client: ExecutionsClient;

  /** The guest's data on a volume of the fake back end (its first bytes), and a write to it. */
  const volumeData = (volumeId: string) => readFileSync(`${volumeFiles}/volume-${volumeId}`).subarray(0, 32).toString('latin1').replace(/\0+$/, '');
  const writeVolumeData = (volumeId: string, text: string) => {
    const file = `${volumeFiles}/volume-${volumeId}`;
    if (!existsSync(file)) throw new Error(`${file} is missing: is cinder-volume running the file-backed fake driver (scripts/openstack-dev.sh)?`);
    const data = readFileSync(file);
    data.fill(0, 0, 32);
    data.write(text, 0, 'latin1');
    writeFileSync(file, data);
  };
  const run = async (workflow: string, input: Record<string, unknown>): Promise<ExecutionView> =>
    client.waitFor(await client.start(workflow, { ...reports, ...input }), undefined, 240_000);
  const mailOf = (execution: ExecutionView): Promise<ReceivedMail> =>
    waitFor(`the mail of ${execution.id}`, () => smtp.mails.find((mail) => (mail.parsed.text ?? '').includes(`Execution: ${execution.id}`)), CLOUD_POLL);
  type ServerOutcome = { server_id: string; server_name: string; outcome: string; done: string | null; failed_step: string | null; error: string | null; source_id?: string };
  const outcomes = (execution: ExecutionView) => Object.fromEntries((execution.output.servers as ServerOutcome[]).map((item) => [item.server_name, item]));
  const succeeded = (execution: ExecutionView) => expect([execution.state, execution.state_info]).toEqual(['SUCCESS', null]);
  const backupsOf = async (volumeId: string) =>
    (await demo.clients.volume.listBackups({ volume_id: volumeId })).filter((backup) => backup.status !== 'deleting').sort((l, r) => String(l.created_at).localeCompare(String(r.created_at)));
  const oursOf = async (serverId: string, type: string) =>
    (await demo.imagesOf(serverId)).filter((image) => image.sirocco_backup_of === serverId && image.sirocco_backup_type === type);

  let imageServer: { id: string; name: string };
  let volumeServer: { id: string; name: string };
  let bootVolume: string;
  let dataVolume: string;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await startTestApp({
      SIROCCO_DEFINITIONS_DIR: path.resolve(__dirname, '../../definitions'),
      SIROCCO_SMTP_URL: smtp.url,
      OS_CLOUD: 'demo',
      OS_CLIENT_CONFIG_FILE: `${OPENSTACK_DIR}/clouds.yaml`,
    });
    client = new ExecutionsClient(t.http);
    const [image, booted] = await Promise.all([demo.bootFromImage('lc-img'), demo.bootFromVolume('lc-vol', {}, true)]);
    imageServer = image;
    volumeServer = booted.server;
    bootVolume = booted.volume.id;
    dataVolume = booted.data!.id;
  }, 240_000);
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    // backups first (newest first: Cinder deletes a full backup only after its incremental ones)
    const ignoreGone = (error: unknown) => {
      if (!(error instanceof OpenStackError && error.status === 404)) throw error;
    };
    const ours = async () => (await demo.clients.volume.listBackups()).filter((backup) => String(backup.name ?? '').startsWith(prefix));
    await waitFor('our backups deleted', async () => {
      const left = (await ours()).sort((l, r) => String(r.created_at).localeCompare(String(l.created_at)));
      const deletable = left.filter((backup) => backup.status === 'available' || backup.status === 'error');
      if (deletable[0]) await demo.clients.volume.deleteBackup(String(deletable[0].id)).catch(ignoreGone);
      return left.length === 0;
    }, { timeoutMs: 180_000, intervalMs: 500 });
    await demo.cleanUp();
  }, 400_000);

  it('suspends and resumes two servers (one image-booted, one volume-booted), then pauses and unpauses them', async () => {
    const both = [imageServer.name, volumeServer.id];
    const suspended = await run('suspend', { include_instances: both });
    succeeded(suspended);
    for (const server of [imageServer, volumeServer]) expect((await demo.clients.compute.getServer(server.id)).status).toBe('SUSPENDED');
    const mail = await mailOf(suspended);
    expect(mail.parsed.subject).toBe('VM suspend done: 2 server(s)');
    expect(mail.parsed.text).toContain(`${imageServer.name} (${imageServer.id}): done - suspend: ACTIVE -> SUSPENDED`);
    expect(mail.parsed.text).toContain(`${volumeServer.name} (${volumeServer.id}): done - suspend: ACTIVE -> SUSPENDED`);

    const resumed = await run('resume', { include_instances: both });
    succeeded(resumed);
    for (const server of [imageServer, volumeServer]) expect((await demo.waitForServer(server.id)).status).toBe('ACTIVE');
    expect((await mailOf(resumed)).parsed.text).toContain('resume: SUSPENDED -> ACTIVE');

    const paused = await run('suspend', { include_instances: both, pause: true });
    succeeded(paused);
    expect((await demo.clients.compute.getServer(volumeServer.id)).status).toBe('PAUSED');
    succeeded(await run('resume', { include_instances: both, pause: true }));
    for (const server of [imageServer, volumeServer]) expect((await demo.waitForServer(server.id)).status).toBe('ACTIVE');
  });

  it('snapshots both servers three times with rotation 2: two Glance images and two Cinder snapshots kept, a weekly type left alone', async () => {
    for (const round of [1, 2, 3]) {
      writeVolumeData(bootVolume, `snapshot-round-${round}`);
      writeVolumeData(dataVolume, `data-snapshot-round-${round}`);
      const execution = await run('backup', { include_instances: [imageServer.name, volumeServer.name], snapshot_name: `${prefix}daily-${round}`, snapshot_type: 'daily', snapshot_rotation: 2 });
      succeeded(execution);
    }
    const images = await waitFor('the image rotation', async () => {
      const current = (await oursOf(imageServer.id, 'daily')).filter((image) => image.status === 'active');
      return current.length === 2 ? current : undefined;
    }, CLOUD_POLL);
    expect(images.map((image) => image.name).sort()).toEqual([`${prefix}daily-2`, `${prefix}daily-3`]);
    expect(images.every((image) => image.sirocco_backup_kind === 'snapshot' && image.tags?.includes('sirocco-backup'))).toBe(true);
    const snapshots = await waitFor('the volume snapshot rotation', async () => {
      const current = await demo.snapshotsOf(bootVolume);
      return current.length === 2 ? current : undefined;
    }, CLOUD_POLL);
    expect(snapshots.map((snapshot) => snapshot.name).sort()).toEqual([`${prefix}daily-2`, `${prefix}daily-3`]);
    expect(snapshots.every((snapshot) => snapshot.status === 'available' && snapshot.metadata.sirocco_backup_of === volumeServer.id && snapshot.metadata.sirocco_backup_type === 'daily')).toBe(true);
    // the data volume attached besides the boot volume: the same, rotated on its own
    const dataSnapshots = await waitFor('the data volume snapshot rotation', async () => {
      const current = await demo.snapshotsOf(dataVolume);
      return current.length === 2 ? current : undefined;
    }, CLOUD_POLL);
    expect(dataSnapshots.map((snapshot) => [snapshot.name, snapshot.metadata.sirocco_backup_of]).sort()).toEqual([[`${prefix}daily-2`, volumeServer.id], [`${prefix}daily-3`, volumeServer.id]]);
    const last = smtp.mails.at(-1)!;
    expect(last.parsed.subject).toBe('VM backup done: 2 server(s)');
    expect(last.parsed.text).toMatch(new RegExp(`${volumeServer.name} \\(${volumeServer.id}\\): done - ${prefix}daily-3 .*Cinder snapshot of the boot volume ${bootVolume}.*rotation deleted ${prefix}daily-1`));

    const weekly = await run('backup', { include_instances: [imageServer.name], snapshot_name: `${prefix}weekly-snap`, snapshot_type: 'weekly', snapshot_rotation: 1 });
    succeeded(weekly);
    expect((await oursOf(imageServer.id, 'daily')).map((image) => image.name).sort()).toEqual([`${prefix}daily-2`, `${prefix}daily-3`]);
  });

  it('backs both servers up three times with rotation 2: Nova createBackup images, and real Cinder backups (full, then incremental) of the in-use boot volume', async () => {
    for (const round of [1, 2, 3]) {
      writeVolumeData(bootVolume, `backup-round-${round}`);
      writeVolumeData(dataVolume, `data-backup-round-${round}`);
      const execution = await run('backup', { include_instances: [imageServer.name, volumeServer.name], snapshot_name: `${prefix}weekly-${round}`, snapshot_incremental: false, snapshot_type: 'weekly', snapshot_rotation: 2 });
      succeeded(execution);
      expect(outcomes(execution)[volumeServer.name]!.done).toContain(`${round === 1 ? 'full' : 'incremental'} Cinder backup of the boot volume ${bootVolume}`);
    }
    const images = await waitFor('the image rotation', async () => {
      const current = (await oursOf(imageServer.id, 'weekly')).filter((image) => image.sirocco_backup_kind === 'backup');
      return current.length === 2 ? current : undefined;
    }, CLOUD_POLL);
    expect(images.map((image) => [image.name, image.image_type, image.backup_type]).sort()).toEqual([
      [`${prefix}weekly-2`, 'backup', 'weekly'],
      [`${prefix}weekly-3`, 'backup', 'weekly'],
    ]);
    // Cinder keeps the full backup while incremental ones depend on it: rotation leaves it
    const backups = await backupsOf(bootVolume);
    expect(backups.map((backup) => [backup.name, backup.is_incremental, backup.status])).toEqual([
      [`${prefix}weekly-1`, false, 'available'],
      [`${prefix}weekly-2`, true, 'available'],
      [`${prefix}weekly-3`, true, 'available'],
    ]);
    expect(backups[0]!.has_dependent_backups).toBe(true);
    expect(backups[0]!.metadata).toMatchObject({ sirocco_backup_of: volumeServer.id, sirocco_backup_type: 'weekly', sirocco_backup_kind: 'backup' });
    expect((await backupsOf(dataVolume)).map((backup) => [backup.name, backup.is_incremental])).toEqual([
      [`${prefix}weekly-1`, false],
      [`${prefix}weekly-2`, true],
      [`${prefix}weekly-3`, true],
    ]);
    expect((await demo.clients.volume.getVolume(bootVolume)).status).toBe('in-use'); // back from backing-up
  });

  it('restores both servers from a snapshot and from a backup: the image-booted one rebuilt, the boot volume re-imaged in place with the data it held, the data volume reverted / restored in place; then remove_backup', async () => {
    const cases: Array<{ incremental: boolean; name: string; what: string; data: string }> = [
      { incremental: true, name: `${prefix}daily-3`, what: 'Cinder snapshot', data: 'snapshot-round-3' },
      { incremental: false, name: `${prefix}weekly-2`, what: 'Cinder backup', data: 'backup-round-2' },
    ];
    for (const { incremental, name, what, data } of cases) {
      if (incremental) {
        // restore_in_place=false: only a new volume, holding the snapshot's data; the server untouched
        writeVolumeData(bootVolume, 'changed-after-the-backups');
        const copied = await run('restore', { include_instances: [volumeServer.name], snapshot_name: name, restore_in_place: false });
        succeeded(copied);
        expect(outcomes(copied)[volumeServer.name]!.done).toContain(`${what} ${name} (${outcomes(copied)[volumeServer.name]!.source_id}) restored into the new volume`);
        const [newVolume] = await demo.clients.volume.listVolumes({ name: `${volumeServer.name}-${name}` });
        expect([newVolume!.status, volumeData(newVolume!.id)]).toEqual(['available', data]);
        expect(volumeData(bootVolume)).toBe('changed-after-the-backups');
        await demo.clients.volume.deleteVolume(newVolume!.id);
      }
      writeVolumeData(bootVolume, 'changed-after-the-backups');
      writeVolumeData(dataVolume, 'data-changed-after-the-backups');
      const dataDevice = (await demo.clients.compute.listVolumeAttachments(volumeServer.id)).find((attachment) => attachment.volumeId === dataVolume)!.device;
      const restored = await run('restore', { include_instances: [imageServer.id, volumeServer.name], snapshot_name: name, snapshot_incremental: incremental });
      succeeded(restored);
      const byName = outcomes(restored);
      expect(byName[imageServer.name]!.done).toMatch(new RegExp(`^rebuilt from the Glance image ${name} .*stopped and started again \\(now ACTIVE\\)$`));
      expect(((await demo.waitForServer(imageServer.id)).image as { id: string }).id).toBe(byName[imageServer.name]!.source_id);
      expect(byName[volumeServer.name]!.done).toMatch(
        new RegExp(`^boot volume ${bootVolume} re-imaged in place from the ${what} ${name} \\(${byName[volumeServer.name]!.source_id}\\) .*microversion 2.93.*stopped and started again \\(now ACTIVE\\)$`),
      );
      // the same server on the same boot volume, holding what the volume held when that backup ran
      expect(volumeData(bootVolume)).toBe(data);
      const boot = await demo.clients.volume.getVolume(bootVolume);
      expect([boot.status, boot.attachments?.map((attachment) => attachment.server_id)]).toEqual(['in-use', [volumeServer.id]]);
      // the data volume reverted / restored in place, attached again to the same server on the same device
      expect(volumeData(dataVolume)).toBe(`data-${data}`);
      expect((await demo.clients.volume.getVolume(dataVolume)).attachments?.map((attachment) => [attachment.server_id, attachment.device])).toEqual([[volumeServer.id, dataDevice]]);
      const dataOutcome = (byName[volumeServer.name] as ServerOutcome & { data_volumes: Array<Record<string, unknown>> }).data_volumes;
      expect(dataOutcome).toEqual([expect.objectContaining({ volume_id: dataVolume, device: dataDevice, outcome: 'done' })]);
      expect(byName[volumeServer.name]!.done).toContain(`; data volumes: ${dataVolume} (${dataDevice}) ${incremental ? 'reverted to the Cinder snapshot' : 'restored from the Cinder backup'} ${name}`);
      expect((await demo.waitForServer(volumeServer.id)).status).toBe('ACTIVE');
      await waitFor('the temporary volume and image deleted', async () =>
        (await demo.clients.volume.listVolumes({ name: `${volumeServer.name}-${name}` })).length === 0 &&
        (await demo.clients.image.listImages({ filters: { name: `${volumeServer.name}-${name}-restore` } })).length === 0, CLOUD_POLL);
      expect((await mailOf(restored)).parsed.subject).toBe('VM restore done: 2 server(s)');

      const removed = await run('remove_backup', { include_instances: [imageServer.name, volumeServer.name], snapshot_name: name, snapshot_incremental: incremental });
      if (incremental) {
        succeeded(removed);
        expect(outcomes(removed)[volumeServer.name]!.done).toMatch(new RegExp(`^deleted the Cinder snapshot ${name}`));
        expect(outcomes(removed)[volumeServer.name]!.done).toContain('; and the snapshot of the data volumes: ');
        await waitFor('the snapshots deleted', async () =>
          !(await demo.snapshotsOf(bootVolume)).some((snapshot) => snapshot.name === name) && !(await demo.snapshotsOf(dataVolume)).some((snapshot) => snapshot.name === name), CLOUD_POLL);
      } else {
        // weekly-2 is the parent of weekly-3: Cinder refuses, and says why; the image backup goes
        expect(removed.state).toBe('ERROR');
        expect(outcomes(removed)[volumeServer.name]).toMatchObject({ outcome: 'failed', failed_step: 'delete_volume_backup' });
        expect(outcomes(removed)[volumeServer.name]!.error).toMatch(/Incremental backups exist for this backup/);
        expect((await mailOf(removed)).parsed.text).toContain(`${volumeServer.name} (${volumeServer.id}): FAILED at step delete_volume_backup`);
        const latest = await run('remove_backup', { include_instances: [volumeServer.name], snapshot_name: `${prefix}weekly-3`, snapshot_incremental: false });
        succeeded(latest);
        await waitFor('the latest backups deleted', async () =>
          !(await backupsOf(bootVolume)).some((backup) => backup.name === `${prefix}weekly-3`) && !(await backupsOf(dataVolume)).some((backup) => backup.name === `${prefix}weekly-3`), CLOUD_POLL);
      }
      expect(outcomes(removed)[imageServer.name]!.done).toMatch(new RegExp(`^deleted the Glance image ${name}`));
      expect((await oursOf(imageServer.id, incremental ? 'daily' : 'weekly')).some((image) => image.name === name)).toBe(false);
      for (const server of [imageServer, volumeServer]) expect((await demo.clients.compute.getServer(server.id)).status).toBe('ACTIVE');
    }
  });

  it('runs the thaw hook when the freeze hook fails, makes nothing, and the mail names the step', async () => {
    await client.createWorkflow(
      [
        "version: '2.0'",
        `${prefix.replace(/-/g, '_')}freeze:`,
        '  input: [server_id, server_name]',
        '  tasks:',
        '    fsfreeze:',
        '      action: std.fail error_data="fsfreeze failed, /data is not mounted"',
        `${prefix.replace(/-/g, '_')}thaw:`,
        '  input: [server_id, server_name]',
        '  output:',
        '    thawed: <% $.server_id %>',
        '  tasks:',
        '    fsthaw:',
        '      action: std.noop',
      ].join('\n'),
    );
    const freeze = `${prefix.replace(/-/g, '_')}freeze`;
    const thaw = `${prefix.replace(/-/g, '_')}thaw`;
    const snapshotsBefore = (await demo.snapshotsOf(bootVolume)).length;
    const execution = await run('backup', { include_instances: [volumeServer.name], snapshot_name: `${prefix}hooked`, freeze_workflow: freeze, thaw_workflow: thaw });
    expect(execution.state).toBe('ERROR');
    expect(outcomes(execution)[volumeServer.name]).toMatchObject({ outcome: 'failed', failed_step: `freeze (${freeze})` });
    const thaws = (await t.http.get(`/v2/executions?workflow_name=${thaw}`)).body.executions as Array<{ id: string }>;
    expect((await Promise.all(thaws.map((item) => client.get(item.id)))).map((item) => [item.state, item.output])).toEqual([['SUCCESS', { thawed: volumeServer.id }]]);
    const mail = await mailOf(execution);
    expect(mail.envelopeTo).toEqual(['ops@example.org']);
    expect(mail.parsed.subject).toBe('VM backup has failed for 1 of 1 server(s)');
    expect(mail.parsed.text).toContain(`${volumeServer.name} (${volumeServer.id}): FAILED at step freeze (${freeze}) - `);
    expect(mail.parsed.text).toContain("fsfreeze failed, /data is not mounted");
    expect(mail.parsed.text).toContain(`thaw (${thaw}) was run`);
    expect((await demo.snapshotsOf(bootVolume)).length).toBe(snapshotsBefore);
  });
});
