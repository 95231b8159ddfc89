import 'reflect-metadata';
import type * as AppFactory from './app.factory';
import { startupLogger } from './common/log-output';
import { ConfigError, loadConfig, SiroccoConfig } from './config/sirocco-config';
import { EmbeddedPostgres } from './database/embedded-postgres';

function readConfig(): SiroccoConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sirocco: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

// the application's modules take seconds to load: loaded while the embedded PostgreSQL starts
let appFactory: typeof AppFactory | undefined;
function loadAppFactory(): typeof AppFactory {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  appFactory ??= require('./app.factory') as typeof AppFactory;
  return appFactory;
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = startupLogger(config.logLevel, config.logFormat);

  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    logger.info(`no DATABASE_URL, starting embedded PostgreSQL (data in ${config.database.dataDir})`);
    embedded = await EmbeddedPostgres.start({
      dataDir: config.database.dataDir,
      port: config.database.embeddedPort,
      database: 'sirocco',
      log: (line) => logger.info(line),
      whileStarting: () => void loadAppFactory(),
    });
    logger.info('embedded PostgreSQL ready; starting the service');
    databaseUrl = embedded.url;
  }

  let app: Awaited<ReturnType<typeof AppFactory.createSiroccoApp>>;
  try {
    app = await loadAppFactory().createSiroccoApp(config, databaseUrl);
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
  logger.info(`API on http://${config.http.host}:${config.http.port}/v2 (OpenAPI at /docs)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    try {
      logger.info(`${signal} received, stopping`);
    } catch {
      // the terminal is gone (SIGHUP)
    }
    let code = 0;
    try {
      await app.close();
    } catch (error) {
      process.stderr.write(`sirocco: stopping the service failed: ${error instanceof Error ? error.message : String(error)}\n`);
      code = 1;
    }
    // the embedded PostgreSQL is stopped whatever happened above
    try {
      await embedded?.stop();
    } catch (error) {
      process.stderr.write(`sirocco: ${error instanceof Error ? error.message : String(error)}\n`);
      code = 1;
    }
    process.exit(code);
  };
  // a background task's failure is logged; it must not take the whole service (and its runs) down
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`sirocco: unhandled failure in a background task: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
  });
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // the terminal was closed: stop cleanly too, rather than leave PostgreSQL running
  process.on('SIGHUP', () => void stop('SIGHUP'));
}

main().catch((error: unknown) => {
  process.stderr.write(`sirocco: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
