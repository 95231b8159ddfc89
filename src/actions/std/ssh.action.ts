import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { SecretMasker } from '../../common/secret-mask';
import type { SshSettings } from '../../config/sirocco-config';
import { ActionFailure, ActionInputError, type ActionHandler, type ActionParameter, type ActionRunContext } from '../action.types';
import { loginKeys } from './ssh-keys';
import { connect, execute, SshError, type CommandOutcome, type SshLimits, type SshLogin } from './ssh-session';

type Input = Record<string, unknown>;

/** How much of stderr an error message quotes (its end, where the reason usually is). */
const STDERR_IN_MESSAGE = 4000;

const DESCRIPTION =
  'Runs Secure Shell (SSH) command on provided single or multiple hosts.\n\n' +
  "It is allowed to provide either a single host or a list of hosts in\naction parameter 'host'. In case of a single host the action result\n" +
  'will be a single value, otherwise a list of results provided in the\nsame order as provided hosts.';

/** Parameters Mistral does not have: where the host listens, how long a command may run. */
const SIROCCO_PARAMETERS: ActionParameter[] = [
  { name: 'port', default: 22 },
  { name: 'timeout', default: null },
];

function optionalText(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new ActionInputError(`${name} must be a string`);
  return value;
}

function requiredText(input: Input, name: string): string {
  const value = optionalText(input, name);
  if (value === undefined) throw new ActionInputError(`${name} must be a non-empty string`);
  return value;
}

function hostList(value: unknown): string[] {
  const hosts = Array.isArray(value) ? value : [value];
  if (hosts.length === 0 || !hosts.every((host) => typeof host === 'string' && host.trim() !== '')) {
    throw new ActionInputError('host must be a host name or address, or a non-empty list of them');
  }
  return hosts as string[];
}

function portOf(input: Input, name: string): number {
  const port = Number(input[name] ?? 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ActionInputError(`${name} must be a port number from 1 to 65535`);
  return port;
}

function limitsOf(input: Input, settings: SshSettings, maxDurationSeconds: number, signal: AbortSignal): SshLimits {
  let seconds = settings.commandTimeoutSeconds;
  if (input.timeout !== null && input.timeout !== undefined) {
    seconds = Number(input.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new ActionInputError('timeout must be a number of seconds above 0');
    if (seconds > maxDurationSeconds) {
      throw new ActionInputError(`timeout: ${String(input.timeout)} seconds is more than the limit of ${maxDurationSeconds} seconds (SIROCCO_MAX_DURATION_SECONDS)`);
    }
  }
  return { connectTimeoutMs: settings.connectTimeoutSeconds * 1000, commandTimeoutMs: seconds * 1000, maxOutputBytes: settings.maxOutputBytes, signal };
}

function statusText(outcome: CommandOutcome): string {
  const status = outcome.exitCode !== null ? `exit code ${outcome.exitCode}` : `killed by signal ${outcome.exitSignal ?? 'unknown'}`;
  const stderr = outcome.stderr.length > STDERR_IN_MESSAGE ? `...${outcome.stderr.slice(-STDERR_IN_MESSAGE)}` : outcome.stderr;
  return `${status}, stderr: ${stderr.trimEnd() || '(empty)'}`;
}

/** Mistral's shape: one host gives its value, several a list in the order of the hosts. */
function collected<T>(results: T[]): T | T[] {
  return results.length > 1 ? results : results[0];
}

interface SshRun {
  cmd: string;
  hosts: string[];
  login: Omit<SshLogin, 'host'>;
  limits: SshLimits;
  returnResultOnError: boolean;
}

/**
 * Runs the command on each host in turn (as Mistral does). `open` gives the connection to a host:
 * direct, or through a gateway.
 */
async function runOnHosts(run: SshRun, masker: SecretMasker, open: (login: SshLogin) => Promise<Client>): Promise<unknown> {
  const results: unknown[] = [];
  for (const host of run.hosts) {
    // Mistral's message, plus the reason (which Mistral only logs)
    const failed = (reason: string): ActionFailure => new ActionFailure(masker.text(`Failed to execute ssh cmd '${run.cmd}' on ${host}: ${reason}`));
    let outcome: CommandOutcome;
    let client: Client | undefined;
    try {
      client = await open({ ...run.login, host });
      outcome = await execute(client, run.cmd, run.limits);
    } catch (error) {
      // the task's own timeout or a cancellation: let the engine say why
      if (run.limits.signal.aborted) throw run.limits.signal.reason;
      if (error instanceof SshError) throw failed(error.message);
      throw error;
    } finally {
      client?.end();
    }
    if (run.returnResultOnError) results.push({ stdout: outcome.stdout, stderr: outcome.stderr, exit_code: outcome.exitCode ?? -1 });
    else if (outcome.exitCode !== 0) throw failed(statusText(outcome));
    else results.push(outcome.stdout);
  }
  return collected(results);
}

async function prepareRun(input: Input, settings: SshSettings, maxDurationSeconds: number, context: ActionRunContext): Promise<SshRun> {
  const password = optionalText(input, 'password');
  return {
    cmd: requiredText(input, 'cmd'),
    hosts: hostList(input.host),
    login: {
      port: portOf(input, 'port'),
      username: requiredText(input, 'username'),
      password,
      keys: await loginKeys({ privateKey: optionalText(input, 'private_key'), privateKeyFilename: optionalText(input, 'private_key_filename'), password }, settings),
    },
    limits: limitsOf(input, settings, maxDurationSeconds, context.signal),
    returnResultOnError: input.return_result_on_error === true || input.return_result_on_error === 'true',
  };
}

/** Runs `body` so that no message it throws shows the input's password or key. */
async function masked<T>(input: Input, body: (masker: SecretMasker) => Promise<T>): Promise<T> {
  const masker = SecretMasker.of(input);
  try {
    return await body(masker);
  } catch (error) {
    if (error instanceof ActionFailure) throw new ActionFailure(masker.text(error.message), error.data);
    if (error instanceof ActionInputError) throw new ActionInputError(masker.text(error.message));
    throw error;
  }
}

/** std.ssh: Mistral's parameters and result (stdout, or a list of them for a list of hosts). */
export function sshAction(settings: SshSettings, maxDurationSeconds: number): ActionHandler {
  return {
    name: 'std.ssh',
    description: DESCRIPTION,
    parameters: [
      { name: 'cmd' },
      { name: 'host' },
      { name: 'username' },
      { name: 'password', default: '' },
      { name: 'private_key_filename', default: null },
      { name: 'private_key', default: null },
      { name: 'return_result_on_error', default: false },
      ...SIROCCO_PARAMETERS,
    ],
    // a command may change things: after a crash it is not run again unless the task says safe-rerun
    isIdempotent: () => false,
    run: (input, context) =>
      masked(input, async (masker) => {
        const run = await prepareRun(input, settings, maxDurationSeconds, context);
        return runOnHosts(run, masker, (login) => connect(login, run.limits));
      }),
  };
}

/** A channel from the gateway to the host's SSH port (Mistral runs `nc <host> 22` on the gateway). */
function tunnel(gateway: Client, login: SshLogin): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    gateway.forwardOut('127.0.0.1', 0, login.host, login.port, (error, channel) => {
      if (error) reject(new SshError(`the gateway cannot reach ${login.host}:${login.port}: ${error.message}`));
      else resolve(channel);
    });
  });
}

/** std.ssh_proxied: std.ssh through a gateway host, with Mistral's parameters. */
export function sshProxiedAction(settings: SshSettings, maxDurationSeconds: number): ActionHandler {
  return {
    name: 'std.ssh_proxied',
    description: `${DESCRIPTION}\n\nThe connection goes through gateway_host (as gateway_username, with the same key).`,
    parameters: [
      { name: 'cmd' },
      { name: 'host' },
      { name: 'username' },
      { name: 'private_key_filename' },
      { name: 'gateway_host' },
      { name: 'gateway_username', default: null },
      { name: 'password', default: null },
      { name: 'proxy_command', default: null },
      { name: 'private_key', default: null },
      ...SIROCCO_PARAMETERS,
      { name: 'gateway_port', default: 22 },
    ],
    isIdempotent: () => false,
    run: (input, context) =>
      masked(input, async (masker) => {
        // a command run on the Sirocco host itself is not something a workflow may ask for
        if (optionalText(input, 'proxy_command')) throw new ActionInputError('proxy_command is not supported: Sirocco runs no local commands');
        const run = await prepareRun(input, settings, maxDurationSeconds, context);
        const gatewayLogin: SshLogin = {
          ...run.login,
          host: requiredText(input, 'gateway_host'),
          port: portOf(input, 'gateway_port'),
          username: optionalText(input, 'gateway_username') ?? run.login.username,
        };
        return runOnHosts(run, masker, async (login) => {
          let gateway: Client;
          try {
            gateway = await connect(gatewayLogin, run.limits);
          } catch (error) {
            if (error instanceof SshError) throw new SshError(`gateway ${gatewayLogin.host}: ${error.message}`);
            throw error;
          }
          try {
            const client = await connect(login, run.limits, await tunnel(gateway, login));
            // the gateway's connection ends with the host's
            client.on('close', () => gateway.end());
            return client;
          } catch (error) {
            gateway.end();
            throw error;
          }
        });
      }),
  };
}
