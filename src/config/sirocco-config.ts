import { homedir } from 'node:os';
import * as path from 'node:path';
import { CloudConfigError, readCloudConfig, type CloudConfig } from './cloud-config';

export type AuthMode = 'noauth' | 'keystone';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** `auto`: pretty on a terminal, JSON lines otherwise */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** The whole service configuration, read once from the environment and validated at start. */
export interface SiroccoConfig {
  http: {
    host: string;
    port: number;
    /** Base URL used in `next` links and version documents; derived from the request when unset. */
    publicUrl?: string;
  };
  database: {
    /** PostgreSQL connection string; when absent an embedded PostgreSQL is started. */
    url?: string;
    /** Where the embedded PostgreSQL keeps its cluster. */
    dataDir: string;
    embeddedPort: number;
    /** Longest one SQL statement may run (server side; the client gives up a second later). */
    statementTimeoutMs: number;
    /** Longest getting a connection may take (from the pool, or a new one). */
    connectTimeoutMs: number;
  };
  auth: {
    mode: AuthMode;
    /** keystone mode: where Keystone is and Sirocco's service user (the trustee of triggers) */
    keystone?: KeystoneSettings;
  };
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** YAML workflows loaded as public workflows at start. */
  definitionsDir: string;
  expressions: { timeoutMs: number; maxResultBytes: number };
  engine: {
    /** How long a running action's lease lasts; an instance that dies loses its actions after this. */
    leaseSeconds: number;
    /** How often each instance looks for due delayed work and expired leases (NOTIFY wakes it sooner). */
    pollMilliseconds: number;
    /** Actions (std.http, OpenStack calls, ...) one instance runs at once; more wait their turn. */
    maxConcurrentActions: number;
    /** Instant actions (std.noop, std.echo without delay) run inside one transition, at most this many. */
    maxInlineActions: number;
    /** DELETE /v2/action_executions/{id} is allowed (Mistral's api.allow_action_execution_deletion; off by default). */
    allowActionExecutionDeletion: boolean;
    /**
     * API creates (POST /v2/executions) arriving together are started in one transaction, at most
     * this many per transaction; 1: one transaction per create.
     */
    createGroupMax: number;
  };
  /** Bounds on what one request or definition may ask for (see README, "Limits"). */
  limits: {
    /** largest workflow definition text, in bytes */
    definitionBytes: number;
    tasksPerWorkflow: number;
    /** deepest nesting of a definition's YAML and of JSON inputs, params and environments */
    nestingDepth: number;
    /** items one with-items task may run over */
    withItems: number;
    /** longest sleep, delay, wait, retry delay or timeout, in seconds */
    durationSeconds: number;
  };
  /** noauth mode: the cloud actions act on (clouds.yaml's OS_CLOUD, or OS_* variables); null when none */
  openstack: CloudConfig | null;
  triggers: {
    /** receives failed-firing reports when the workflow input names no `to_addr_error` */
    operatorEmail?: string;
    /**
     * how many due triggers one firing transaction claims (and fires); each transaction costs a
     * fixed ~8 statements, so a burst is cheaper in big batches (250: ~0.3 ms CPU per firing, 25: ~0.6)
     */
    batchSize: number;
    /**
     * how many firing transactions one instance runs at once: a few overlap the database's work
     * with this process's (which is single-threaded); more only contend for the same cores
     */
    concurrency: number;
  };
  /** Retention of finished executions (Mistral's execution_expiration_policy); 0 everywhere keeps all. */
  retention: {
    /** SUCCESS and CANCELLED executions are removed this many days after they ended (0: never by age) */
    successDays: number;
    /** ERROR executions are removed this many days after they ended (0: never by age); kept past the counts below meanwhile */
    failureDays: number;
    /** finished executions kept per workflow (newest first; 0: no limit) */
    maxPerWorkflow: number;
    /** finished executions kept per cron or event trigger (newest first; 0: no limit) */
    maxPerTrigger: number;
    /** how often each instance looks for executions to remove */
    intervalSeconds: number;
    /** executions (with their tasks, actions and sub-workflows) removed per transaction */
    batchSize: number;
  };
  maintenance: {
    /** how long `activating` waits for running executions before maintenance mode is activated anyway */
    activationTimeoutSeconds: number;
  };
  /** std.ssh and std.ssh_proxied */
  ssh: SshSettings;
  /** Event triggers: OpenStack notifications read from the message bus (oslo.messaging on RabbitMQ). */
  notifications: {
    /** amqp:// or amqps:// URL of the broker (user, password, vhost); when absent nothing is consumed. */
    url?: string;
    /** The shared queues are named `<pool>.<exchange>.<topic>`: every replica with the same pool reads the same queue. */
    pool: string;
  };
  snapshots: {
    /** encrypts the secrets in snapshot archives (AES-256-GCM, key derived by HKDF); none: snapshots are refused */
    secretKey?: string;
    /** largest archive uploaded or fetched from a URL, in bytes */
    maxArchiveBytes: number;
    /** how long fetching `?snapshot_archive_url=` (or the action's upload_url) may take */
    fetchTimeoutMs: number;
    /** the folder the sirocco.service_snapshot action's `dir` is in (relative) or under (absolute) */
    dir: string;
    /** keystone mode: the projects whose workflows may run sirocco.service_snapshot (none by default) */
    actionProjects: string[];
  };
  metrics: {
    /** when set, GET /metrics needs `Authorization: Bearer <token>`; when unset it is open (no Keystone token either way) */
    token?: string;
  };
  mail: {
    /** smtp:// or smtps:// URL of the mail server; when absent mails go to the outbox folder. */
    smtpUrl?: string;
    /** Sender when an action gives none. */
    from: string;
    /** Where mails are written (as .eml files) when no SMTP server is configured. */
    outboxDir: string;
  };
}

export interface SshSettings {
  /** where `private_key_filename` is looked up (Mistral: the executor's ~/.ssh) */
  keysDir: string;
  /** whether `private_key_filename` may name a file outside keysDir by an absolute path (Mistral allows it) */
  allowAbsoluteKeyPaths: boolean;
  /** longest the TCP connection, handshake and login to one host may take */
  connectTimeoutSeconds: number;
  /** longest a command may run on one host when the action gives no `timeout` */
  commandTimeoutSeconds: number;
  /** most bytes of stdout (and of stderr) kept from one host; more fails the action */
  maxOutputBytes: number;
}

export interface KeystoneSettings {
  url: string;
  username: string;
  password: string;
  project: string;
  userDomain: string;
  projectDomain: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got '${raw}')`);
  }
  return value;
}

function readChoice<T extends string>(env: Env, name: string, fallback: T, choices: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.toLowerCase() as T;
  if (!choices.includes(value)) {
    throw new ConfigError(`${name} must be one of ${choices.join(', ')} (got '${raw}')`);
  }
  return value;
}

function readUrl(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    // never echo the value: a database URL may hold a password
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')} (got '${parsed.protocol}')`);
  }
  return raw;
}

function readOpenStack(env: Env): CloudConfig | null {
  try {
    return readCloudConfig(env);
  } catch (error) {
    if (error instanceof CloudConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

function readAuth(env: Env): SiroccoConfig['auth'] {
  const mode = readChoice(env, 'SIROCCO_AUTH', 'noauth', ['noauth', 'keystone'] as const);
  if (mode === 'noauth') return { mode };
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new ConfigError(`${name} is required when SIROCCO_AUTH=keystone`);
    return value;
  };
  const url = readUrl(env, 'SIROCCO_KEYSTONE_URL', ['http:', 'https:']);
  if (!url) throw new ConfigError('SIROCCO_KEYSTONE_URL is required when SIROCCO_AUTH=keystone');
  return {
    mode,
    keystone: {
      url,
      username: required('SIROCCO_KEYSTONE_USERNAME'),
      password: required('SIROCCO_KEYSTONE_PASSWORD'),
      project: env.SIROCCO_KEYSTONE_PROJECT || 'service',
      userDomain: env.SIROCCO_KEYSTONE_USER_DOMAIN || 'default',
      projectDomain: env.SIROCCO_KEYSTONE_PROJECT_DOMAIN || 'default',
    },
  };
}

/** Builds the config from environment variables; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env = process.env): SiroccoConfig {
  const publicUrl = readUrl(env, 'SIROCCO_PUBLIC_URL', ['http:', 'https:']);
  return {
    http: {
      host: env.SIROCCO_HOST || '127.0.0.1',
      port: readInteger(env, 'SIROCCO_PORT', 8989, 0, 65535),
      publicUrl: publicUrl?.replace(/\/+$/, ''),
    },
    database: {
      url: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
      dataDir: path.resolve(env.SIROCCO_DATA_DIR || '.sirocco'),
      embeddedPort: readInteger(env, 'SIROCCO_EMBEDDED_PG_PORT', 54329, 1, 65535),
      statementTimeoutMs: readInteger(env, 'SIROCCO_DB_STATEMENT_TIMEOUT_MS', 5000, 100, 3600000),
      connectTimeoutMs: readInteger(env, 'SIROCCO_DB_CONNECT_TIMEOUT_MS', 3000, 100, 600000),
    },
    auth: readAuth(env),
    logLevel: readChoice(env, 'SIROCCO_LOG_LEVEL', 'info', [
      'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent',
    ] as const),
    logFormat: readChoice(env, 'SIROCCO_LOG_FORMAT', 'auto', ['auto', 'json', 'pretty'] as const),
    definitionsDir: path.resolve(env.SIROCCO_DEFINITIONS_DIR || 'definitions'),
    expressions: {
      timeoutMs: readInteger(env, 'SIROCCO_EXPRESSION_TIMEOUT_MS', 1000, 1, 600000),
      maxResultBytes: readInteger(env, 'SIROCCO_EXPRESSION_MAX_RESULT_BYTES', 1048576, 1024, 1073741824),
    },
    engine: {
      leaseSeconds: readInteger(env, 'SIROCCO_ENGINE_LEASE_SECONDS', 30, 1, 3600),
      pollMilliseconds: readInteger(env, 'SIROCCO_ENGINE_POLL_MS', 1000, 10, 60000),
      maxConcurrentActions: readInteger(env, 'SIROCCO_ENGINE_MAX_CONCURRENT_ACTIONS', 200, 1, 100000),
      maxInlineActions: readInteger(env, 'SIROCCO_ENGINE_MAX_INLINE_ACTIONS', 5000, 0, 1000000),
      allowActionExecutionDeletion: readChoice(env, 'SIROCCO_ALLOW_ACTION_EXECUTION_DELETION', 'false', ['true', 'false'] as const) === 'true',
      createGroupMax: readInteger(env, 'SIROCCO_ENGINE_CREATE_GROUP_MAX', 50, 1, 10000),
    },
    limits: {
      definitionBytes: readInteger(env, 'SIROCCO_MAX_DEFINITION_BYTES', 1048576, 1024, 1073741824),
      tasksPerWorkflow: readInteger(env, 'SIROCCO_MAX_TASKS_PER_WORKFLOW', 1000, 1, 1000000),
      nestingDepth: readInteger(env, 'SIROCCO_MAX_NESTING_DEPTH', 100, 10, 500),
      withItems: readInteger(env, 'SIROCCO_MAX_WITH_ITEMS', 10000, 1, 1000000),
      durationSeconds: readInteger(env, 'SIROCCO_MAX_DURATION_SECONDS', 2678400, 1, 315360000),
    },
    // keystone mode acts with the callers' own credentials (trusts), never with a configured cloud
    openstack: readChoice(env, 'SIROCCO_AUTH', 'noauth', ['noauth', 'keystone'] as const) === 'noauth' ? readOpenStack(env) : null,
    triggers: {
      operatorEmail: env.SIROCCO_OPERATOR_EMAIL || undefined,
      batchSize: readInteger(env, 'SIROCCO_TRIGGER_BATCH_SIZE', 250, 1, 100000),
      concurrency: readInteger(env, 'SIROCCO_TRIGGER_CONCURRENCY', 4, 1, 1000),
    },
    retention: {
      successDays: readInteger(env, 'SIROCCO_RETENTION_SUCCESS_DAYS', 0, 0, 36500),
      failureDays: readInteger(env, 'SIROCCO_RETENTION_FAILURE_DAYS', 0, 0, 36500),
      maxPerWorkflow: readInteger(env, 'SIROCCO_RETENTION_MAX_PER_WORKFLOW', 0, 0, 100000000),
      maxPerTrigger: readInteger(env, 'SIROCCO_RETENTION_MAX_PER_TRIGGER', 0, 0, 100000000),
      intervalSeconds: readInteger(env, 'SIROCCO_RETENTION_INTERVAL', 600, 1, 86400),
      batchSize: readInteger(env, 'SIROCCO_RETENTION_BATCH_SIZE', 200, 1, 10000),
    },
    maintenance: {
      activationTimeoutSeconds: readInteger(env, 'SIROCCO_MAINTENANCE_ACTIVATION_TIMEOUT', 3600, 0, 2678400),
    },
    ssh: {
      keysDir: path.resolve(env.SIROCCO_SSH_KEYS_DIR || path.join(homedir(), '.ssh')),
      allowAbsoluteKeyPaths: readChoice(env, 'SIROCCO_SSH_ALLOW_ABSOLUTE_KEY_PATHS', 'false', ['true', 'false'] as const) === 'true',
      connectTimeoutSeconds: readInteger(env, 'SIROCCO_SSH_CONNECT_TIMEOUT_SECONDS', 30, 1, 3600),
      commandTimeoutSeconds: readInteger(env, 'SIROCCO_SSH_COMMAND_TIMEOUT_SECONDS', 3600, 1, 315360000),
      maxOutputBytes: readInteger(env, 'SIROCCO_SSH_MAX_OUTPUT_BYTES', 1048576, 1024, 1073741824),
    },
    notifications: {
      url: readUrl(env, 'SIROCCO_NOTIFICATIONS_URL', ['amqp:', 'amqps:']),
      pool: env.SIROCCO_NOTIFICATIONS_POOL || 'sirocco',
    },
    snapshots: {
      secretKey: env.SIROCCO_SECRET_KEY || undefined,
      maxArchiveBytes: readInteger(env, 'SIROCCO_SNAPSHOT_MAX_BYTES', 268435456, 1024, 17179869184),
      fetchTimeoutMs: readInteger(env, 'SIROCCO_SNAPSHOT_FETCH_TIMEOUT_MS', 60000, 100, 3600000),
      dir: path.resolve(env.SIROCCO_SNAPSHOT_DIR || path.join(env.SIROCCO_DATA_DIR || '.sirocco', 'snapshots')),
      actionProjects: (env.SIROCCO_SNAPSHOT_ACTION_PROJECTS ?? '').split(',').map((item) => item.trim()).filter(Boolean),
    },
    metrics: {
      token: env.SIROCCO_METRICS_TOKEN || undefined,
    },
    mail: {
      smtpUrl: readUrl(env, 'SIROCCO_SMTP_URL', ['smtp:', 'smtps:']),
      from: env.SIROCCO_MAIL_FROM || 'sirocco@localhost',
      outboxDir: path.resolve(env.SIROCCO_MAIL_OUTBOX_DIR || path.join(env.SIROCCO_DATA_DIR || '.sirocco', 'outbox')),
    },
  };
}
