import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../support/free-port';
import { startTestApp, type TestApp } from '../support/test-app';
import { ExecutionsClient } from '../support/executions-client';
import { waitFor } from '../support/wait-for';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A service that takes work from std.mistral_http: it answers 202 at once, then does the work and
 * reports with PUT on the callback URL it was given, as a Mistral-aware service would.
 */
async function startWorker(report: (received: Received) => { state: string; output: unknown }): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const one = { headers: req.headers, body };
      received.push(one);
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"accepted": true}');
      const callback = String(req.headers['mistral-callback-url']);
      void fetch(callback, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report(one)) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/work`, received };
}

const WORKFLOWS = (workerUrl: string) => `
version: '2.0'
resize_wf:
  input: [size]
  output:
    reply: <% $.reply %>
  tasks:
    ask:
      action: std.mistral_http url=${workerUrl} method=POST
      input:
        json:
          size: <% $.size %>
      publish:
        reply: <% $task().result %>
`;

/** std.mistral_http: an HTTP request that tells the receiver where to report, then waits for that report. */
describe('std.mistral_http', () => {
  let t: TestApp;
  let client: ExecutionsClient;
  let worker: Awaited<ReturnType<typeof startWorker>>;

  beforeAll(async () => {
    worker = await startWorker((received) => ({ state: 'SUCCESS', output: { resized_to: (JSON.parse(received.body) as { size: number }).size } }));
    // the public URL is where receivers call back: this instance, on a port chosen up front
    const port = await freePort();
    t = await startTestApp({ SIROCCO_PORT: String(port), SIROCCO_PUBLIC_URL: `http://127.0.0.1:${port}` }, { listenPort: port });
    client = new ExecutionsClient(t.http);
    await client.createWorkflow(WORKFLOWS(worker.url));
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => worker?.server.close(resolve));
  });

  it("sends Mistral's callback headers, waits for the PUT on the callback URL, and goes on with its result", async () => {
    const done = await client.run('resize_wf', { size: 40 });
    expect(done.state).toBe('SUCCESS');
    expect(done.output).toEqual({ reply: { resized_to: 40 } });
    const task = await client.task(done.id, 'ask');
    const [action] = await client.actions(task.id);
    expect(worker.received).toHaveLength(1);
    const { headers, body } = worker.received[0];
    expect(JSON.parse(body)).toEqual({ size: 40 });
    expect(headers).toMatchObject({
      'mistral-workflow-name': 'resize_wf',
      'mistral-workflow-execution-id': done.id,
      'mistral-task-id': task.id,
      'mistral-action-execution-id': action.id,
      'mistral-callback-url': `${t.baseUrl}/v2/action_executions/${action.id}`,
    });
  });

  it('run on its own (POST /v2/action_executions): RUNNING until the receiver reports, then SUCCESS with its result', async () => {
    const started = await t.http.post('/v2/action_executions').send({ name: 'std.mistral_http', input: { url: worker.url, method: 'POST', json: { size: 7 } } }).expect(201);
    const id = started.body.id as string;
    const done = await waitFor('the reported action', async () => {
      const action = await t.http.get(`/v2/action_executions/${id}`).expect(200);
      return action.body.state === 'SUCCESS' ? action.body : undefined;
    });
    expect(JSON.parse(done.output)).toEqual({ result: { resized_to: 7 } });
    const { headers } = worker.received[worker.received.length - 1];
    expect(headers).toMatchObject({ 'mistral-action-execution-id': id, 'mistral-callback-url': `${t.baseUrl}/v2/action_executions/${id}`, 'mistral-task-id': '' });
  });

  it('a refusing receiver (HTTP 400 or more) fails the task at once', async () => {
    await client.createWorkflow(`version: '2.0'
refused_wf:
  tasks:
    ask:
      action: std.mistral_http url=${t.baseUrl}/v2/no_such_thing method=POST
`);
    const done = await client.run('refused_wf');
    expect(done.state).toBe('ERROR');
    expect((await client.task(done.id, 'ask')).state_info).toContain('failed with HTTP 404');
  });
});
