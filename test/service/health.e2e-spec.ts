import { Client } from 'pg';
import { startTestApp, useTestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

async function withDatabase<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('health probes', () => {
  const t = useTestApp();

  it('GET /healthz and GET /readyz answer 200 when the database is there and migrated', async () => {
    expect((await t.http.get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    expect((await t.http.get('/readyz').expect(200)).body).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 503 naming a migration that is not applied', async () => {
    const [removed] = await withDatabase(t.databaseUrl, async (client) =>
      (await client.query(`DELETE FROM schema_migrations WHERE id = (SELECT max(id) FROM schema_migrations) RETURNING *`)).rows,
    );
    try {
      const response = await t.http.get('/readyz').expect(503);
      expect(response.body).toMatchObject({ status: 'unavailable', faultcode: 'Server' });
      expect(response.body.faultstring).toBe(`Database migrations not applied: ${removed.name}`);
      expect((await t.http.get('/healthz')).status).toBe(200);
    } finally {
      await withDatabase(t.databaseUrl, (client) =>
        client.query(`INSERT INTO schema_migrations (id, timestamp, name) VALUES ($1, $2, $3)`, [removed.id, removed.timestamp, removed.name]),
      );
    }
    await t.http.get('/readyz').expect(200);
  });
});

describe('the service when its database goes away', () => {
  it('keeps running and answers 503 with Mistral\'s body within seconds, not a hang or a 500', async () => {
    const database = await createTestDatabase();
    const t = await startTestApp({ SIROCCO_DB_STATEMENT_TIMEOUT_MS: '1000', SIROCCO_DB_CONNECT_TIMEOUT_MS: '1000' }, { databaseUrl: database.url });
    try {
      await t.http.get('/v2/workflows').expect(200);
      // every connection of the service is terminated (the LISTEN one too), and it cannot reconnect
      await database.drop();

      // a client that gives up after 5 s, as a load balancer would: the 503 must come before
      const patience = { response: 5000, deadline: 5000 };
      const list = await t.http.get('/v2/workflows').timeout(patience);
      expect(list.status).toBe(503);
      expect(list.headers['retry-after']).toBe('5');
      expect(list.body).toMatchObject({ faultcode: 'Server', debuginfo: null });
      expect(list.body.faultstring).toMatch(/^The database is unavailable: /);
      expect(list.body.faultstring).not.toContain('postgres://');

      const created = await t.http.post('/v2/executions').send({ workflow_name: 'anything' }).timeout(patience);
      expect(created.status).toBe(503);

      const ready = await t.http.get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.faultstring).toMatch(/^The database is unavailable: /);
      await t.http.get('/healthz').expect(200);
    } finally {
      await t.close();
    }
  });
});

describe('health probes in keystone mode', () => {
  it('need no token, while /v2 does', async () => {
    const t = await startTestApp({
      SIROCCO_AUTH: 'keystone',
      // nothing listens there: the probes must not even ask Keystone
      SIROCCO_KEYSTONE_URL: 'http://127.0.0.1:9/v3',
      SIROCCO_KEYSTONE_USERNAME: 'sirocco',
      SIROCCO_KEYSTONE_PASSWORD: 'secret',
    });
    try {
      await t.http.get('/healthz').expect(200);
      await t.http.get('/readyz').expect(200);
      await t.http.get('/v2/workflows').expect(401);
    } finally {
      await t.close();
    }
  });
});
