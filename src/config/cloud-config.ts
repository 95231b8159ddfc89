import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { PasswordCredentials } from './password-credentials';

/** The cloud Sirocco's actions use in noauth mode, as openstackclient reads it. */
export interface CloudConfig {
  /** where it came from, for messages: `clouds.yaml cloud 'x' (file)` or `OS_* variables` */
  source: string;
  authUrl: string;
  credentials: PasswordCredentials;
  region?: string;
  /** endpoint interface in the catalog: public (default), internal or admin */
  interface: 'public' | 'internal' | 'admin';
}

export class CloudConfigError extends Error {}

type Env = Record<string, string | undefined>;

/** openstackclient's search path for clouds.yaml. */
function cloudsFiles(env: Env): string[] {
  return [
    env.OS_CLIENT_CONFIG_FILE,
    path.resolve('clouds.yaml'),
    path.join(env.HOME ?? homedir(), '.config', 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ].filter((file): file is string => Boolean(file));
}

function endpointInterface(raw: unknown, where: string): CloudConfig['interface'] {
  const value = String(raw ?? 'public').replace(/URL$/, '').toLowerCase();
  if (value === 'public' || value === 'internal' || value === 'admin') return value;
  throw new CloudConfigError(`${where}: interface must be public, internal or admin (got '${String(raw)}')`);
}

function credentialsOf(auth: Record<string, unknown>, where: string): PasswordCredentials {
  const text = (key: string) => (auth[key] === undefined || auth[key] === null ? undefined : String(auth[key]));
  const username = text('username');
  const password = text('password');
  if (!username || !password) throw new CloudConfigError(`${where}: username and password are required`);
  return {
    authUrl: text('auth_url'),
    username,
    password,
    userDomain: text('user_domain_id') ?? (text('user_domain_name') ? undefined : text('domain_id')),
    userDomainName: text('user_domain_name') ?? text('domain_name'),
    project: text('project_name') ?? text('tenant_name'),
    projectId: text('project_id') ?? text('tenant_id'),
    projectDomain: text('project_domain_id'),
    projectDomainName: text('project_domain_name'),
  };
}

/**
 * noauth mode's OpenStack credentials: the cloud OS_CLOUD names in clouds.yaml (searched where
 * openstackclient searches), else the OS_* variables, else none.
 */
export function readCloudConfig(env: Env): CloudConfig | null {
  const cloud = env.OS_CLOUD;
  if (cloud) {
    const file = cloudsFiles(env).find((candidate) => existsSync(candidate));
    if (!file) throw new CloudConfigError(`OS_CLOUD is '${cloud}' but no clouds.yaml was found (looked in ${cloudsFiles(env).join(', ')})`);
    let document: { clouds?: Record<string, Record<string, unknown>> };
    try {
      document = (parse(readFileSync(file, 'utf8')) ?? {}) as typeof document;
    } catch (error) {
      throw new CloudConfigError(`${file} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
    const entry = document.clouds?.[cloud];
    if (!entry) throw new CloudConfigError(`OS_CLOUD is '${cloud}' but ${file} has no cloud of that name (it has: ${Object.keys(document.clouds ?? {}).join(', ') || 'none'})`);
    const where = `clouds.yaml cloud '${cloud}' (${file})`;
    const auth = (entry.auth ?? {}) as Record<string, unknown>;
    const credentials = credentialsOf(auth, where);
    if (!credentials.authUrl) throw new CloudConfigError(`${where}: auth.auth_url is required`);
    return {
      source: where,
      authUrl: credentials.authUrl,
      credentials,
      region: entry.region_name === undefined ? undefined : String(entry.region_name),
      interface: endpointInterface(entry.interface, where),
    };
  }
  if (!env.OS_AUTH_URL) return null;
  const where = 'OS_* variables';
  const auth: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('OS_') && value !== undefined) auth[key.slice(3).toLowerCase()] = value;
  }
  const credentials = credentialsOf(auth, where);
  return {
    source: where,
    authUrl: env.OS_AUTH_URL,
    credentials: { ...credentials, authUrl: env.OS_AUTH_URL },
    region: env.OS_REGION_NAME,
    interface: endpointInterface(env.OS_INTERFACE ?? env.OS_ENDPOINT_TYPE, where),
  };
}
