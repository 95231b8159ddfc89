import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CliError } from './cli-errors';

export const DEFAULT_SIROCCO_URL = 'http://127.0.0.1:8989';

/** How to get a Keystone token, as the openstack CLI reads it from OS_* or clouds.yaml. */
export type KeystoneCredentials =
  | { kind: 'token'; token: string; authUrl?: string }
  | {
      kind: 'password';
      authUrl: string;
      username?: string;
      userId?: string;
      password: string;
      userDomainName?: string;
      userDomainId?: string;
      projectName?: string;
      projectId?: string;
      projectDomainName?: string;
      projectDomainId?: string;
    }
  | { kind: 'application_credential'; authUrl: string; id?: string; name?: string; secret: string; username?: string; userDomainName?: string };

export interface CliConfig {
  /** Sirocco's API root, without /v2; undefined: SIROCCO_URL unset (the catalog or the default decide) */
  siroccoUrl?: string;
  /** no credentials: Sirocco in noauth mode */
  credentials?: KeystoneCredentials;
  /** the clouds.yaml entry used, for messages */
  cloud?: string;
  regionName?: string;
  interface: string;
  timeoutMs: number;
}

type Env = Record<string, string | undefined>;

/** The clouds.yaml files the openstack CLI reads, first found wins (OS_CLIENT_CONFIG_FILE first). */
export function cloudsFiles(env: Env, cwd = process.cwd()): string[] {
  const files = [path.join(cwd, 'clouds.yaml'), path.join(homedir(), '.config/openstack/clouds.yaml'), '/etc/openstack/clouds.yaml'];
  return env.OS_CLIENT_CONFIG_FILE ? [env.OS_CLIENT_CONFIG_FILE, ...files] : files;
}

function readYaml(file: string): Record<string, unknown> {
  try {
    const data: unknown = parse(readFileSync(file, 'utf8'));
    return data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  } catch (error) {
    throw CliError.usage(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function entry(document: Record<string, unknown>, cloud: string): Record<string, unknown> | undefined {
  const clouds = document.clouds as Record<string, unknown> | undefined;
  const found = clouds?.[cloud];
  return found && typeof found === 'object' ? (found as Record<string, unknown>) : undefined;
}

/** The settings of cloud `name`: its clouds.yaml entry, with the same entry of secure.yaml beside it merged in. */
function cloudSettings(name: string, env: Env, cwd?: string): Record<string, string> {
  const file = cloudsFiles(env, cwd).find((candidate) => existsSync(candidate));
  if (!file) throw CliError.usage(`OS_CLOUD=${name}, but no clouds.yaml was found (looked in ${cloudsFiles(env, cwd).join(', ')})`);
  const found = entry(readYaml(file), name);
  if (!found) throw CliError.usage(`OS_CLOUD=${name}: no cloud of that name in ${file}`);
  const secureFile = path.join(path.dirname(file), 'secure.yaml');
  const secure = existsSync(secureFile) ? entry(readYaml(secureFile), name) : undefined;
  const auth = { ...(found.auth as object | undefined), ...(secure?.auth as object | undefined) } as Record<string, unknown>;
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...found, ...secure, ...auth })) {
    if (typeof value === 'string' || typeof value === 'number') flat[key] = String(value);
  }
  return flat;
}

/** OS_* variable names by the clouds.yaml key they stand for. */
const OS_KEYS = [
  'auth_url', 'auth_type', 'token', 'username', 'user_id', 'password', 'user_domain_name', 'user_domain_id',
  'project_name', 'project_id', 'project_domain_name', 'project_domain_id', 'domain_name', 'domain_id',
  'application_credential_id', 'application_credential_name', 'application_credential_secret', 'region_name', 'interface',
] as const;

function fromEnv(env: Env): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const key of OS_KEYS) {
    const value = env[`OS_${key.toUpperCase()}`];
    if (value) settings[key] = value;
  }
  // the openstack CLI's older names
  if (!settings.project_name && env.OS_TENANT_NAME) settings.project_name = env.OS_TENANT_NAME;
  if (!settings.project_id && env.OS_TENANT_ID) settings.project_id = env.OS_TENANT_ID;
  return settings;
}

function credentialsOf(settings: Record<string, string>, source: string): KeystoneCredentials | undefined {
  const authUrl = settings.auth_url;
  if (settings.token && settings.auth_type !== 'password') return { kind: 'token', token: settings.token, authUrl };
  if (settings.application_credential_secret) {
    if (!authUrl) throw CliError.usage(`${source}: an application credential needs an auth URL (OS_AUTH_URL)`);
    return {
      kind: 'application_credential',
      authUrl,
      id: settings.application_credential_id,
      name: settings.application_credential_name,
      secret: settings.application_credential_secret,
      username: settings.username,
      userDomainName: settings.user_domain_name,
    };
  }
  if (!settings.password && !settings.username && !settings.user_id) return undefined;
  if (!authUrl) throw CliError.usage(`${source}: OS_AUTH_URL is not set`);
  if (!settings.username && !settings.user_id) throw CliError.usage(`${source}: OS_USERNAME is not set`);
  if (!settings.password) throw CliError.usage(`${source}: OS_PASSWORD is not set`);
  // keystoneauth's domain_name/domain_id stand for both domains when the specific ones are unset
  return {
    kind: 'password',
    authUrl,
    username: settings.username,
    userId: settings.user_id,
    password: settings.password,
    userDomainName: settings.user_domain_name ?? settings.domain_name,
    userDomainId: settings.user_domain_id ?? settings.domain_id,
    projectName: settings.project_name,
    projectId: settings.project_id,
    projectDomainName: settings.project_domain_name ?? settings.domain_name,
    projectDomainId: settings.project_domain_id ?? settings.domain_id,
  };
}

/** Reads the CLI's settings: SIROCCO_URL, SIROCCO_TIMEOUT_MS, and OS_CLOUD (clouds.yaml) or OS_*. */
export function loadCliConfig(env: Env = process.env, cwd?: string): CliConfig {
  const cloud = env.OS_CLOUD || undefined;
  // with OS_CLOUD the entry is the base and OS_* set beside it override, as in openstacksdk
  const settings = { ...(cloud ? cloudSettings(cloud, env, cwd) : {}), ...fromEnv(env) };
  const timeoutMs = env.SIROCCO_TIMEOUT_MS ? Number(env.SIROCCO_TIMEOUT_MS) : 60_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw CliError.usage(`SIROCCO_TIMEOUT_MS must be a positive integer (got ${env.SIROCCO_TIMEOUT_MS})`);
  return {
    siroccoUrl: env.SIROCCO_URL ? normaliseSiroccoUrl(env.SIROCCO_URL) : undefined,
    credentials: credentialsOf(settings, cloud ? `cloud ${cloud}` : 'OS_* variables'),
    cloud,
    regionName: settings.region_name,
    interface: settings.interface ?? 'public',
    timeoutMs,
  };
}

/** `http://host:8989/v2/` and `http://host:8989` name the same API root. */
export function normaliseSiroccoUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw CliError.usage(`the Sirocco URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw CliError.usage(`the Sirocco URL must be http(s): ${url}`);
  return parsed.toString().replace(/\/+$/, '').replace(/\/v2$/, '');
}
