import { KeystoneClient } from '../../src/identity/keystone/keystone-client';
import { ExecutionsClient, type ExecutionView } from '../support/executions-client';
import { OsloBus } from '../support/oslo-bus';
import { CLOUD_POLL, readEnvFile, RealCloudUser } from '../support/real-openstack';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * Event triggers on the real Nova of scripts/openstack-dev.sh, which sends its notifications
 * (unversioned, oslo's v2 envelope) to exchange `nova`, topic `notifications` of its RabbitMQ
 * vhost. Sirocco runs in keystone mode: the trigger holds a trust of the demo user, and a
 * notification fires it only when it comes from the demo project.
 */
describe('event triggers on real Nova notifications', () => {
  const keystoneEnv = readEnvFile('keystone.env');
  const bus = readEnvFile('notifications.env');
  const run = Date.now().toString(36);
  const prefix = `t${run}-`;
  const demo = new RealCloudUser('demo', keystoneEnv.KEYSTONE_DEMO_PASSWORD ?? 'demo-pass', 'demo', prefix);
  const alt = new RealCloudUser('alt', keystoneEnv.KEYSTONE_ALT_PASSWORD ?? 'alt-pass', 'alt', prefix);
  const pool = `sirocco-peer-${run}`;
  const workflowName = `backup_on_create_${run}`;
  let k: TestApp;
  let token: string;
  let demoUserId: string;
  const keystone = new KeystoneClient(keystoneEnv.SIROCCO_KEYSTONE_URL!);
  const demoTrusts = async () => (await keystone.listTrusts(token, { trustorUserId: demoUserId })).map((trust) => trust.id);
  let executions: ExecutionsClient;

  beforeAll(async () => {
    const siroccoSettings = Object.fromEntries(Object.entries(keystoneEnv).filter(([key]) => key.startsWith('SIROCCO_')));
    k = await startTestApp({
      ...siroccoSettings,
      SIROCCO_AUTH: 'keystone',
      SIROCCO_NOTIFICATIONS_URL: bus.SIROCCO_NOTIFICATIONS_URL!,
      SIROCCO_NOTIFICATIONS_POOL: pool,
    });
    const login = await keystone.passwordAuth({ username: 'demo', password: keystoneEnv.KEYSTONE_DEMO_PASSWORD ?? 'demo-pass', project: 'demo', userDomain: 'default', projectDomain: 'default' });
    token = login.token;
    demoUserId = login.user.id;
    executions = new ExecutionsClient(wrapWithToken(k, () => token));
  });
  afterAll(async () => {
    await k?.close();
    await demo.cleanUp();
    await alt.cleanUp();
    const cleaner = await new OsloBus(bus.SIROCCO_NOTIFICATIONS_URL).open();
    await cleaner.deleteQueuesAndExchange([`${pool}.nova.notifications`]);
    await cleaner.close();
  }, 300_000);

  /** The finished run the create.end of `serverId` started. */
  async function runFor(serverId: string): Promise<ExecutionView> {
    return waitFor(`the run of ${workflowName} for server ${serverId}`, async () => {
      const listed = await k.http.get('/v2/executions').set('X-Auth-Token', token).query({ workflow_name: workflowName, limit: 1000 }).expect(200);
      for (const summary of listed.body.executions as Array<{ id: string; state: string }>) {
        if (!['SUCCESS', 'ERROR'].includes(summary.state)) continue;
        const execution = await executions.get(summary.id);
        if (execution.output?.server_id === serverId) return execution;
      }
      return undefined;
    }, { ...CLOUD_POLL, timeoutMs: 120_000 });
  }

  it("creating a server with metadata backup starts a workflow that snapshots it; one without starts a run that does nothing; another project's server starts none; the trigger's trust goes with it", async () => {
    const definition = `
version: '2.0'
${workflowName}:
  output:
    server_id: <% $.__event.payload.instance_id %>
    event_type: <% $execution().params.event_params.event_type %>
    image_id: <% $.image_id %>
  tasks:
    decide:
      action: std.noop
      on-complete:
        - snapshot: <% $exists($.__event.payload.metadata.backup) %>
    snapshot:
      action: nova.servers_create_image
      input:
        server: <% $.__event.payload.instance_id %>
        image_name: <% $.__event.payload.display_name & '-backup' %>
      publish:
        image_id: <% $task().result %>
`;
    const trustsBefore = await demoTrusts();
    const workflow = await k.http.post('/v2/workflows').set('X-Auth-Token', token).set('Content-Type', 'text/plain').send(definition).expect(201);
    const trigger = await k.http
      .post('/v2/event_triggers')
      .set('X-Auth-Token', token)
      .send({ name: `backup_${run}`, workflow_id: workflow.body.workflows[0].id, exchange: 'nova', topic: 'notifications', event: 'compute.instance.create.end' })
      .expect(201);
    expect(trigger.body).toMatchObject({ exchange: 'nova', topic: 'notifications', event: 'compute.instance.create.end', project_id: await demo.projectId() });
    // the trigger holds a trust of its creator, as a cron trigger does (a new one of demo's)
    const { Client } = await import('pg');
    const db = new Client({ connectionString: k.databaseUrl });
    await db.connect();
    const stored = await db.query<{ trust_id: string }>('SELECT trust_id FROM trigger_trusts WHERE trigger_id = $1', [trigger.body.id]);
    await db.end();
    const trustOfTrigger = stored.rows[0]!.trust_id;
    expect(trustsBefore).not.toContain(trustOfTrigger);
    expect(await demoTrusts()).toContain(trustOfTrigger);
    // a public trigger would see every project's servers: Mistral keeps that to admins
    const publicized = await k.http.put(`/v2/event_triggers/${trigger.body.id}`).set('X-Auth-Token', token).send({ scope: 'public' }).expect(403);
    expect(publicized.body.faultstring).toBe("Policy doesn't allow event_triggers:publicize to be performed.");

    // another project's server: its notification is not the demo trigger's (queued before demo's)
    const elsewhere = await alt.bootFromImage('evt-alt', { backup: 'true' });
    const [backedUp, plain] = await Promise.all([demo.bootFromImage('evt-backup', { backup: 'true' }), demo.bootFromImage('evt-plain')]);

    const backupRun = await runFor(backedUp.id);
    expect(backupRun.state).toBe('SUCCESS');
    expect(backupRun.output.event_type).toBe('compute.instance.create.end');
    const image = await demo.clients.image.getImage(String(backupRun.output.image_id));
    // made through the trigger's trust: the image is the demo project's, of that server
    expect(image.instance_uuid).toBe(backedUp.id);
    expect(image.owner).toBe(await demo.projectId());
    expect(image.name).toBe(`${backedUp.name}-backup`);

    const plainRun = await runFor(plain.id);
    expect(plainRun.state).toBe('SUCCESS');
    expect(plainRun.output.image_id ?? null).toBeNull();
    expect(await demo.imagesOf(plain.id)).toEqual([]);
    // one run per server: Nova's notification started the workflow once
    const listed = await k.http.get('/v2/executions').set('X-Auth-Token', token).query({ workflow_name: workflowName, limit: 1000 }).expect(200);
    const ours = await Promise.all((listed.body.executions as Array<{ id: string }>).map((execution) => executions.get(execution.id)));
    expect(ours.filter((execution) => execution.output?.server_id === backedUp.id)).toHaveLength(1);
    expect(ours.filter((execution) => execution.output?.server_id === elsewhere.id)).toHaveLength(0);
    expect(await alt.imagesOf(elsewhere.id)).toEqual([]);

    await k.http.delete(`/v2/event_triggers/${trigger.body.id}`).set('X-Auth-Token', token).expect(204);
    // its runs have ended: the sweep deletes the trust
    const { TrustSweeper } = await import('../../src/identity/trusts/trust-sweeper');
    await k.app.get(TrustSweeper).sweep();
    expect(await demoTrusts()).not.toContain(trustOfTrigger);
  });
});

/** A supertest agent whose every request carries the token (what ExecutionsClient takes). */
function wrapWithToken(app: TestApp, token: () => string): TestApp['http'] {
  return new Proxy(app.http, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || !['get', 'post', 'put', 'delete', 'patch'].includes(String(property))) return value;
      return (...args: unknown[]) => (value as (...a: unknown[]) => { set(name: string, value: string): unknown }).apply(target, args).set('X-Auth-Token', token());
    },
  });
}
