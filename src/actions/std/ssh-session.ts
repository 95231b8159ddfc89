import type { Duplex } from 'node:stream';
import { Client, type AnyAuthMethod, type ClientChannel, type ParsedKey } from 'ssh2';
import { MAX_TIMER_MS } from '../../common/long-timer';

/** Why a connection or a command did not give a result; the text names the cause, never a credential. */
export class SshError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshError';
  }
}

export interface SshLogin {
  host: string;
  port: number;
  username: string;
  /** password login (and keyboard-interactive, which servers often use for passwords) */
  password?: string;
  /** tried first, in order */
  keys: ParsedKey[];
}

export interface SshLimits {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  maxOutputBytes: number;
  /** aborted when the task times out, the execution is cancelled or the service stops */
  signal: AbortSignal;
}

export interface CommandOutcome {
  /** null when the command ended without a status (killed by a signal) */
  exitCode: number | null;
  exitSignal?: string;
  stdout: string;
  stderr: string;
}

/** Keys first, then the password (as paramiko does); only the methods the server still accepts. */
function authMethods(login: SshLogin): AnyAuthMethod[] {
  const { username, password } = login;
  const methods: AnyAuthMethod[] = login.keys.map((key) => ({ type: 'publickey', username, key }));
  if (password) {
    methods.push({ type: 'password', username, password });
    methods.push({ type: 'keyboard-interactive', username, prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)) });
  }
  return methods;
}

function connectFailure(error: Error & { level?: string; code?: string }, login: SshLogin, timeoutMs: number): SshError {
  if (error.level === 'client-authentication') return new SshError(`authentication failed for user '${login.username}'`);
  if (error.level === 'client-timeout') return new SshError(`no SSH session with ${login.host}:${login.port} within ${timeoutMs / 1000} s`);
  if (error.code === 'ECONNREFUSED') return new SshError(`connection to ${login.host}:${login.port} refused`);
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return new SshError(`host '${login.host}' not found`);
  return new SshError(`cannot connect to ${login.host}:${login.port}: ${error.message}`);
}

/**
 * An authenticated SSH connection, or SshError. The whole of it (TCP, handshake, login) is bounded
 * by the connect timeout. Host keys are accepted as they come, as Mistral does (paramiko's
 * AutoAddPolicy). `sock` is a channel through a gateway (std.ssh_proxied).
 */
export function connect(login: SshLogin, limits: SshLimits, sock?: Duplex): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const methods = authMethods(login);
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      limits.signal.removeEventListener('abort', onAbort);
      if (error) {
        client.destroy();
        reject(error);
      } else resolve(client);
    };
    const onAbort = (): void => finish(limits.signal.reason instanceof Error ? limits.signal.reason : new SshError('cancelled'));
    const timer = setTimeout(() => finish(new SshError(`no SSH session with ${login.host}:${login.port} within ${limits.connectTimeoutMs / 1000} s`)), Math.min(limits.connectTimeoutMs, MAX_TIMER_MS));
    if (limits.signal.aborted) return onAbort();
    limits.signal.addEventListener('abort', onAbort, { once: true });
    client.on('ready', () => finish());
    client.on('error', (error) => finish(connectFailure(error, login, limits.connectTimeoutMs)));
    client.on('close', () => finish(new SshError(`connection to ${login.host}:${login.port} closed before login`)));
    client.connect({
      host: login.host,
      port: login.port,
      username: login.username,
      sock,
      readyTimeout: limits.connectTimeoutMs,
      hostVerifier: () => true,
      authHandler: (authsLeft, _partialSuccess, next) => {
        // the first call has no list yet: then every method is worth a try
        const left = authsLeft as string[] | null;
        while (methods.length > 0) {
          const method = methods.shift()!;
          if (!left || left.includes(method.type)) return next(method);
        }
        next(false as unknown as AnyAuthMethod);
      },
    });
  });
}

/**
 * Runs `cmd` and collects its output and exit status. Fails (and ends the command) when it runs
 * longer than the command timeout or prints more than the output limit.
 */
export function execute(client: Client, cmd: string, limits: SshLimits): Promise<CommandOutcome> {
  return new Promise((resolve, reject) => {
    let channel: ClientChannel | undefined;
    let settled = false;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const size = { stdout: 0, stderr: 0 };
    let exit: { code: number | null; signal?: string } = { code: null };
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      limits.signal.removeEventListener('abort', onAbort);
      if (error) {
        // stop the command on the host too, where the server honours signals
        channel?.signal('KILL');
        channel?.close();
        return reject(error);
      }
      resolve({ exitCode: exit.code, exitSignal: exit.signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    };
    const onAbort = (): void => finish(limits.signal.reason instanceof Error ? limits.signal.reason : new SshError('cancelled'));
    const timer = setTimeout(() => finish(new SshError(`the command did not finish within ${limits.commandTimeoutMs / 1000} s`)), Math.min(limits.commandTimeoutMs, MAX_TIMER_MS));
    if (limits.signal.aborted) return onAbort();
    limits.signal.addEventListener('abort', onAbort, { once: true });
    const collect = (into: Buffer[], stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      size[stream] += chunk.length;
      if (size[stream] > limits.maxOutputBytes) {
        finish(new SshError(`the command wrote more than ${limits.maxOutputBytes} bytes to ${stream} (SIROCCO_SSH_MAX_OUTPUT_BYTES)`));
      } else into.push(chunk);
    };
    client.on('error', (error) => finish(new SshError(`connection lost: ${error.message}`)));
    client.on('close', () => finish(new SshError('connection closed before the command ended')));
    client.exec(cmd, (error, opened) => {
      if (error) return finish(new SshError(`the server refused to run the command: ${error.message}`));
      channel = opened;
      opened.on('data', collect(stdout, 'stdout'));
      opened.stderr.on('data', collect(stderr, 'stderr'));
      opened.on('exit', (code: number | null, signal?: string) => {
        exit = { code: typeof code === 'number' ? code : null, signal: signal ?? undefined };
      });
      opened.on('close', () => finish());
    });
  });
}
