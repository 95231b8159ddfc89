import { DataSource, DataSourceOptions } from 'typeorm';
import { migrations } from './migrations';
import { ResilientPgClient } from './resilient-pg-client';

/** Bounds on every database call, so that a lost or frozen database fails requests instead of hanging them. */
export interface DatabaseTimeouts {
  statementTimeoutMs: number;
  connectTimeoutMs: number;
}

/**
 * Options of the service's pool; without `timeouts` (migrations, the TypeORM CLI) nothing is bounded.
 * No entities: each feature module registers its own (TypeOrmModule.forFeature, collected by
 * DatabaseModule's autoLoadEntities), so this infrastructure layer imports no feature.
 */
export function dataSourceOptions(url: string, timeouts?: DatabaseTimeouts): DataSourceOptions {
  const bounds = timeouts && {
    Client: ResilientPgClient,
    // the server cancels a slow statement; the client gives up a second later (frozen or unreachable server)
    statement_timeout: timeouts.statementTimeoutMs,
    query_timeout: timeouts.statementTimeoutMs + 1000,
    // a transaction left open by a client that vanished must not hold its row locks for ever
    idle_in_transaction_session_timeout: Math.max(60000, timeouts.statementTimeoutMs * 2),
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    // a dead peer (failed-over host, cut network) is noticed by the kernel rather than never
    keepAlive: true,
    keepAliveInitialDelayMillis: 10000,
  };
  return {
    type: 'postgres',
    url,
    migrations,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    extra: { max: 20, application_name: 'sirocco', ...bounds },
  };
}

/** Any advisory-lock key works as long as every instance uses the same one. */
const MIGRATION_LOCK_KEY = 0x5119cc0;

/**
 * Runs pending migrations. Several instances may start at once against one database: an advisory
 * lock makes them take turns, and the ones after the first find nothing left to do.
 */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
