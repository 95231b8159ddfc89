import { ExecutionsClient, type ExecutionView } from '../support/executions-client';
import { osEnvironment, startFakeOpenStack, type FakeOpenStack } from '../support/fake-openstack/fake-openstack';
import { SmtpSink, type ReceivedMail } from '../support/smtp-sink';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * The scenarios of the three snapshot workflows, run by Sirocco in noauth mode against the
 * in-process fake cloud (real HTTP, the services' paths, bodies, status codes and async status
 * changes), with a real SMTP server receiving the reports. test/peers/openstack.peer-spec.ts runs
 * the same scenarios against real Keystone, Nova, Glance and Cinder.
 * `definitionsDir` holds the definitions under test: the shipped ones (definitions/) or their YAQL
 * versions (test/fixtures/yaql/), which Sirocco converts when it loads them. `more` adds tests that
 * run on the same service.
 */
export function describeSnapshotWorkflows(title: string, definitionsDir: string, more?: (app: () => TestApp) => void): void {
  describe(title, () => {
    let cloud: FakeOpenStack;
    let smtp: SmtpSink;
    let t: TestApp;
    let client: ExecutionsClient;
    let cirros: string;
    const fast = { poll_interval: 0.2, to_addr_success: 'owner@example.org', to_addr_error: 'ops@example.org; oncall@example.org' };
    const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, '');

    beforeAll(async () => {
      cloud = await startFakeOpenStack({ transitionMs: 20 });
      smtp = await new SmtpSink().start();
      t = await startTestApp({
        SIROCCO_DEFINITIONS_DIR: definitionsDir,
        SIROCCO_SMTP_URL: smtp.url,
        ...osEnvironment(cloud),
      });
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
    const mailsAbout = (text: string): ReceivedMail[] => smtp.mails.filter((mail) => (mail.parsed.subject ?? '').includes(text));
    const imageBooted = (name: string, metadata: Record<string, string> = {}) => cloud.createServer('demo', { name, imageRef: cirros, flavorRef: '1', metadata });
    const volumeBooted = async (name: string) => {
      const volume = await cloud.createVolume('demo', { size: 1, name: `${name}-root`, imageRef: cirros });
      const server = await cloud.createServer('demo', {
        name,
        flavorRef: '2',
        block_device_mapping_v2: [{ boot_index: 0, uuid: volume.id, source_type: 'volume', destination_type: 'volume', delete_on_termination: false }],
      });
      return { server, volume };
    };
    /** A volume-booted server with a data volume too, which Nova deletes with it when `deletedWithServer`. */
    const volumeBootedWithData = async (name: string, deletedWithServer: boolean) => {
      const root = await cloud.createVolume('demo', { size: 1, name: `${name}-root`, imageRef: cirros });
      const data = await cloud.createVolume('demo', { size: 1, name: `${name}-data` });
      const mapping = (id: unknown, bootIndex: number, deleteOnTermination: boolean) => ({
        boot_index: bootIndex, uuid: id, source_type: 'volume', destination_type: 'volume', delete_on_termination: deleteOnTermination,
      });
      const server = await cloud.createServer('demo', { name, flavorRef: '2', block_device_mapping_v2: [mapping(root.id, 0, false), mapping(data.id, -1, deletedWithServer)] });
      return { server, data };
    };
    const snapshotsOf = (serverId: unknown) => cloud.images('demo').filter((image) => image.instance_uuid === serverId);

    describe('instance_snapshot', () => {
      it('rotates the Glance snapshots of an image-booted server to the newest max_snapshots, leaving look-alikes alone', async () => {
        const server = await imageBooted('web1');
        const decoy = await cloud.createImage('demo', { name: 'web1_snapshot_manual-copy', disk_format: 'raw', container_format: 'bare' });
        const made: string[] = [];
        for (let round = 0; round < 3; round++) {
          const execution = await run('instance_snapshot', { instance: 'web1', max_snapshots: 2 });
          expect(execution.state).toBe('SUCCESS');
          made.push(String(execution.output.snapshot_id));
        }
        const remaining = snapshotsOf(server.id);
        expect(remaining.map((image) => image.id).sort()).toEqual(made.slice(1).sort());
        for (const image of remaining) {
          expect(image.status).toBe('active');
          expect(image.name).toMatch(/^web1_snapshot_\d{12}$/);
          expect(image.tags).toEqual(['sirocco-snapshot']);
          expect(image.sirocco_snapshot_of).toBe(server.id);
        }
        expect(cloud.images('demo').some((image) => image.id === decoy.id)).toBe(true);

        const reports = mailsAbout('Instance Snapshot created successfully: web1');
        expect(reports).toHaveLength(3);
        const last = reports.at(-1)!;
        expect(last.envelopeTo).toEqual(['owner@example.org']);
        expect(last.parsed.text).toContain(`of the instance web1 (${String(server.id)}) was created`);
        expect(last.parsed.text).toContain(made[2]);
        expect(last.parsed.text).toContain(`Rotation: the newest 2 snapshots are kept; deleted: web1_snapshot_`);
        expect(last.parsed.text).toContain(made[0]);
        expect(last.parsed.text).toMatch(/Execution: [0-9a-f-]{36}/);
      });

      it('stops the server for the snapshot and starts it again, finding it by id too', async () => {
        const server = await imageBooted('db1');
        const execution = await run('instance_snapshot', { instance: server.id, instance_stop: true });
        expect(execution.state).toBe('SUCCESS');
        expect(execution.output.snapshot_status).toBe('active');
        expect(cloud.servers('demo').find((candidate) => candidate.id === server.id)!.status).toBe('ACTIVE');
        const actions = cloud.requests.filter((request) => request.method === 'POST' && request.path.includes(`/servers/${String(server.id)}/action`));
        expect(actions.map((request) => request.status)).toEqual([202, 202, 202]); // os-stop, createImage, os-start
      });

      it('takes Cinder snapshots of the boot volume of a volume-booted server, with the same rotation', async () => {
        const { server, volume } = await volumeBooted('bfv1');
        const other = await cloud.createVolume('demo', { size: 1, name: 'unrelated' });
        void other;
        const made: string[] = [];
        for (let round = 0; round < 3; round++) {
          const execution = await run('instance_snapshot', { instance: 'bfv1', max_snapshots: 2 });
          expect(execution.state).toBe('SUCCESS');
          expect(execution.output.boot_kind).toBe('volume');
          made.push(String(execution.output.snapshot_id));
        }
        const snapshots = cloud.volumeSnapshots('demo').filter((snapshot) => snapshot.volume_id === volume.id && snapshot.status !== 'deleting');
        expect(snapshots.map((snapshot) => snapshot.id).sort()).toEqual(made.slice(1).sort());
        expect((snapshots[0]!.metadata as Record<string, string>).sirocco_snapshot_of).toBe(server.id);
        expect(snapshotsOf(server.id)).toHaveLength(0); // no Glance image for a volume-booted server
      });

      it('reports an unknown instance: the error mail names the step, the execution ends in ERROR', async () => {
        const execution = await run('instance_snapshot', { instance: 'no-such-vm' });
        expect(execution.state).toBe('ERROR');
        expect(execution.state_info).toBe('find_instance failed - no server is named no-such-vm or has that id in this project');
        const [mail] = mailsAbout('Instance Snapshot has failed: no-such-vm');
        expect(mail!.envelopeTo).toEqual(['ops@example.org', 'oncall@example.org']);
        expect(mail!.parsed.text).toContain('Failed step: find_instance');
        expect(mail!.parsed.text).toContain(`Execution: ${execution.id}`);
      });

      it("reports Glance refusing to delete an old snapshot with Glance's own message", async () => {
        await imageBooted('app1');
        expect((await run('instance_snapshot', { instance: 'app1', max_snapshots: 1 })).state).toBe('SUCCESS');
        cloud.injectFault({ service: 'image', method: 'DELETE', path: /^\/v2\/images\//, status: 403, body: { message: 'Image is protected and cannot be deleted.<br /><br />\n', code: '403 Forbidden', title: 'Forbidden' } });
        const execution = await run('instance_snapshot', { instance: 'app1', max_snapshots: 1 });
        expect(execution.state).toBe('ERROR');
        const [mail] = mailsAbout('Instance Snapshot has failed: app1');
        expect(mail!.parsed.text).toContain('Failed step: delete_images');
        expect(mail!.parsed.text).toContain('Glance: HTTP 403 on DELETE /images/');
        expect(mail!.parsed.text).toContain('Image is protected and cannot be deleted.');
      });

      it("reports an image snapshot whose image Glance shows as deleted (a failed snapshot's, before the 404)", async () => {
        await imageBooted('app2');
        // Glance marks the image deleted a moment before it stops answering for it
        cloud.injectFault({ service: 'image', method: 'GET', path: /^\/v2\/images\/[0-9a-f-]+$/, status: 200, body: { id: 'gone', status: 'deleted' } });
        const execution = await run('instance_snapshot', { instance: 'app2', wait: true });
        expect(execution.state).toBe('ERROR');
        expect(execution.output.failed_step).toBe('wait_image');
        const [mail] = mailsAbout('Instance Snapshot has failed: app2');
        expect(mail!.parsed.text).toContain('Error: the snapshot image is gone: Nova deletes the image of a snapshot that failed');
      });

      it('reports a volume snapshot that went to error, and starts the stopped server again', async () => {
        const { server } = await volumeBooted('bfv2');
        cloud.failNextSnapshot('volume');
        const execution = await run('instance_snapshot', { instance: 'bfv2', instance_stop: true, max_snapshots: 3 });
        expect(execution.state).toBe('ERROR');
        expect(execution.output.failed_step).toBe('wait_volume_snapshot');
        const [mail] = mailsAbout('Instance Snapshot has failed: bfv2');
        expect(mail!.parsed.text).toContain('Failed step: wait_volume_snapshot');
        expect(mail!.parsed.text).toMatch(/Error: the snapshot bfv2_snapshot_\d{12} went to status error/);
        expect(mail!.parsed.text).toContain('it was started again');
        expect(cloud.servers('demo').find((candidate) => candidate.id === server.id)!.status).toBe('ACTIVE');
      });
    });

    describe('restore_clone_snapshot', () => {
      it('boots a clone of an image-booted server from its dated snapshot, with the defaults of the source', async () => {
        const source = await imageBooted('src1', { role: 'web', 'landb-alias': 'src1-alias' });
        const snapshot = await run('instance_snapshot', { instance: 'src1' });
        const execution = await run('restore_clone_snapshot', { instance: 'src1', date: today(), clone_name: 'src1-clone', wait: true });
        expect(execution.state).toBe('SUCCESS');
        const clone = cloud.servers('demo').find((server) => server.name === 'src1-clone')!;
        expect(clone.status).toBe('ACTIVE');
        expect((clone.image as { id: string }).id).toBe(snapshot.output.snapshot_id);
        expect((clone.flavor as { original_name: string }).original_name).toBe('m1.tiny');
        expect(clone['OS-EXT-AZ:availability_zone']).toBe(source['OS-EXT-AZ:availability_zone']);
        expect(clone.metadata).toEqual({ role: 'web', 'landb-alias': 'src1-alias' });
        const [mail] = mailsAbout('The restore by cloning of the instance src1 onto the instance src1-clone has executed successfully');
        expect(mail!.parsed.text).toContain(String(snapshot.output.snapshot_name));
      });

      it('takes the flavor, zone and metadata given, and leaves out excluded keys', async () => {
        await imageBooted('src2', { role: 'db', 'landb-alias': 'x' });
        await run('instance_snapshot', { instance: 'src2' });
        const execution = await run('restore_clone_snapshot', {
          instance: 'src2', date: today(), clone_name: 'src2-clone', flavor: 'm1.small', avz_name: 'zone2', exclude_meta: ['landb-alias'], wait: true,
        });
        expect(execution.state).toBe('SUCCESS');
        const clone = cloud.servers('demo').find((server) => server.name === 'src2-clone')!;
        expect((clone.flavor as { original_name: string }).original_name).toBe('m1.small');
        expect(clone['OS-EXT-AZ:availability_zone']).toBe('zone2');
        expect(clone.metadata).toEqual({ role: 'db' });

        const bad = await run('restore_clone_snapshot', { instance: 'src2', date: today(), clone_name: 'src2-bad', avz_name: 'atlantis' });
        expect(bad.state).toBe('ERROR');
        expect(bad.state_info).toContain('check_zone failed - the availability zone atlantis does not exist');
      });

      it('clones a volume-booted server through a volume made of its snapshot', async () => {
        await volumeBooted('bfv3');
        const snapshot = await run('instance_snapshot', { instance: 'bfv3' });
        const execution = await run('restore_clone_snapshot', { instance: 'bfv3', date: today(), clone_name: 'bfv3-clone', meta: { cloned: 'yes' }, wait: true });
        expect(execution.state).toBe('SUCCESS');
        const volume = cloud.volumes('demo').find((candidate) => candidate.id === execution.output.clone_volume_id)!;
        expect(volume.snapshot_id).toBe(snapshot.output.snapshot_id);
        expect(volume.status).toBe('in-use');
        const clone = cloud.servers('demo').find((server) => server.name === 'bfv3-clone')!;
        expect(clone.image).toBe('');
        expect(clone.metadata).toEqual({ cloned: 'yes' });
        expect((clone['os-extended-volumes:volumes_attached'] as Array<{ id: string }>).map((attached) => attached.id)).toEqual([volume.id]);
      });

      it('takes only a snapshot named exactly by the pattern, passing over nameless and look-alike ones', async () => {
        const { volume } = await volumeBooted('bfv5');
        await cloud.createImage('demo', { name: null, disk_format: 'raw', container_format: 'bare' });
        const day = today();
        // made by hand, the same day, earlier than the nightly one: its name only starts like one
        const early = await fetchAsDemo('POST', `/volume/v3/${cloud.projectId('demo')}/snapshots`, { snapshot: { volume_id: volume.id, force: true, name: `bfv5_snapshot_${day}_before_upgrade` } });
        const nameless = await fetchAsDemo('POST', `/volume/v3/${cloud.projectId('demo')}/snapshots`, { snapshot: { volume_id: volume.id, force: true } });
        expect([early.status, nameless.status]).toEqual([202, 202]);
        for (const made of [early, nameless]) {
          const { snapshot } = (await made.json()) as { snapshot: { id: string } };
          await waitFor(`hand-made snapshot ${snapshot.id} available`, async () => {
            const shown = await fetchAsDemo('GET', `/volume/v3/${cloud.projectId('demo')}/snapshots/${snapshot.id}`);
            return ((await shown.json()) as { snapshot?: { status: string } }).snapshot?.status === 'available';
          });
        }
        const nightly = await run('instance_snapshot', { instance: 'bfv5' });
        const execution = await run('restore_clone_snapshot', { instance: 'bfv5', date: day, clone_name: 'bfv5-clone' });
        expect(execution.state).toBe('SUCCESS');
        expect(execution.output.snapshot_id).toBe(nightly.output.snapshot_id);
      });

      it('fails with a clear message when no snapshot has that date', async () => {
        await imageBooted('src3');
        const execution = await run('restore_clone_snapshot', { instance: 'src3', date: '19990101', clone_name: 'never' });
        expect(execution.state).toBe('ERROR');
        expect(execution.state_info).toBe('find_snapshot failed - no snapshot of src3 is named after {0}_snapshot_{1} for the date 19990101');
        expect(mailsAbout('onto the instance never has failed')).toHaveLength(1);
      });
    });

    /** A call to the fake cloud as demo, over HTTP. */
    const fetchAsDemo = async (method: string, path: string, body?: unknown) =>
      fetch(`${cloud.authUrl.replace(/\/identity\/v3$/, '')}${path}`, {
        method,
        headers: { 'X-Auth-Token': cloud.tokenFor('demo'), 'Content-Type': 'application/json', Accept: 'application/json', 'OpenStack-API-Version': 'volume 3.60' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    describe('restore_inplace_snapshot', () => {
      it('rebuilds an image-booted server from its snapshot, keeping its id', async () => {
        const server = await imageBooted('web9');
        const snapshot = await run('instance_snapshot', { instance: 'web9' });
        const execution = await run('restore_inplace_snapshot', { instance: 'web9', date: today(), wait: true });
        expect(execution.state).toBe('SUCCESS');
        expect(execution.output.server_id).toBe(server.id);
        const rebuilt = cloud.servers('demo').find((candidate) => candidate.id === server.id)!;
        expect(rebuilt.status).toBe('ACTIVE');
        expect((rebuilt.image as { id: string }).id).toBe(snapshot.output.snapshot_id);
        expect(mailsAbout('The machine web9 has been restored successfully')).toHaveLength(1);
      });

      it('re-creates a volume-booted server under the same name on a volume made of its snapshot', async () => {
        const { server, volume } = await volumeBooted('bfv9');
        const snapshot = await run('instance_snapshot', { instance: 'bfv9' });
        const execution = await run('restore_inplace_snapshot', { instance: 'bfv9', date: today(), wait: true });
        expect(execution.state).toBe('SUCCESS');
        const servers = cloud.servers('demo').filter((candidate) => candidate.name === 'bfv9');
        expect(servers).toHaveLength(1);
        expect(servers[0]!.id).not.toBe(server.id);
        expect(servers[0]!.status).toBe('ACTIVE');
        const restoredVolume = cloud.volumes('demo').find((candidate) => candidate.id === execution.output.restored_volume_id)!;
        expect(restoredVolume.snapshot_id).toBe(snapshot.output.snapshot_id);
        expect((servers[0]!['os-extended-volumes:volumes_attached'] as Array<{ id: string }>).map((attached) => attached.id)).toEqual([restoredVolume.id]);
        expect(cloud.volumes('demo').find((candidate) => candidate.id === volume.id)!.status).toBe('available'); // the old root volume is kept
      });

      it("attaches a volume-booted server's data volumes to it again, and refuses when Nova would delete one with the server", async () => {
        const { server, data } = await volumeBootedWithData('bfv10', false);
        await run('instance_snapshot', { instance: 'bfv10' });
        const execution = await run('restore_inplace_snapshot', { instance: 'bfv10', date: today(), wait: true });
        expect(execution.state).toBe('SUCCESS');
        const [restored] = cloud.servers('demo').filter((candidate) => candidate.name === 'bfv10');
        expect(restored!.id).not.toBe(server.id);
        const attached = (restored!['os-extended-volumes:volumes_attached'] as Array<{ id: string }>).map((volume) => volume.id);
        expect(attached).toEqual([execution.output.restored_volume_id, data.id]);
        const [mail] = mailsAbout('The machine bfv10 has been restored successfully');
        expect(mail!.parsed.text).toContain(`Its data volumes are attached again: ${String(data.id)}.`);

        const { server: doomed, data: scratch } = await volumeBootedWithData('bfv11', true);
        await run('instance_snapshot', { instance: 'bfv11' });
        const refused = await run('restore_inplace_snapshot', { instance: 'bfv11', date: today() });
        expect(refused.state).toBe('ERROR');
        expect(refused.state_info).toBe(`check_volumes failed - the server has data volumes that Nova deletes with it (delete_on_termination) - ${String(scratch.id)}; the server was not touched`);
        expect(cloud.servers('demo').find((candidate) => candidate.id === doomed.id)!.status).toBe('ACTIVE');
      });
    });

    more?.(() => t);
  });
}
