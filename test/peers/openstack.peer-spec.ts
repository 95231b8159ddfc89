import * as path from 'node:path';
import { KeystoneClient } from '../../src/identity/keystone/keystone-client';
import { ExecutionsClient, type ExecutionView } from '../support/executions-client';
import { CLOUD_POLL, OPENSTACK_DIR, readEnvFile, RealCloudUser } from '../support/real-openstack';
import { waitFor } from '../support/wait-for';
import { SmtpSink, type ReceivedMail } from '../support/smtp-sink';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The shipped snapshot workflows on real OpenStack services: Keystone, Glance (file store), Nova
 * (fake virt driver), Cinder (fake back end), as scripts/openstack-dev.sh installs and starts
 * them. Sirocco runs in noauth mode on the cloud `demo` of the script's clouds.yaml, and in
 * keystone mode for the cron trigger; reports go to a real SMTP server.
 */
describe('snapshot workflows on real OpenStack services', () => {
  const keystoneEnv = readEnvFile('keystone.env');
  const prefix = `t${Date.now().toString(36)}-`;
  const demo = new RealCloudUser('demo', keystoneEnv.KEYSTONE_DEMO_PASSWORD ?? 'demo-pass', 'demo', prefix);
  let smtp: SmtpSink;
  let t: TestApp;
  let client: ExecutionsClient;
  const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const mailsAbout = (text: string): ReceivedMail[] => smtp.mails.filter((mail) => (mail.parsed.subject ?? '').includes(text));
  const reports = { poll_interval: 1, to_addr_success: 'owner@example.org', to_addr_error: 'ops@example.org' };
  const run = async (workflow: string, input: Record<string, unknown>): Promise<ExecutionView> =>
    client.waitFor(await client.start(workflow, { ...reports, ...input }), undefined, 180_000);
  const name = (short: string) => `${prefix}${short}`;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await startTestApp({
      SIROCCO_DEFINITIONS_DIR: path.resolve(__dirname, '../../definitions'),
      SIROCCO_SMTP_URL: smtp.url,
      OS_CLOUD: 'demo',
      OS_CLIENT_CONFIG_FILE: `${OPENSTACK_DIR}/clouds.yaml`,
    });
    client = new ExecutionsClient(t.http);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    await demo.cleanUp();
  }, 300_000);

  describe('instance_snapshot', () => {
    it('keeps the newest 2 of 3 Glance snapshots of an image-booted server, leaves a look-alike alone, and starts a stopped server again', async () => {
      const server = await demo.bootFromImage('web1');
      const decoy = await demo.clients.image.createImage({ name: `${server.name}_snapshot_202001010000`, disk_format: 'raw', container_format: 'bare', instance_uuid: server.id });
      const made: string[] = [];
      for (const round of [1, 2, 3]) {
        const execution = await run('instance_snapshot', { instance: server.name, max_snapshots: 2, instance_stop: round === 1 });
        expect(execution.state).toBe('SUCCESS');
        expect(execution.output.snapshot_status).toBe('active');
        made.push(String(execution.output.snapshot_id));
      }
      const images = await demo.imagesOf(server.id);
      const ours = images.filter((image) => image.tags?.includes('sirocco-snapshot'));
      expect(ours.map((image) => image.id).sort()).toEqual(made.slice(1).sort());
      expect(ours.every((image) => image.status === 'active' && image.owner === images[0]!.owner)).toBe(true);
      expect(images.some((image) => image.id === decoy.id)).toBe(true); // same instance_uuid and a matching name, not ours
      expect((await demo.clients.compute.getServer(server.id)).status).toBe('ACTIVE'); // stopped for round 1, running again

      const successes = mailsAbout(`Instance Snapshot created successfully: ${server.name}`);
      expect(successes).toHaveLength(3);
      expect(successes[0]!.parsed.text).toContain('The instance was stopped for the snapshot and is running again.');
      expect(successes[2]!.parsed.text).toContain(made[0]); // the one rotation deleted
      expect(successes[2]!.parsed.text).toMatch(/Execution: [0-9a-f-]{36}/);
    });

    it('keeps the newest 2 of 3 Cinder snapshots of the boot volume of a volume-booted server', async () => {
      const { server, volume } = await demo.bootFromVolume('bfv1');
      const made: string[] = [];
      for (let round = 0; round < 3; round++) {
        const execution = await run('instance_snapshot', { instance: server.name, max_snapshots: 2 });
        expect(execution.state).toBe('SUCCESS');
        expect(execution.output.boot_kind).toBe('volume');
        made.push(String(execution.output.snapshot_id));
      }
      const snapshots = await waitFor('rotation of the volume snapshots', async () => {
        const current = await demo.snapshotsOf(volume.id);
        return current.length === 2 ? current : undefined;
      }, CLOUD_POLL);
      expect(snapshots.map((snapshot) => snapshot.id).sort()).toEqual(made.slice(1).sort());
      expect(snapshots.every((snapshot) => snapshot.metadata.sirocco_snapshot_of === server.id && snapshot.status === 'available')).toBe(true);
      expect(mailsAbout(`Instance Snapshot created successfully: ${server.name}`)).toHaveLength(3);
    });
  });

  describe('restore_clone_snapshot', () => {
    it('clones an image-booted server from its dated snapshot, with the defaults and with overrides', async () => {
      const source = await demo.bootFromImage('src1', { role: 'web', 'landb-alias': 'src1' });
      const snapshot = await run('instance_snapshot', { instance: source.name });
      expect(snapshot.state).toBe('SUCCESS');

      const plain = await run('restore_clone_snapshot', { instance: source.name, date: today(), clone_name: name('src1-a'), wait: true });
      expect(plain.state).toBe('SUCCESS');
      const [cloneA] = await demo.serverNamed('src1-a');
      expect(cloneA!.status).toBe('ACTIVE');
      expect((cloneA!.image as { id: string }).id).toBe(snapshot.output.snapshot_id);
      expect(cloneA!.flavor.original_name).toBe(source.flavor.original_name);
      expect(cloneA!['OS-EXT-AZ:availability_zone']).toBe(source['OS-EXT-AZ:availability_zone']);
      expect(cloneA!.metadata).toEqual({ role: 'web', 'landb-alias': 'src1' });

      const custom = await run('restore_clone_snapshot', {
        instance: source.id, date: today(), clone_name: name('src1-b'), flavor: 'm1.small', avz_name: 'nova', meta: { role: 'test-copy' }, wait: true,
      });
      expect(custom.state).toBe('SUCCESS');
      const [cloneB] = await demo.serverNamed('src1-b');
      expect(cloneB!.flavor.original_name).toBe('m1.small');
      expect(cloneB!.metadata).toEqual({ role: 'test-copy' });
      expect(mailsAbout(`onto the instance ${name('src1-b')} has executed successfully`)).toHaveLength(1);
    });

    it('clones a volume-booted server through a new volume made of its snapshot, with a flavor given by id and the source metadata less excluded keys', async () => {
      const { server } = await demo.bootFromVolume('bfv2', { role: 'db', 'landb-alias': 'bfv2' });
      const snapshot = await run('instance_snapshot', { instance: server.name });
      const execution = await run('restore_clone_snapshot', {
        instance: server.name, date: today(), clone_name: name('bfv2-c'), exclude_meta: ['landb-alias'], flavor: demo.settings.OPENSTACK_SMALL_FLAVOR_ID, avz_name: 'nova', wait: true,
      });
      expect(execution.state).toBe('SUCCESS');
      const [clone] = await demo.serverNamed('bfv2-c');
      expect(clone!.status).toBe('ACTIVE');
      expect(clone!.flavor.original_name).toBe('m1.small'); // the flavor given by id
      expect(clone!['OS-EXT-AZ:availability_zone']).toBe('nova');
      expect(clone!.image).toBe('');
      expect(clone!.metadata).toEqual({ role: 'db' });
      const volume = await demo.clients.volume.getVolume(String(execution.output.clone_volume_id));
      expect(volume.snapshot_id).toBe(snapshot.output.snapshot_id);
      expect(volume.attachments?.map((attachment) => attachment.server_id)).toEqual([clone!.id]);
    });
  });

  describe('restore_inplace_snapshot', () => {
    it('rebuilds an image-booted server from its snapshot: same id', async () => {
      const server = await demo.bootFromImage('web2');
      const snapshot = await run('instance_snapshot', { instance: server.name });
      const execution = await run('restore_inplace_snapshot', { instance: server.name, date: today(), wait: true });
      expect(execution.state).toBe('SUCCESS');
      const rebuilt = await demo.clients.compute.getServer(server.id);
      expect(rebuilt.status).toBe('ACTIVE');
      expect((rebuilt.image as { id: string }).id).toBe(snapshot.output.snapshot_id);
      expect(mailsAbout(`The machine ${server.name} has been restored successfully`)).toHaveLength(1);
    });

    it('re-creates a volume-booted server under the same name on a volume made of its snapshot, with its data volume', async () => {
      const { server, volume, data } = await demo.bootFromVolume('bfv3', { role: 'app' }, true);
      const snapshot = await run('instance_snapshot', { instance: server.name });
      const execution = await run('restore_inplace_snapshot', { instance: server.name, date: today(), wait: true });
      expect(execution.state).toBe('SUCCESS');
      const servers = await demo.serverNamed('bfv3');
      expect(servers).toHaveLength(1);
      expect(servers[0]!.id).not.toBe(server.id);
      expect(servers[0]!.status).toBe('ACTIVE');
      expect(servers[0]!.metadata).toEqual({ role: 'app' });
      expect(servers[0]!.flavor.original_name).toBe(server.flavor.original_name);
      const restored = await demo.clients.volume.getVolume(String(execution.output.restored_volume_id));
      expect(restored.snapshot_id).toBe(snapshot.output.snapshot_id);
      expect(restored.attachments?.map((attachment) => attachment.server_id)).toEqual([servers[0]!.id]);
      expect((await demo.clients.volume.getVolume(data!.id)).attachments?.map((attachment) => attachment.server_id)).toEqual([servers[0]!.id]);
      expect((await demo.clients.volume.getVolume(volume.id)).status).toBe('available'); // the old boot volume is kept
    });
  });

  describe('failures', () => {
    it('reports an unknown instance: the mail names the step, the execution ends in ERROR', async () => {
      const execution = await run('instance_snapshot', { instance: name('nowhere') });
      expect(execution.state).toBe('ERROR');
      expect(execution.state_info).toBe(`find_instance failed - no server is named ${name('nowhere')} or has that id in this project`);
      const [mail] = mailsAbout(`Instance Snapshot has failed: ${name('nowhere')}`);
      expect(mail!.parsed.text).toContain('Failed step: find_instance');
      expect(mail!.parsed.text).toContain(`Execution: ${execution.id}`);
    });

    it('reports Glance refusing to delete a protected old snapshot, with Glance\'s message', async () => {
      const server = await demo.bootFromImage('web3');
      const first = await run('instance_snapshot', { instance: server.name, max_snapshots: 1 });
      await demo.clients.image.updateImage(String(first.output.snapshot_id), { protected: true });
      const execution = await run('instance_snapshot', { instance: server.name, max_snapshots: 1 });
      expect(execution.state).toBe('ERROR');
      const [mail] = mailsAbout(`Instance Snapshot has failed: ${server.name}`);
      expect(mail!.parsed.text).toContain('Failed step: delete_images');
      expect(mail!.parsed.text).toMatch(/Error: Glance: HTTP 403 on DELETE \/images\/[0-9a-f-]+: Image [0-9a-f-]+ is protected and cannot be deleted/);
      expect(execution.output.snapshot_name).toMatch(new RegExp(`^${server.name}_snapshot_\\d{12}$`));
      expect(mail!.parsed.text).toContain(`Snapshot: ${String(execution.output.snapshot_name)}`);
    });

    it('reports an image snapshot that failed, and starts the stopped server again', async () => {
      // the test cloud's compute driver fails snapshots whose name says so (scripts/openstack/)
      const server = await demo.bootFromImage('web4');
      const execution = await run('instance_snapshot', { instance: server.name, pattern: '{0}_sirocco-fail-snapshot_{1}', instance_stop: true });
      expect(execution.state).toBe('ERROR');
      expect(execution.output.failed_step).toBe('wait_image');
      const [mail] = mailsAbout(`Instance Snapshot has failed: ${server.name}`);
      expect(mail!.parsed.text).toContain('Failed step: wait_image');
      expect(mail!.parsed.text).toContain('Error: the snapshot image is gone: Nova deletes the image of a snapshot that failed');
      expect(mail!.parsed.text).toContain('The instance had been stopped for the snapshot; it was started again.');
      expect((await demo.waitForServer(server.id)).status).toBe('ACTIVE');
    });

    it('reports a volume snapshot that went to error', async () => {
      // the test cloud's volume driver fails snapshots whose name says so (scripts/openstack/)
      const { server } = await demo.bootFromVolume('bfv4');
      const execution = await run('instance_snapshot', { instance: server.name, pattern: '{0}_sirocco-fail-snapshot_{1}', instance_stop: true, max_snapshots: 1 });
      expect(execution.state).toBe('ERROR');
      const [mail] = mailsAbout(`Instance Snapshot has failed: ${server.name}`);
      expect(mail!.parsed.text).toContain('Failed step: wait_volume_snapshot');
      expect(mail!.parsed.text).toMatch(/Error: the snapshot \S+_sirocco-fail-snapshot_\d{12} went to status error/);
      expect((await demo.waitForServer(server.id)).status).toBe('ACTIVE');
    });
  });

  describe('a cron trigger in keystone mode', () => {
    let k: TestApp;

    beforeAll(async () => {
      const siroccoSettings = Object.fromEntries(Object.entries(keystoneEnv).filter(([key]) => key.startsWith('SIROCCO_')));
      k = await startTestApp({ ...siroccoSettings, SIROCCO_AUTH: 'keystone', SIROCCO_SMTP_URL: smtp.url, SIROCCO_DEFINITIONS_DIR: path.resolve(__dirname, '../../definitions') });
    });
    afterAll(async () => {
      await k?.close();
    });

    it("snapshots the demo project's server through the trust of a demo member: the image belongs to demo", async () => {
      const server = await demo.bootFromImage('cron1');
      const keystone = new KeystoneClient(keystoneEnv.SIROCCO_KEYSTONE_URL!);
      const token = await keystone.passwordAuth({ username: 'demo', password: keystoneEnv.KEYSTONE_DEMO_PASSWORD ?? 'demo-pass', project: 'demo', userDomain: 'default', projectDomain: 'default' });
      const created = await k.http
        .post('/v2/cron_triggers')
        .set('X-Auth-Token', token.token)
        .send({
          name: name('nightly'),
          workflow_name: 'instance_snapshot',
          workflow_input: { instance: server.name, max_snapshots: 2, poll_interval: 1, to_addr_success: 'owner@example.org', to_addr_error: 'ops@example.org' },
          pattern: '* * * * *',
          remaining_executions: 1,
        })
        .expect(201);
      expect(created.body.trust_status ?? 'ok').not.toBe('broken');

      const firing = await waitFor('the trigger firing', async () => {
        const firings = await k.http.get(`/v2/cron_triggers/${name('nightly')}/firings`).set('X-Auth-Token', token.token).expect(200);
        return firings.body.firings?.[0]?.execution_id ? firings.body.firings[0] : undefined;
      }, { ...CLOUD_POLL, timeoutMs: 90_000 });
      expect(firing.outcome).toBe('started');
      const executions = new ExecutionsClient(wrapWithToken(k, token.token));
      const execution = await executions.waitFor(firing.execution_id, undefined, 120_000);
      expect(execution.state).toBe('SUCCESS');

      const image = await demo.clients.image.getImage(String(execution.output.snapshot_id));
      expect(image.owner).toBe(await demo.projectId());
      expect(image.status).toBe('active');
      expect(image.instance_uuid).toBe(server.id);
      expect(mailsAbout(`Instance Snapshot created successfully: ${server.name}`)).toHaveLength(1);
    });

    it("runs a workflow started through the API as its caller, through a trust released after the run", async () => {
      const server = await demo.bootFromImage('ondemand1');
      const snapshot = await run('instance_snapshot', { instance: server.name });
      const keystone = new KeystoneClient(keystoneEnv.SIROCCO_KEYSTONE_URL!);
      const token = await keystone.passwordAuth({ username: 'demo', password: keystoneEnv.KEYSTONE_DEMO_PASSWORD ?? 'demo-pass', project: 'demo', userDomain: 'default', projectDomain: 'default' });
      const trustsBefore = (await keystone.listTrusts(token.token, { trustorUserId: token.user.id })).map((trust) => trust.id);

      const executions = new ExecutionsClient(wrapWithToken(k, token.token));
      const execution = await executions.waitFor(
        await executions.start('restore_inplace_snapshot', { instance: server.name, date: today(), wait: true, poll_interval: 1 }),
        undefined,
        120_000,
      );
      expect(execution.state).toBe('SUCCESS');
      const rebuilt = await demo.clients.compute.getServer(server.id);
      expect((rebuilt.image as { id: string }).id).toBe(snapshot.output.snapshot_id);
      const created = (await keystone.listTrusts(token.token, { trustorUserId: token.user.id })).filter((trust) => !trustsBefore.includes(trust.id));
      expect(created).toHaveLength(1); // the run's trust: demo's roles in demo's project, to Sirocco's service user
      expect(created[0]!.impersonation).toBe(true);

      // an hour after the run ended, the trust goes
      const { Client } = await import('pg');
      const db = new Client({ connectionString: k.databaseUrl });
      await db.connect();
      await db.query(`UPDATE workflow_executions SET updated_at = now() - interval '2 hours' WHERE id = $1`, [execution.id]);
      await db.end();
      const { TrustSweeper } = await import('../../src/identity/trusts/trust-sweeper');
      await k.app.get(TrustSweeper).sweep();
      const after = (await keystone.listTrusts(token.token, { trustorUserId: token.user.id })).map((trust) => trust.id);
      expect(after).not.toContain(created[0]!.id);
    });

    it("runs a single OpenStack action with its caller's token, in the caller's project only", async () => {
      const server = await demo.bootFromImage('ondemand2');
      const keystone = new KeystoneClient(keystoneEnv.SIROCCO_KEYSTONE_URL!);
      const login = (user: string, password: string) => keystone.passwordAuth({ username: user, password, project: user, userDomain: 'default', projectDomain: 'default' });
      const demoToken = await login('demo', keystoneEnv.KEYSTONE_DEMO_PASSWORD ?? 'demo-pass');
      const altToken = await login('alt', keystoneEnv.KEYSTONE_ALT_PASSWORD ?? 'alt-pass');
      const asDemo = await k.http.post('/v2/action_executions').set('X-Auth-Token', demoToken.token).send({ name: 'nova.servers_get', input: { server: server.id } }).expect(201);
      expect(asDemo.body.state).toBe('SUCCESS');
      expect(JSON.parse(asDemo.body.output).result).toMatchObject({ id: server.id, name: server.name });
      const asAlt = await k.http.post('/v2/action_executions').set('X-Auth-Token', altToken.token).send({ name: 'nova.servers_get', input: { server: server.id } }).expect(201);
      expect(asAlt.body.state).toBe('ERROR');
      expect(JSON.parse(asAlt.body.output).result).toMatchObject({ status: 404, service: 'Nova' });
      expect(JSON.stringify(asAlt.body)).not.toContain(altToken.token);
    });
  });
});

/** A supertest agent whose every request carries the token (what ExecutionsClient takes). */
function wrapWithToken(app: TestApp, token: string): TestApp['http'] {
  return new Proxy(app.http, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || !['get', 'post', 'put', 'delete', 'patch'].includes(String(property))) return value;
      return (...args: unknown[]) => (value as (...a: unknown[]) => { set(name: string, value: string): unknown }).apply(target, args).set('X-Auth-Token', token);
    },
  });
}
