import * as path from 'node:path';
import { ConfigError, loadConfig } from './sirocco-config';

describe('loadConfig', () => {
  it('gives the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8989, publicUrl: undefined });
    expect(config.database.url).toBeUndefined();
    expect(config.database.dataDir).toBe(path.resolve('.sirocco'));
    expect(config.auth.mode).toBe('noauth');
    expect(config.logLevel).toBe('info');
    expect(config.definitionsDir).toBe(path.resolve('definitions'));
    expect(config.expressions).toEqual({ timeoutMs: 1000, maxResultBytes: 1048576 });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      SIROCCO_HOST: '0.0.0.0',
      SIROCCO_PORT: '9000',
      SIROCCO_PUBLIC_URL: 'https://sirocco.example.org/',
      DATABASE_URL: 'postgres://u:p@db:5432/sirocco',
      SIROCCO_DATA_DIR: '/var/lib/sirocco',
      SIROCCO_AUTH: 'KEYSTONE',
      SIROCCO_KEYSTONE_URL: 'http://keystone:5000/v3',
      SIROCCO_KEYSTONE_USERNAME: 'sirocco',
      SIROCCO_KEYSTONE_PASSWORD: 'secret',
      SIROCCO_LOG_LEVEL: 'debug',
      SIROCCO_DEFINITIONS_DIR: '/etc/sirocco/definitions',
      SIROCCO_EXPRESSION_TIMEOUT_MS: '250',
    });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 9000, publicUrl: 'https://sirocco.example.org' });
    expect(config.database.url).toBe('postgres://u:p@db:5432/sirocco');
    expect(config.database.dataDir).toBe('/var/lib/sirocco');
    expect(config.auth.mode).toBe('keystone');
    expect(config.logLevel).toBe('debug');
    expect(config.expressions.timeoutMs).toBe(250);
  });

  it('reads the limits, with their defaults', () => {
    expect(loadConfig({}).limits).toEqual({
      definitionBytes: 1048576,
      tasksPerWorkflow: 1000,
      nestingDepth: 100,
      withItems: 10000,
      durationSeconds: 2678400,
    });
    const limits = loadConfig({ SIROCCO_MAX_WITH_ITEMS: '200000', SIROCCO_MAX_DURATION_SECONDS: '60' }).limits;
    expect(limits).toMatchObject({ withItems: 200000, durationSeconds: 60 });
    expect(() => loadConfig({ SIROCCO_MAX_NESTING_DEPTH: '5000' })).toThrow('SIROCCO_MAX_NESTING_DEPTH must be an integer from 10 to 500');
  });

  it('keeps every finished execution unless retention is set', () => {
    expect(loadConfig({}).retention).toEqual({ successDays: 0, failureDays: 0, maxPerWorkflow: 0, maxPerTrigger: 0, intervalSeconds: 600, batchSize: 200 });
    const retention = loadConfig({ SIROCCO_RETENTION_SUCCESS_DAYS: '30', SIROCCO_RETENTION_FAILURE_DAYS: '90', SIROCCO_RETENTION_MAX_PER_TRIGGER: '60' }).retention;
    expect(retention).toMatchObject({ successDays: 30, failureDays: 90, maxPerTrigger: 60 });
    expect(() => loadConfig({ SIROCCO_RETENTION_BATCH_SIZE: '0' })).toThrow('SIROCCO_RETENTION_BATCH_SIZE must be an integer from 1 to 10000');
  });

  it('bounds database calls: 5 s a statement, 3 s a connection, unless set', () => {
    expect(loadConfig({}).database).toMatchObject({ statementTimeoutMs: 5000, connectTimeoutMs: 3000 });
    const config = loadConfig({ SIROCCO_DB_STATEMENT_TIMEOUT_MS: '1500', SIROCCO_DB_CONNECT_TIMEOUT_MS: '800' });
    expect(config.database).toMatchObject({ statementTimeoutMs: 1500, connectTimeoutMs: 800 });
    expect(() => loadConfig({ SIROCCO_DB_STATEMENT_TIMEOUT_MS: '0' })).toThrow('SIROCCO_DB_STATEMENT_TIMEOUT_MS must be an integer from 100');
  });

  it.each([
    [{ SIROCCO_PORT: 'eighty' }, "SIROCCO_PORT must be an integer from 0 to 65535 (got 'eighty')"],
    [{ OS_CLOUD: 'no-such-cloud', OS_CLIENT_CONFIG_FILE: '/nonexistent/clouds.yaml', HOME: '/nonexistent' }, "OS_CLOUD is 'no-such-cloud' but no clouds.yaml was found"],
    [{ SIROCCO_PORT: '70000' }, 'SIROCCO_PORT must be an integer from 0 to 65535'],
    [{ SIROCCO_AUTH: 'ldap' }, "SIROCCO_AUTH must be one of noauth, keystone (got 'ldap')"],
    [{ SIROCCO_LOG_LEVEL: 'loud' }, 'SIROCCO_LOG_LEVEL must be one of'],
    [{ SIROCCO_AUTH: 'keystone' }, 'SIROCCO_KEYSTONE_URL is required when SIROCCO_AUTH=keystone'],
    [{ SIROCCO_AUTH: 'keystone', SIROCCO_KEYSTONE_URL: 'http://k:5000/v3', SIROCCO_KEYSTONE_USERNAME: 'u' }, 'SIROCCO_KEYSTONE_PASSWORD is required when SIROCCO_AUTH=keystone'],
    [{ SIROCCO_SMTP_URL: 'http://mail' }, "SIROCCO_SMTP_URL must use smtp: or smtps: (got 'http:')"],
    [{ DATABASE_URL: 'mysql://root@db/x' }, "DATABASE_URL must use postgres: or postgresql: (got 'mysql:')"],
    [{ SIROCCO_EXPRESSION_TIMEOUT_MS: '0' }, 'SIROCCO_EXPRESSION_TIMEOUT_MS must be an integer from 1'],
  ])('refuses %p naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a malformed DATABASE_URL, which may hold a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'not a url secret-pw' })).toThrow('DATABASE_URL is not a valid URL');
    try {
      loadConfig({ DATABASE_URL: 'not a url secret-pw' });
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-pw');
    }
  });
});
