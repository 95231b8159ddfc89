import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface MistralCli {
  /** Runs `mistral <args>` and resolves with what it printed; rejects (with `stderr`) when it fails. */
  mistral(...args: string[]): Promise<string>;
  /** The same with `-f json`, parsed. */
  json<T = Record<string, unknown>>(...args: string[]): Promise<T>;
  /** Runs `openstack <args>` (python-openstackclient with the mistralclient plugin), without Keystone. */
  openstack(...args: string[]): Promise<string>;
  /** The same with `-f json`, parsed. */
  openstackJson<T = Record<string, unknown>>(...args: string[]): Promise<T>;
}

/** The environment without OS_* variables: the clients talk to the URL given, without Keystone. */
function noKeystoneEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OS_')));
}

/** A Keystone user the CLI logs in as (keystone mode), with the usual OS_* variables. */
export interface CliKeystoneUser {
  authUrl: string;
  username: string;
  password: string;
  /** the project by name or by id (OS_PROJECT_ID: the client then knows its project id, e.g. for member-get without -m) */
  project: { name: string } | { id: string };
}

/**
 * The real python-mistralclient (scripts/install-mistral-cli.sh), as an operator runs it, pointed
 * at `service` (its baseUrl is read at each call: a useTestApp handle will do). With `user` it
 * logs in to Keystone first and sends that token.
 */
export function mistralCli(service: { readonly baseUrl: string }, user?: CliKeystoneUser): MistralCli {
  async function mistral(...args: string[]): Promise<string> {
    // no OS_* variables of the test's environment: the CLI talks to the URL given, as `user` or without Keystone
    const env: NodeJS.ProcessEnv = noKeystoneEnv();
    if (user) {
      Object.assign(env, {
        OS_AUTH_URL: user.authUrl,
        OS_USERNAME: user.username,
        OS_PASSWORD: user.password,
        ...('id' in user.project ? { OS_PROJECT_ID: user.project.id } : { OS_PROJECT_NAME: user.project.name }),
        OS_USER_DOMAIN_ID: 'default',
        OS_PROJECT_DOMAIN_ID: 'default',
      });
    }
    const { stdout } = await run('mistral', ['--os-mistral-url', `${service.baseUrl}/v2`, ...args], { env });
    return stdout;
  }
  async function json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
    return JSON.parse(await mistral(...args, '-f', 'json')) as T;
  }
  async function openstack(...args: string[]): Promise<string> {
    const endpoint = ['--os-auth-type', 'none', '--os-endpoint', `${service.baseUrl}/v2`];
    const { stdout } = await run('openstack', [...endpoint, ...args], { env: noKeystoneEnv() });
    return stdout;
  }
  async function openstackJson<T = Record<string, unknown>>(...args: string[]): Promise<T> {
    return JSON.parse(await openstack(...args, '-f', 'json')) as T;
  }
  return { mistral, json, openstack, openstackJson };
}
