import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { ExecutionsClient } from '../support/executions-client';
import { freePort } from '../support/free-port';
import { ServiceProcess, useBuiltService } from '../support/service-process';
import { SmtpSink } from '../support/smtp-sink';
import { NO_DEFINITIONS_DIR } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

// the service runs as `npm start` runs it, from dist/ (built first when the sources changed)
useBuiltService();

jest.setTimeout(180000);

/** Every secret of the run; none may show in a response, a log line or a mail. */
const SMTP_PASSWORD = 'Smtp-Pa55-4f9a1c';
const API_TOKEN = 'Tok-8c1e-77aa-e3';
const AUTH_PASSWORD = 'Auth-S3cr3t-91b';
const URL_PASSWORD = 'Url-Pa55-0d2c7';
const ENV_PASSWORD = 'EnvDb-Pa55-3e8f';
const ENV_HOOK_PASSWORD = 'EnvHook-77a1x';
const SECRETS = [SMTP_PASSWORD, API_TOKEN, AUTH_PASSWORD, URL_PASSWORD, ENV_PASSWORD, ENV_HOOK_PASSWORD];
/** what a Basic header would carry */
const ENCODED = [`svc:${AUTH_PASSWORD}`, `probe:${URL_PASSWORD}`, `pair-user:${AUTH_PASSWORD}`].map((pair) => Buffer.from(pair).toString('base64'));

function workflows(smtpServer: string): string {
  return `version: '2.0'
secrets_ok:
  description: no output, so its output is its whole context
  input:
    - smtp_password
    - api_token
    - http_auth
    - plain_url
    - cred_url
    - mail_to
  tasks:
    call_with_auth:
      action: std.http
      input:
        url: <% $.plain_url %>
        auth: <% $.http_auth %>
      publish:
        copied_token: <% $.api_token %>
        env_copy: <% $env().db_password %>
      on-success: [call_with_url_credentials]
    call_with_url_credentials:
      action: std.http url=<% $.cred_url %>
      on-success: [child]
    child:
      workflow: secrets_child
      input:
        carried: <% $.api_token %>
      on-success: [mail]
    mail:
      action: std.email
      input:
        to_addrs: [<% $.mail_to %>]
        subject: <% 'checked ' & $.cred_url %>
        body: <% 'checked ' & $.cred_url %>
        smtp_server: ${smtpServer}
        smtp_password: <% $.smtp_password %>

secrets_child:
  description: gets the token under a name that says nothing
  input:
    - carried
  tasks:
    say:
      action: std.echo output=<% $.carried %>

secrets_fail:
  input:
    - api_token
    - cred_url
    - http_auth
  tasks:
    probe:
      action: std.http url=<% $.cred_url & '/fail' %> auth=<% $.http_auth %>
      on-error:
        - fail(msg=<% 'could not reach ' & $.cred_url & ' with ' & $.api_token %>)
`;
}

/** A real HTTP server: /ok answers 200, anything else 500; it keeps the Authorization headers it got. */
async function startProbeServer(): Promise<{ server: Server; port: number; authorizations: string[] }> {
  const authorizations: string[] = [];
  const server = createServer((req, res) => {
    authorizations.push(req.headers.authorization ?? '');
    res.writeHead(req.url === '/ok' ? 200 : 500, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ok: req.url === '/ok' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as AddressInfo).port, authorizations };
}

describe('a run full of secrets', () => {
  let service: ServiceProcess;
  let database: { url: string; drop: () => Promise<void> };
  let probe: Awaited<ReturnType<typeof startProbeServer>>;
  let smtp: SmtpSink;
  let dataDir: string;
  let http: ReturnType<typeof request>;
  let client: ExecutionsClient;
  /** every API answer, labelled by request */
  const seen: Array<{ what: string; text: string }> = [];

  async function read(method: 'get' | 'post' | 'delete', url: string, body?: unknown): Promise<request.Response> {
    const response = body === undefined ? await http[method](url) : await http[method](url).send(body as object);
    seen.push({ what: `${method.toUpperCase()} ${url} -> ${response.status}`, text: response.text });
    return response;
  }

  beforeAll(async () => {
    probe = await startProbeServer();
    smtp = await new SmtpSink(SMTP_PASSWORD).start();
    database = await createTestDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), 'sirocco-secrets-'));
    const port = await freePort();
    service = await ServiceProcess.start({
      DATABASE_URL: database.url,
      SIROCCO_PORT: String(port),
      SIROCCO_DATA_DIR: dataDir,
      SIROCCO_DEFINITIONS_DIR: NO_DEFINITIONS_DIR,
      SIROCCO_LOG_LEVEL: 'trace',
      SIROCCO_SMTP_URL: `smtp://ops:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
      SIROCCO_OPERATOR_EMAIL: 'ops@example.org',
    });
    http = request(`http://127.0.0.1:${port}`);
    client = new ExecutionsClient(http as never);
  });

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
    await smtp?.stop();
    probe?.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows none of them in any response, log line or mail, while the engine used the real values', async () => {
    const base = `127.0.0.1:${probe.port}`;
    const credUrl = `http://probe:${URL_PASSWORD}@${base}`;
    await client.createWorkflow(workflows(`127.0.0.1:${smtp.port}`));
    const environment = await read('post', '/v2/environments', {
      name: 'secret_env',
      variables: JSON.stringify({ db_password: ENV_PASSWORD, webhook: `https://hook:${ENV_HOOK_PASSWORD}@example.org/x`, region: 'r1' }),
    });
    expect(environment.status).toBe(201);

    const input = {
      smtp_password: SMTP_PASSWORD,
      api_token: API_TOKEN,
      http_auth: `svc:${AUTH_PASSWORD}`,
      plain_url: `http://${base}/ok`,
      cred_url: `${credUrl}/ok`,
      mail_to: 'someone@example.org',
    };
    const created = await read('post', '/v2/executions', { workflow_name: 'secrets_ok', input: JSON.stringify(input), params: JSON.stringify({ env: 'secret_env' }) });
    expect(created.status).toBe(201);
    const ok = await client.waitFor(created.body.id);
    expect(ok.state).toBe('SUCCESS');

    const failing = await read('post', '/v2/executions', {
      workflow_name: 'secrets_fail',
      input: JSON.stringify({ api_token: API_TOKEN, cred_url: credUrl, http_auth: `svc:${AUTH_PASSWORD}` }),
    });
    expect(failing.status).toBe(201);
    const failed = await client.waitFor(failing.body.id);
    expect(failed.state).toBe('ERROR');

    // an action run on its own, with auth and URL credentials
    const adHoc = await read('post', '/v2/action_executions', {
      name: 'std.http',
      input: JSON.stringify({ url: `${credUrl}/fail`, auth: `svc:${AUTH_PASSWORD}` }),
    });
    expect(adHoc.status).toBe(201);
    const pair = await read('post', '/v2/action_executions', { name: 'std.http', input: { url: `http://${base}/ok`, auth: ['pair-user', AUTH_PASSWORD] } });
    expect(pair.status).toBe(201);
    expect(JSON.parse(pair.body.output)).toMatchObject({ result: { status: 200 } });

    // cron triggers with secret input: one fires, one cannot start (its environment does not exist)
    const triggerInput = JSON.stringify({ api_token: API_TOKEN, cred_url: credUrl, http_auth: `svc:${AUTH_PASSWORD}` });
    for (const [name, env] of [['secret_trigger', 'secret_env'], ['broken_trigger', 'no_such_env']]) {
      const trigger = await read('post', '/v2/cron_triggers', {
        name,
        workflow_name: 'secrets_fail',
        pattern: '0 0 1 1 *',
        workflow_input: triggerInput,
        workflow_params: JSON.stringify({ env }),
      });
      expect(trigger.status).toBe(201);
      expect((await read('post', `/v2/cron_triggers/${name}/fire`)).status).toBe(201);
    }
    // the failed firing's report reaches the operator
    await waitFor('a failure report mailed to the operator', () => smtp.mails.some((mail) => mail.envelopeTo.includes('ops@example.org')), { timeoutMs: 20000, intervalMs: 50 });
    const triggered = (await read('get', '/v2/cron_triggers/secret_trigger/firings')).body.firings[0].execution_id as string;
    await client.waitFor(triggered);

    // every endpoint that could show them
    const executions = (await read('get', '/v2/executions?include_output=true')).body.executions as Array<{ id: string }>;
    expect(executions.length).toBe(5); // with the sub-workflow, and the broken firing recorded in ERROR
    await read('get', '/v2/executions');
    for (const { id } of executions) {
      await read('get', `/v2/executions/${id}`);
      await read('get', `/v2/executions/${id}/report`);
      await read('get', `/v2/executions/${id}/tasks`);
      await read('get', `/v2/executions/${id}/executions`);
    }
    const tasks = (await read('get', '/v2/tasks')).body.tasks as Array<{ id: string }>;
    for (const { id } of tasks) {
      await read('get', `/v2/tasks/${id}`);
      await read('get', `/v2/tasks/${id}/action_executions?include_output=true`);
    }
    const actions = (await read('get', '/v2/action_executions?include_output=true')).body.action_executions as Array<{ id: string }>;
    expect(actions.length).toBeGreaterThanOrEqual(7);
    for (const { id } of actions) await read('get', `/v2/action_executions/${id}`);
    for (const name of ['secret_trigger', 'broken_trigger']) {
      await read('get', `/v2/cron_triggers/${name}`);
      await read('get', `/v2/cron_triggers/${name}/firings`);
    }
    await read('get', '/v2/cron_triggers');
    await read('get', '/v2/environments');
    await read('get', '/v2/environments/secret_env');
    // secrets a client put in a query string (logged with each request)
    expect((await read('get', `/v2/executions?api_token=${API_TOKEN}`)).status).toBe(400);
    expect((await read('get', `/v2/tasks?state_info=${encodeURIComponent(`${credUrl}/x`)}`)).status).toBe(200);

    // the engine worked with the real values: the probe got both Basic credentials, the SMTP sink the password
    expect(probe.authorizations).toEqual(expect.arrayContaining(ENCODED.map((encoded) => `Basic ${encoded}`)));
    expect(smtp.mails.some((mail) => mail.envelopeTo.includes('someone@example.org'))).toBe(true);
    // and the API shows that secrets were there, masked
    expect(ok.output).toMatchObject({ smtp_password: '***', api_token: '***', copied_token: '***', env_copy: '***', cred_url: `http://***@${base}/ok` });
    expect(failed.state_info).toContain(`could not reach http://***@${base} with ***`);

    const mails = smtp.mails.map((mail) => ({
      what: `mail to ${mail.envelopeTo.join(', ')}: ${mail.parsed.subject ?? ''}`,
      text: [mail.parsed.subject, mail.parsed.text, mail.parsed.html, ...mail.parsed.headerLines.map((line) => line.line)].join('\n'),
    }));
    const outbox = path.join(dataDir, 'outbox');
    const outboxFiles = existsSync(outbox) ? readdirSync(outbox).map((file) => ({ what: `outbox ${file}`, text: readFileSync(path.join(outbox, file), 'utf8') })) : [];
    const logLines = service.log.split('\n').map((line, index) => ({ what: `log line ${index + 1}`, text: line }));

    const leaks: string[] = [];
    for (const { what, text } of [...seen, ...mails, ...outboxFiles, ...logLines]) {
      for (const secret of [...SECRETS, ...ENCODED]) if (text.includes(secret)) leaks.push(`${what}: ${secret}\n  ${text.slice(0, 400)}`);
    }
    expect(leaks).toEqual([]);
    // the proof covered what it claims: every kind of source, and a log that logs everything
    expect(seen.length).toBeGreaterThan(40);
    expect(mails.length).toBeGreaterThanOrEqual(2);
    expect(logLines.length).toBeGreaterThan(50);
    expect(service.log).toContain('/v2/executions?api_token=***');
    process.stdout.write(`secrets checked in ${seen.length} API answers, ${mails.length} mails, ${outboxFiles.length} outbox files, ${logLines.length} log lines\n`);
  });
});
