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

/**
 * The real python-mistralclient (scripts/install-mistral-cli.sh), as an operator runs it, pointed
 * at `service` (its baseUrl is read at each call: a useTestApp handle will do).
 */
export function mistralCli(service: { readonly baseUrl: string }): MistralCli {
  async function mistral(...args: string[]): Promise<string> {
    const { stdout } = await run('mistral', ['--os-mistral-url', `${service.baseUrl}/v2`, ...args], { env: noKeystoneEnv() });
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
