import type { INestApplication } from '@nestjs/common';
import * as path from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createSiroccoApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/sirocco-config';
import { ExecutionsClient } from './executions-client';
import { createTestDatabase } from './test-database';

export interface TestApp {
  app: INestApplication;
  http: TestAgent;
  baseUrl: string;
  databaseUrl: string;
  close(): Promise<void>;
}

/** An empty definitions folder, so tests see only the workflows they create. */
export const NO_DEFINITIONS_DIR = path.resolve(__dirname, 'fixtures/no-definitions');

/**
 * The whole service on a fresh database of the test server, listening on a free port.
 * `env` adds or overrides environment variables as a user would set them; `databaseUrl` starts
 * a further instance on an existing test database; `listenPort` a port chosen up front (e.g. for SIROCCO_PUBLIC_URL).
 */
export async function startTestApp(env: Record<string, string> = {}, options: { databaseUrl?: string; listenPort?: number } = {}): Promise<TestApp> {
  // another instance on the database of a running one: its close() leaves the database in place
  const database = options.databaseUrl ? { url: options.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const config = loadConfig({
    SIROCCO_LOG_LEVEL: 'silent',
    SIROCCO_DEFINITIONS_DIR: NO_DEFINITIONS_DIR,
    ...env,
  });
  const app = await createSiroccoApp(config, database.url);
  await app.listen(options.listenPort ?? 0, '127.0.0.1');
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    http: request(app.getHttpServer()),
    baseUrl,
    databaseUrl: database.url,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/** The service of one describe block's tests (see useTestApp). */
export interface SharedTestApp extends Omit<TestApp, 'close'> {
  /** A client of its executions API; usable as soon as the tests run. */
  client: ExecutionsClient;
}

/**
 * Starts the service before the tests of the describe block that calls it, with `workflows` (a
 * definition text) created, and closes it after them: the set-up most specs share. Its fields
 * are there while the tests run; `client` may be taken at once, it reaches the service when used.
 */
export function useTestApp(env: Record<string, string> = {}, options: { workflows?: string } = {}): SharedTestApp {
  let started: TestApp | undefined;
  const current = (): TestApp => {
    if (!started) throw new Error('useTestApp: the service runs only while the tests of its describe block run');
    return started;
  };
  beforeAll(async () => {
    started = await startTestApp(env);
    if (options.workflows) await new ExecutionsClient(started.http).createWorkflow(options.workflows);
  });
  afterAll(async () => {
    await started?.close();
    started = undefined;
  });
  return {
    get app() {
      return current().app;
    },
    get http() {
      return current().http;
    },
    get baseUrl() {
      return current().baseUrl;
    },
    get databaseUrl() {
      return current().databaseUrl;
    },
    client: new ExecutionsClient(() => current().http),
  };
}

/** The settings of a Sirocco in keystone mode against a (fake) Keystone at `authUrl`, as its service user `sirocco`. */
export function keystoneModeEnv(keystone: { authUrl: string }): Record<string, string> {
  return {
    SIROCCO_AUTH: 'keystone',
    SIROCCO_KEYSTONE_URL: keystone.authUrl,
    SIROCCO_KEYSTONE_USERNAME: 'sirocco',
    SIROCCO_KEYSTONE_PASSWORD: 'sirocco-pass',
  };
}
