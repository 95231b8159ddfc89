import { QueryRunnerAlreadyReleasedError } from 'typeorm';
import { databaseUnavailableReason, isDatabaseUnavailable } from './database-unavailable';

function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isDatabaseUnavailable', () => {
  it('knows a lost, refused, frozen or gone database', () => {
    expect(isDatabaseUnavailable(pgError('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('57P03', 'the database system is starting up'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Query read timeout'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new QueryRunnerAlreadyReleasedError())).toBe(true);
    // TypeORM's wrapper around the driver's error
    expect(isDatabaseUnavailable(Object.assign(new Error('query failed'), { driverError: pgError('57014', 'canceling statement due to statement timeout') }))).toBe(true);
  });

  it('leaves data and request errors alone', () => {
    expect(isDatabaseUnavailable(pgError('23505', 'duplicate key value violates unique constraint'))).toBe(false);
    expect(isDatabaseUnavailable(pgError('22P02', 'invalid input syntax for type uuid'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('unknown task'))).toBe(false);
    // a statement PostgreSQL refuses at the protocol level fails the same way when retried
    expect(isDatabaseUnavailable(Object.assign(new Error('query failed'), { driverError: pgError('08P01', 'bind message has 29464 parameter formats but 0 parameters') }))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });

  it('gives the innermost reason without credentials', () => {
    const error = Object.assign(new Error('query failed'), { driverError: new Error('could not reach postgres://sirocco:s3cret@db:5432/x') });
    expect(databaseUnavailableReason(error)).toBe('could not reach postgres://***@db:5432/x');
  });
});
