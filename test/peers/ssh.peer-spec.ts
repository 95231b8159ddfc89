import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import request from 'supertest';
import { freePort } from '../support/free-port';
import { ServiceProcess, useBuiltService } from '../support/service-process';
import { NO_DEFINITIONS_DIR, useTestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

// the service runs as `npm start` runs it, from dist/ (built first when the sources changed)
useBuiltService();

/** The test user scripts/sshd-dev.sh created (same variables, same defaults). */
const USER = process.env.SIROCCO_SSH_TEST_USER ?? 'sirocco-ssh';
const PASSWORD = process.env.SIROCCO_SSH_TEST_PASSWORD ?? 'ssh-test-pass';

function run(command: string, args: string[]): void {
  const done = spawnSync(command, args, { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${done.stderr}`);
}

/** A real OpenSSH sshd of its own: own config, host key and authorized_keys, on 127.0.0.1 and 127.0.0.2. */
class Sshd {
  readonly dir = mkdtempSync('/tmp/sirocco-sshd-');
  readonly keysDir = path.join(this.dir, 'keys');
  port = 0;
  private process?: ChildProcess;
  private log = '';

  async start(): Promise<void> {
    // sshd reads authorized_keys as the test user
    chmodSync(this.dir, 0o755);
    mkdirSync(this.keysDir, { mode: 0o700 });
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(this.dir, 'host_ed25519')]);
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sirocco-test', '-f', path.join(this.keysDir, 'id_test')]);
    run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', 'key-passphrase', '-f', path.join(this.keysDir, 'id_locked')]);
    const authorized = ['id_test.pub', 'id_locked.pub'].map((file) => readFileSync(path.join(this.keysDir, file), 'utf8')).join('');
    writeFileSync(path.join(this.dir, 'authorized_keys'), authorized, { mode: 0o644 });
    this.port = await freePort();
    const config = [
      `Port ${this.port}`,
      'ListenAddress 127.0.0.1',
      'ListenAddress 127.0.0.2',
      `HostKey ${path.join(this.dir, 'host_ed25519')}`,
      'PidFile none',
      'UsePAM no',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `AuthorizedKeysFile ${path.join(this.dir, 'authorized_keys')}`,
      'StrictModes no',
      'PermitRootLogin no',
      `AllowUsers ${USER}`,
      'AllowTcpForwarding yes',
      'LogLevel VERBOSE',
    ];
    writeFileSync(path.join(this.dir, 'sshd_config'), `${config.join('\n')}\n`);
    this.process = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(this.dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.process.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    await waitFor(
      `sshd on port ${this.port} (log: ${this.log})`,
      () =>
        new Promise<boolean>((resolve) => {
          const socket = connect(this.port, '127.0.0.1');
          socket.once('data', () => {
            socket.destroy();
            resolve(true);
          });
          socket.once('error', () => resolve(false));
        }),
    );
  }

  privateKey(name: string): string {
    return readFileSync(path.join(this.keysDir, name), 'utf8');
  }

  async stop(): Promise<void> {
    if (this.process && this.process.exitCode === null) {
      const exited = new Promise((resolve) => this.process!.once('exit', resolve));
      this.process.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const sshd = new Sshd();
/** accepts TCP connections and never says a word: an SSH server that hangs */
let silent: Server;
const silentSockets = new Set<Socket>();

beforeAll(async () => {
  await sshd.start();
  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
});
afterAll(async () => {
  await sshd.stop();
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

const WORKFLOWS = `
version: '2.0'
backup_wf:
  description: freeze the database host, take the snapshot, thaw it again
  input:
    - host
    - port
    - username
  output:
    frozen: <% $.frozen %>
    thawed: <% $.thawed %>
  tasks:
    freeze:
      action: std.ssh
      input:
        host: <% $.host %>
        port: <% $.port %>
        username: <% $.username %>
        private_key_filename: id_test
        cmd: echo frozen > ~/fs-state && cat ~/fs-state
      publish:
        frozen: <% $task().result %>
      on-success: [snapshot]
    snapshot:
      action: std.noop
      on-complete: [thaw]
    thaw:
      action: std.ssh
      input:
        host: <% $.host %>
        port: <% $.port %>
        username: <% $.username %>
        private_key_filename: id_test
        cmd: rm ~/fs-state && echo thawed
      publish:
        thawed: <% $task().result %>
slow_wf:
  input:
    - host
    - port
    - username
  tasks:
    hang:
      action: std.ssh host=<% $.host %> port=<% $.port %> username=<% $.username %> private_key_filename=id_test cmd="sleep 60"
      timeout: 1
login_wf:
  input:
    - host
    - port
    - username
    - password
    - cmd
  output:
    result: <% $.result %>
  tasks:
    run:
      action: std.ssh host=<% $.host %> port=<% $.port %> username=<% $.username %> password=<% $.password %> cmd=<% $.cmd %>
      publish:
        result: <% $task().result %>
`;

describe('std.ssh against a real OpenSSH sshd', () => {
  const t = useTestApp(
    { SIROCCO_SSH_KEYS_DIR: sshd.keysDir, SIROCCO_SSH_CONNECT_TIMEOUT_SECONDS: '2', SIROCCO_SSH_MAX_OUTPUT_BYTES: '65536' },
    { workflows: WORKFLOWS },
  );

  /** Runs std.ssh (or another action) on its own, as `mistral run-action` does. */
  const act = async (input: Record<string, unknown>, name = 'std.ssh') => {
    const response = await t.http.post('/v2/action_executions').send({ name, input });
    if (response.status !== 201) throw new Error(`${name}: ${response.status} ${JSON.stringify(response.body)}`);
    return { id: response.body.id as string, state: response.body.state as string, stateInfo: response.body.state_info as string | null, result: JSON.parse(response.body.output).result };
  };
  const keyLogin = () => ({ host: '127.0.0.1', port: sshd.port, username: USER, private_key_filename: 'id_test' });

  it("shows Mistral's signature, with port and timeout added", async () => {
    const action = await t.http.get('/v2/actions/std.ssh').expect(200);
    expect(action.body.input).toBe('cmd, host, username, password="", private_key_filename=null, private_key=null, return_result_on_error=false, port=22, timeout=null');
    expect(action.body.description).toContain("action parameter 'host'");
    const proxied = await t.http.get('/v2/actions/std.ssh_proxied').expect(200);
    expect(proxied.body.input).toBe(
      'cmd, host, username, private_key_filename, gateway_host, gateway_username=null, password=null, proxy_command=null, private_key=null, port=22, timeout=null, gateway_port=22',
    );
  });

  it('knows std.ssh when a workflow is stored, and checks its input when the task runs', async () => {
    const misspelt = await t.http
      .post('/v2/workflows')
      .set('Content-Type', 'text/plain')
      .send("version: '2.0'\nbad_ssh_wf:\n  tasks:\n    run:\n      action: std.shh cmd=ls host=h1\n");
    expect(misspelt.status).toBe(400);
    expect(misspelt.body.faultstring).toContain("unknown action 'std.shh'");
    await t.client.createWorkflow("version: '2.0'\nno_user_wf:\n  tasks:\n    run:\n      action: std.ssh cmd=ls host=h1 hostname=h2\n");
    const execution = await t.client.run('no_user_wf');
    expect(execution.state).toBe('ERROR');
    const task = await t.client.task(execution.id, 'run');
    expect(task.state_info).toContain("Invalid input [name=std.ssh, missing=['username'], unexpected=['hostname']]");
  });

  it("logs in with a key file of the keys folder and gives the command's stdout", async () => {
    const ran = await act({ ...keyLogin(), cmd: 'echo hi' });
    expect(ran).toMatchObject({ state: 'SUCCESS', result: 'hi\n' });
  });

  it('logs in with a password, and never shows it', async () => {
    const execution = await t.client.run('login_wf', { host: '127.0.0.1', port: sshd.port, username: USER, password: PASSWORD, cmd: 'whoami' });
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ result: `${USER}\n` });
    const task = await t.client.task(execution.id, 'run');
    const [action] = await t.client.actions(task.id);
    expect(action.input.password).toBe('***');
    expect(JSON.stringify(await t.http.get(`/v2/executions/${execution.id}`))).not.toContain(PASSWORD);
  });

  it('logs in with a key given as text, opened with the password as passphrase (as Mistral does)', async () => {
    const ran = await act({ host: '127.0.0.1', port: sshd.port, username: USER, private_key: sshd.privateKey('id_locked'), password: 'key-passphrase', cmd: 'echo keyed' });
    expect(ran).toMatchObject({ state: 'SUCCESS', result: 'keyed\n' });
    const shown = await t.http.get(`/v2/action_executions/${ran.id}`).expect(200);
    expect(JSON.stringify(shown.body)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(shown.body)).not.toContain('key-passphrase');
  });

  it('fails the task with the exit code and stderr when the command fails', async () => {
    const execution = await t.client.run('login_wf', { host: '127.0.0.1', port: sshd.port, username: USER, password: PASSWORD, cmd: 'echo partial; echo "disk full" >&2; exit 3' });
    expect(execution.state).toBe('ERROR');
    const task = await t.client.task(execution.id, 'run');
    expect(task.state).toBe('ERROR');
    expect(task.state_info).toContain("Failed to execute ssh cmd 'echo partial; echo \"disk full\" >&2; exit 3' on 127.0.0.1");
    expect(task.state_info).toContain('exit code 3');
    expect(task.state_info).toContain('disk full');
  });

  it('returns {stdout, stderr, exit_code} instead of failing when return_result_on_error is set', async () => {
    const ran = await act({ ...keyLogin(), cmd: 'echo out; echo err >&2; exit 2', return_result_on_error: true });
    expect(ran).toMatchObject({ state: 'SUCCESS', result: { stdout: 'out\n', stderr: 'err\n', exit_code: 2 } });
  });

  it('runs on each host of a list and gives the results in the order of the hosts', async () => {
    const cmd = "echo $SSH_CONNECTION | cut -d' ' -f3";
    const ran = await act({ ...keyLogin(), host: ['127.0.0.2', '127.0.0.1'], cmd });
    expect(ran).toMatchObject({ state: 'SUCCESS', result: ['127.0.0.2\n', '127.0.0.1\n'] });
    // Mistral's quirk: a list of one host gives the single value
    expect((await act({ ...keyLogin(), host: ['127.0.0.2'], cmd })).result).toBe('127.0.0.2\n');
  });

  it('says the login failed, without the wrong password, when the password is wrong', async () => {
    const wrong = 'wrong-Secret-42';
    const execution = await t.client.run('login_wf', { host: '127.0.0.1', port: sshd.port, username: USER, password: wrong, cmd: 'echo never' });
    expect(execution.state).toBe('ERROR');
    const task = await t.client.task(execution.id, 'run');
    expect(task.state_info).toContain(`authentication failed for user '${USER}'`);
    for (const shown of [await t.http.get(`/v2/executions/${execution.id}`), await t.http.get(`/v2/tasks/${task.id}`), await t.http.get(`/v2/tasks/${task.id}/action_executions`)]) {
      expect(JSON.stringify(shown.body)).not.toContain(wrong);
    }
  });

  it('fails with a clear error when nothing listens on the port, or the server never answers within the connect timeout', async () => {
    const closed = await freePort();
    const refused = await act({ ...keyLogin(), port: closed, cmd: 'echo never' });
    expect(refused.state).toBe('ERROR');
    expect(refused.result).toContain(`connection to 127.0.0.1:${closed} refused`);
    const hanging = await act({ ...keyLogin(), port: (silent.address() as AddressInfo).port, cmd: 'echo never' });
    expect(hanging.state).toBe('ERROR');
    expect(hanging.result).toContain('within 2 s');
  });

  it('ends a command that runs longer than its timeout, and one that writes more than the output limit', async () => {
    const slow = await act({ ...keyLogin(), cmd: 'echo $$ > ~/slow.pid; exec sleep 60', timeout: 1 });
    expect(slow.state).toBe('ERROR');
    expect(slow.result).toContain('the command did not finish within 1 s');
    // the command is ended on the host too
    await waitFor('the timed-out command ended on the host', async () => (await act({ ...keyLogin(), cmd: 'kill -0 $(cat ~/slow.pid) 2>/dev/null || echo gone' })).result === 'gone\n');
    const chatty = await act({ ...keyLogin(), cmd: "head -c 100000 /dev/zero | tr '\\0' a" });
    expect(chatty.state).toBe('ERROR');
    expect(chatty.result).toContain('more than 65536 bytes to stdout (SIROCCO_SSH_MAX_OUTPUT_BYTES)');
    const tooLong = await t.http.post('/v2/action_executions').send({ name: 'std.ssh', input: { ...keyLogin(), cmd: 'true', timeout: 999999999 } });
    expect(JSON.stringify(tooLong.body)).toContain('SIROCCO_MAX_DURATION_SECONDS');
  });

  it("stops waiting for the host when the task's timeout is over", async () => {
    const execution = await t.client.run('slow_wf', { host: '127.0.0.1', port: sshd.port, username: USER });
    expect(execution.state).toBe('ERROR');
    const task = await t.client.task(execution.id, 'hang');
    expect(task.state_info).toContain('timed out');
  });

  it('reads key files only inside the keys folder', async () => {
    const outside = await act({ ...keyLogin(), private_key_filename: '../authorized_keys', cmd: 'echo never' });
    expect(outside.state).toBe('ERROR');
    expect(outside.result).toContain('private_key_filename must not leave the SSH keys folder');
    const absolute = await act({ ...keyLogin(), private_key_filename: '/etc/ssh/ssh_host_rsa_key', cmd: 'echo never' });
    expect(absolute.result).toContain('absolute paths are not allowed (SIROCCO_SSH_ALLOW_ABSOLUTE_KEY_PATHS)');
    const inside = await act({ ...keyLogin(), private_key_filename: path.join(sshd.keysDir, 'id_test'), cmd: 'echo inside' });
    expect(inside).toMatchObject({ state: 'SUCCESS', result: 'inside\n' });
    const locked = await act({ ...keyLogin(), private_key_filename: 'id_locked', cmd: 'echo never' });
    expect(locked.state).toBe('ERROR');
    expect(locked.result).toMatch(/the private_key_filename key cannot be used: .*passphrase/);
    const missing = await act({ ...keyLogin(), private_key_filename: 'id_nothing', cmd: 'echo never' });
    expect(missing.result).toContain('private_key_filename names no file of the SSH keys folder');
  });

  it('runs a freeze / thaw pair of hooks around a snapshot', async () => {
    const execution = await t.client.run('backup_wf', { host: '127.0.0.1', port: sshd.port, username: USER });
    expect(execution.state).toBe('SUCCESS');
    expect(execution.output).toEqual({ frozen: 'frozen\n', thawed: 'thawed\n' });
  });

  it('std.ssh_proxied reaches the host through the gateway', async () => {
    const ran = await act(
      {
        ...keyLogin(),
        host: '127.0.0.2',
        gateway_host: '127.0.0.1',
        gateway_port: sshd.port,
        cmd: "echo $SSH_CONNECTION | cut -d' ' -f1,3",
      },
      'std.ssh_proxied',
    );
    // the gateway (127.0.0.1) connects to 127.0.0.2
    expect(ran).toMatchObject({ state: 'SUCCESS', result: '127.0.0.1 127.0.0.2\n' });
    const local = await t.http.post('/v2/action_executions').send({ name: 'std.ssh_proxied', input: { ...keyLogin(), gateway_host: '127.0.0.1', proxy_command: 'nc %h %p', cmd: 'true' } });
    expect(JSON.stringify(local.body)).toContain('proxy_command is not supported');
  });
});

describe('std.ssh credentials in the logs of the service process', () => {
  let service: ServiceProcess;
  let database: { url: string; drop: () => Promise<void> };
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    database = await createTestDatabase();
    const port = await freePort();
    service = await ServiceProcess.start({
      DATABASE_URL: database.url,
      SIROCCO_PORT: String(port),
      SIROCCO_DEFINITIONS_DIR: NO_DEFINITIONS_DIR,
      SIROCCO_LOG_LEVEL: 'trace',
      SIROCCO_SSH_KEYS_DIR: sshd.keysDir,
    });
    http = request(`http://127.0.0.1:${port}`);
  });
  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  it('logs no password, passphrase or key, whether the login works or not', async () => {
    const wrong = 'wrong-Secret-43';
    const lockedKey = sshd.privateKey('id_locked');
    const base = { host: '127.0.0.1', port: sshd.port, username: USER };
    const runs = [
      { ...base, password: PASSWORD, cmd: 'whoami' },
      { ...base, password: wrong, cmd: 'whoami' },
      { ...base, private_key: lockedKey, password: 'key-passphrase', cmd: 'echo fails >&2; exit 4' },
      { ...base, private_key: lockedKey, password: 'not-the-passphrase', cmd: 'true' },
    ];
    const states: string[] = [];
    for (const input of runs) states.push((await http.post('/v2/action_executions').send({ name: 'std.ssh', input }).expect(201)).body.state);
    expect(states).toEqual(['SUCCESS', 'ERROR', 'ERROR', 'ERROR']);
    // the log logs the requests (trace level): it would show what leaked
    await waitFor('the last request in the log', () => service.log.includes('/v2/action_executions'));
    const keyBody = lockedKey.split('\n')[3];
    for (const secret of [PASSWORD, wrong, 'key-passphrase', 'not-the-passphrase', keyBody, 'PRIVATE KEY']) {
      expect(service.log).not.toContain(secret);
    }
  });
});
