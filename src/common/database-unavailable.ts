/**
 * Whether an error means the database is away (restarting, failed over, unreachable, frozen or
 * out of connections) rather than something wrong with the request or the data: such work is
 * retried once the database is back, and clients get a 503.
 */

/** SQLSTATE classes and codes of a lost or refused connection, a shutdown, a timeout. */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, pg_ctl stop -m fast)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovery)
  '57P05', // idle_session_timeout
  '57014', // query_canceled (statement_timeout)
  '53300', // too_many_connections
  '3D000', // invalid_catalog_name: the database is gone (dropped, not restored yet)
  '28000', '28P01', // the server refuses the service's login
  '25P03', // idle_in_transaction_session_timeout
  '08000', '08001', '08003', '08004', '08006', '08007',
]);

/**
 * 08P01 (protocol_violation) is in the connection class but says the statement sent was wrong
 * (e.g. more than 65,535 parameters): retrying it would fail the same way forever.
 */
const STATEMENT_SQLSTATES = new Set(['08P01']);

/** Node socket errors and the messages pg and pg-pool give when a connection is gone or slow. */
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /Query read timeout/i,
  /timeout exceeded when trying to connect/i,
  /is not queryable/i,
  /Client has encountered a connection error/i,
  /Cannot use a pool after calling end/i,
  /terminating connection/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /server closed the connection unexpectedly/i,
  /Connection is not established/i,
  // TypeORM releases a transaction's runner when its connection errors: the next statement says so
  /Query runner already released/i,
];

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current = error;
  // TypeORM wraps the driver's error (QueryFailedError.driverError); Node errors may carry a cause
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    chain.push(current);
    const next = (current as { driverError?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
    if (next === current) break;
    current = next;
  }
  return chain;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return causes(error).some((item) => {
    const { code, errno, message } = item as { code?: unknown; errno?: unknown; message?: unknown };
    if (typeof code === 'string' && STATEMENT_SQLSTATES.has(code)) return false;
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code) || code.startsWith('08'))) return true;
    if (typeof errno === 'string' && UNAVAILABLE_ERRNOS.has(errno)) return true;
    if (Array.isArray((item as { errors?: unknown }).errors)) {
      // AggregateError of a connect attempt to every address of a host name
      if (((item as { errors: unknown[] }).errors).some((inner) => isDatabaseUnavailable(inner))) return true;
    }
    return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
  });
}

/** A statement the server cancelled for taking too long: the database is there, the work may be too big. */
export function isStatementTimeout(error: unknown): boolean {
  return causes(error).some((item) => (item as { code?: unknown }).code === '57014');
}

/** A short reason to show a client: PostgreSQL's or the driver's words, never the connection string. */
export function databaseUnavailableReason(error: unknown): string {
  const chain = causes(error);
  const innermost = chain[chain.length - 1] as { message?: unknown; code?: unknown } | undefined;
  const message = typeof innermost?.message === 'string' && innermost.message ? innermost.message : String(innermost?.code ?? 'no connection');
  // connection strings never appear in pg's messages, but be sure no user:password@ slips through
  return message.replace(/\/\/[^@\s/]*@/g, '//***@').slice(0, 300);
}
