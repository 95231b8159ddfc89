import * as path from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { freePort } from './free-port';
import { createTemplateDatabase } from './test-database';

/** No waiting for the disk at each commit, checkpoint or CREATE DATABASE (what the fault suites' own clusters do too). */
async function withoutDurability(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) await client.query(`ALTER SYSTEM SET ${setting} = off`);
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await client.end();
  }
}

/**
 * The suite needs a PostgreSQL server: TEST_DATABASE_URL when given (CI uses the machine's),
 * else an embedded one started here, so `npm test` needs nothing set up. Each test file then
 * creates its own database on that server (see test-app.ts), a copy of one migrated here once.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    process.env.SIROCCO_TEST_ADMIN_URL = process.env.TEST_DATABASE_URL;
  } else {
    const embedded = await EmbeddedPostgres.start({
      dataDir: path.resolve(__dirname, '../../.test-db'),
      port: await freePort(),
      database: 'sirocco_test',
    });
    (globalThis as { __siroccoTestPostgres?: EmbeddedPostgres }).__siroccoTestPostgres = embedded;
    process.env.SIROCCO_TEST_ADMIN_URL = embedded.url;
    // a throwaway cluster (.test-db): nothing in it has to outlive a crash of the machine
    await withoutDurability(embedded.url);
  }
  await createTemplateDatabase();
}
