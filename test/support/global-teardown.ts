import type { EmbeddedPostgres } from '../../src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __siroccoTestPostgres?: EmbeddedPostgres }).__siroccoTestPostgres?.stop();
}
