import type { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { dropTemplateDatabase } from './test-database';

export default async function globalTeardown(): Promise<void> {
  await dropTemplateDatabase();
  await (globalThis as { __siroccoTestPostgres?: EmbeddedPostgres }).__siroccoTestPostgres?.stop();
}
