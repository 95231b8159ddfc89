import { Client, type ClientConfig } from 'pg';

/**
 * pg's Client, made safe for a database that goes away:
 * - it always has an 'error' listener. The pool removes its own when it hands a client out, and
 *   TypeORM adds one a microtask later; a server that shuts down right as a connection is made
 *   sends ReadyForQuery and the 57P01 error in one packet, and an 'error' event with no listener
 *   would end the process. The client is not queryable after that, so the pool drops it anyway.
 * - a query the client gave up on (`query_timeout`: the server is frozen or unreachable) also ends
 *   its connection. pg leaves such a connection open with the query still pending, and the pool
 *   would hand it out again, possibly in the middle of a transaction; an ended client is dropped.
 */
export class ResilientPgClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = (Client.prototype.query as (...params: any[]) => unknown).apply(this, args);
    if (result instanceof Promise) {
      result.then(undefined, (error: unknown) => {
        if (error instanceof Error && error.message === 'Query read timeout') this.end().catch(() => undefined);
      });
    }
    return result;
  }
}
