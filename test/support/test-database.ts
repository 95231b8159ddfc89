import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { entities } from '../../src/app.entities';
import { dataSourceOptions, runMigrations } from '../../src/database/data-source-options';

function adminUrl(): string {
  const url = process.env.SIROCCO_TEST_ADMIN_URL ?? process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('no test PostgreSQL: run the tests with `npm test` (its global setup starts one)');
  return url;
}

function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The migrated database each test database is copied from (global setup makes it once per run):
 * `CREATE DATABASE ... TEMPLATE` takes a fraction of the time the migrations take. Its name is
 * the run's own, so two runs on one server (CI, several checkouts) never share it.
 */
export async function createTemplateDatabase(): Promise<string> {
  const name = `sirocco_tpl_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  // the same migrations, run by the same code, as the service runs them on an empty database
  const migrator = await new DataSource(dataSourceOptions(databaseUrl(name), entities)).initialize();
  try {
    await runMigrations(migrator);
  } finally {
    await migrator.destroy();
  }
  process.env.SIROCCO_TEST_TEMPLATE_DB = name;
  return name;
}

export async function dropTemplateDatabase(): Promise<void> {
  const name = process.env.SIROCCO_TEST_TEMPLATE_DB;
  if (!name) return;
  delete process.env.SIROCCO_TEST_TEMPLATE_DB;
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/**
 * A new database on the test server; returns its URL. It holds the migrated schema (a copy of the
 * run's template) unless `empty` is asked for or no template was made (a spec run without the
 * global setup); the service migrates what is missing when it starts, as always.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `sirocco_t_${randomBytes(6).toString('hex')}`;
  const template = options.empty ? undefined : process.env.SIROCCO_TEST_TEMPLATE_DB;
  await withAdmin(async (client) => {
    await client.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
    // a test database need not survive a crash of its server: commits do not wait for the disk
    await client.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
  });
  return {
    url: databaseUrl(name),
    drop: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
