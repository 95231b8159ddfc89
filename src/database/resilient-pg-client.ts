import { Client } from 'pg';

/**
 * pg's Client, except that a query the client gave up on (`query_timeout`: the server is frozen or
 * unreachable) also ends its connection. pg leaves such a connection open with the query still
 * pending, and the pool would hand it out again, possibly in the middle of a transaction; an ended
 * client is dropped by the pool instead, and the next borrower gets a fresh connection.
 */
export class ResilientPgClient extends Client {
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
