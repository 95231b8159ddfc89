import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ExecutionsClient } from '../support/executions-client';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A small web service for std.http to talk to; it records every request. */
async function startWebService(): Promise<{ server: Server; baseUrl: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/servers') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-1' });
        res.end(JSON.stringify({ servers: [{ name: 'vm1' }], query: Object.fromEntries(url.searchParams) }));
      } else if (url.pathname === '/text') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('plain words');
      } else if (url.pathname === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ itemNotFound: { code: 404, message: 'Instance vm9 could not be found.' } }));
      } else if (url.pathname === '/slow') {
        setTimeout(() => res.end('late'), 5000);
      } else {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ created: true }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** The standard actions as workflow authors use them, against a real web service and a real SMTP server. */
describe('std actions', () => {
  let t: TestApp;
  let client: ExecutionsClient;
  let web: Awaited<ReturnType<typeof startWebService>>;
  let smtp: SmtpSink;

  beforeAll(async () => {
    web = await startWebService();
    smtp = await new SmtpSink().start();
    t = await startTestApp({ SIROCCO_SMTP_URL: smtp.url, SIROCCO_MAIL_FROM: 'sirocco@cloud.example' });
    client = new ExecutionsClient(t.http);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
    web.server.closeAllConnections();
    await new Promise((resolve) => web.server.close(resolve));
  });

  it('std.http sends method, query, headers, basic auth and a JSON body; the result is status, headers and parsed content', async () => {
    await client.createWorkflow(`
version: '2.0'
http_wf:
  input:
    - base
  tasks:
    list:
      action: std.http
      input:
        url: <% $.base & '/servers' %>
        params: {status: ACTIVE, limit: 2}
        headers: {X-Trace: abc}
        auth: ops:s3cret
      publish:
        names: <% $task().result.content.servers.name %>
      on-success: create
    create:
      action: std.http
      input:
        url: <% $.base & '/create' %>
        method: POST
        json: {name: vm2, size: 3}
      on-success: text
    text:
      action: std.http url=<% $.base & '/text' %>
`);
    const execution = await client.run('http_wf', { base: web.baseUrl });
    expect(execution.state).toBe('SUCCESS');

    const list = await client.task(execution.id, 'list');
    const result = list.result as { status: number; headers: Record<string, string>; content: Record<string, unknown> };
    expect(result.status).toBe(200);
    expect(result.headers['x-request-id']).toBe('req-1');
    expect(result.content).toEqual({ servers: [{ name: 'vm1' }], query: { status: 'ACTIVE', limit: '2' } });
    expect(list.published).toEqual({ names: 'vm1' });

    const [get, post] = web.seen.slice(-3);
    expect(get.method).toBe('GET');
    expect(get.headers['x-trace']).toBe('abc');
    expect(get.headers.authorization).toBe(`Basic ${Buffer.from('ops:s3cret').toString('base64')}`);
    expect(post.method).toBe('POST');
    expect(post.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post.body)).toEqual({ name: 'vm2', size: 3 });
    expect(((await client.task(execution.id, 'create')).result as { status: number }).status).toBe(201);
    expect(((await client.task(execution.id, 'text')).result as { content: string }).content).toBe('plain words');
  });

  it('std.http fails the task on an error status, with the response as the error result', async () => {
    await client.createWorkflow(`
version: '2.0'
http_404_wf:
  input:
    - base
  tasks:
    get:
      action: std.http url=<% $.base & '/missing' %>
      publish-on-error:
        reason: <% $task().result.content.itemNotFound.message %>
        status: <% $task().result.status %>
      on-error: noted
    noted:
      action: std.noop
`);
    const execution = await client.run('http_404_wf', { base: web.baseUrl });
    expect(execution.state).toBe('SUCCESS');
    const get = await client.task(execution.id, 'get');
    expect(get.state).toBe('ERROR');
    expect(get.published).toEqual({ reason: 'Instance vm9 could not be found.', status: 404 });
    expect(get.state_info).toContain('HTTP 404');
  });

  it('std.http gives up after its timeout', async () => {
    await client.createWorkflow(`
version: '2.0'
http_slow_wf:
  input:
    - base
  tasks:
    get:
      action: std.http url=<% $.base & '/slow' %> timeout=0.5
`);
    const execution = await client.run('http_slow_wf', { base: web.baseUrl });
    expect(execution.state).toBe('ERROR');
    expect((await client.task(execution.id, 'get')).state_info).toContain('timed out after 0.5 s');
  });

  it('std.echo waits its delay, std.sleep sleeps, std.fail fails with its error_data', async () => {
    await client.createWorkflow(`
version: '2.0'
basic_wf:
  tasks:
    echo:
      action: std.echo output=<% [1, 2] %> delay=0.3
      on-success: nap
    nap:
      action: std.sleep seconds=0.3
      on-success: boom
    boom:
      action: std.fail
      input:
        error_data: {code: 42}
      publish-on-error:
        code: <% $task().result.code %>
`);
    const started = Date.now();
    const execution = await client.run('basic_wf');
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(execution.state).toBe('ERROR');
    expect((await client.task(execution.id, 'echo')).result).toEqual([1, 2]);
    expect((await client.task(execution.id, 'nap')).state).toBe('SUCCESS');
    const boom = await client.task(execution.id, 'boom');
    expect(boom.state).toBe('ERROR');
    expect(boom.published).toEqual({ code: 42 });
  });

  it('refuses an action input that does not fit its parameters, naming them', async () => {
    await client.createWorkflow(`
version: '2.0'
bad_input_wf:
  tasks:
    echo:
      action: std.echo
      input:
        outptu: x
`);
    const execution = await client.run('bad_input_wf');
    expect(execution.state).toBe('ERROR');
    const echo = await client.task(execution.id, 'echo');
    expect(echo.state_info).toContain("missing=['output']");
    expect(echo.state_info).toContain("unexpected=['outptu']");
    expect(web.seen.every((request) => !request.url.includes('outptu'))).toBe(true);
  });

  it('std.email sends through the configured SMTP server with every address field', async () => {
    await client.createWorkflow(`
version: '2.0'
mail_wf:
  input:
    - server
  tasks:
    report:
      action: std.email
      input:
        to_addrs: [owner@example.org, ops@example.org]
        cc_addrs: [boss@example.org]
        bcc_addrs: audit@example.org
        reply_to: noreply@example.org
        subject: <% 'Snapshot of ' & $.server & ' succeeded' %>
        body: <% 'Server ' & $.server & ' has a new snapshot.' %>
        html_body: <% '<p>Server <b>' & $.server & '</b></p>' %>
`);
    const before = smtp.mails.length;
    const execution = await client.run('mail_wf', { server: 'vm1' });
    expect(execution.state).toBe('SUCCESS');
    expect(smtp.mails).toHaveLength(before + 1);
    const mail = smtp.mails[before];
    expect(mail.envelopeFrom).toBe('sirocco@cloud.example');
    expect(mail.envelopeTo.sort()).toEqual(['audit@example.org', 'boss@example.org', 'ops@example.org', 'owner@example.org']);
    expect(mail.parsed.subject).toBe('Snapshot of vm1 succeeded');
    expect(mail.parsed.text?.trim()).toBe('Server vm1 has a new snapshot.');
    expect(mail.parsed.html).toContain('<b>vm1</b>');
    expect(mail.parsed.replyTo?.text).toBe('noreply@example.org');
    expect(mail.parsed.cc && !Array.isArray(mail.parsed.cc) ? mail.parsed.cc.text : '').toBe('boss@example.org');
    expect(mail.parsed.headers.get('bcc')).toBeUndefined();
  });

  it('std.email logs in to the server a definition names with smtp_server and smtp_password, which no API response shows', async () => {
    const guarded = await new SmtpSink('mail-pass-9').start();
    try {
      await client.createWorkflow(`
version: '2.0'
mail_login_wf:
  input:
    - smtp
  tasks:
    report:
      action: std.email
      input:
        from_addr: reports@example.org
        to_addrs: owner@example.org
        subject: hi
        body: there
        smtp_server: <% $.smtp %>
        smtp_password: mail-pass-9
`);
      const execution = await client.run('mail_login_wf', { smtp: `127.0.0.1:${guarded.port}` });
      expect(execution.state).toBe('SUCCESS');
      expect(guarded.mails).toHaveLength(1);
      expect(guarded.mails[0].user).toBe('reports@example.org');
      const task = await client.task(execution.id, 'report');
      const responses = [
        await t.http.get(`/v2/tasks/${task.id}/action_executions`),
        await t.http.get(`/v2/action_executions?task_execution_id=${task.id}`),
        await t.http.get(`/v2/executions/${execution.id}/report`),
      ];
      for (const response of responses) {
        expect(response.status).toBe(200);
        expect(JSON.stringify(response.body)).not.toContain('mail-pass-9');
      }
    } finally {
      await guarded.stop();
    }
  });

  it('std.email fails the task with the server refusal when the login is wrong', async () => {
    const guarded = await new SmtpSink('right').start();
    try {
      await client.createWorkflow(`
version: '2.0'
mail_wrong_wf:
  input:
    - smtp
  tasks:
    report:
      action: std.email to_addrs=a@example.org subject=x body=y from_addr=me@example.org smtp_server=<% $.smtp %> smtp_password=wrong
`);
      const execution = await client.run('mail_wrong_wf', { smtp: `127.0.0.1:${guarded.port}` });
      expect(execution.state).toBe('ERROR');
      const report = await client.task(execution.id, 'report');
      expect(report.state_info).toContain('Invalid username or password');
      expect(report.state_info).not.toContain('wrong');
      expect(guarded.mails).toHaveLength(0);
    } finally {
      await guarded.stop();
    }
  });
});

describe('std.email with no SMTP server configured', () => {
  let t: TestApp;
  let outbox: string;

  beforeAll(async () => {
    outbox = mkdtempSync(path.join(tmpdir(), 'sirocco-outbox-'));
    t = await startTestApp({ SIROCCO_MAIL_OUTBOX_DIR: outbox });
  });
  afterAll(async () => {
    await t.close();
    rmSync(outbox, { recursive: true, force: true });
  });

  it('writes the mail to the outbox folder, so that nothing is lost', async () => {
    const client = new ExecutionsClient(t.http);
    await client.createWorkflow(`
version: '2.0'
outbox_wf:
  tasks:
    report:
      action: std.email
      input:
        to_addrs: owner@example.org
        subject: Snapshot failed
        body: 'vm1: quota exceeded'
`);
    const execution = await client.run('outbox_wf');
    expect(execution.state).toBe('SUCCESS');
    const files = readdirSync(outbox).filter((file) => file.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const message = readFileSync(path.join(outbox, files[0]), 'utf8');
    expect(message).toContain('To: owner@example.org');
    expect(message).toContain('Subject: Snapshot failed');
    expect(message).toContain('vm1: quota exceeded');
    const result = (await client.task(execution.id, 'report')).result as { outbox_file: string };
    expect(result.outbox_file).toBe(path.join(outbox, files[0]));
  });
});
