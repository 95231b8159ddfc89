import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeystoneToken } from '../../../identity/keystone/keystone.types';
import { COMPUTE } from './compute.client';
import { IMAGE } from './image.client';
import { OpenStackError } from './openstack-error';
import { OpenStackSession, type TokenProvider } from './openstack-session';
import { VOLUME } from './volume.client';

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

/** A real HTTP server answering as the test says, recording what it was sent. */
class StubService {
  private server!: Server;
  url = '';
  readonly seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
  handler: Handler = (_request, response) => response.end();

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        this.seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        this.handler(request, response, body);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Tokens as a provider hands them out, numbered so a test sees which one a request carried. */
class CountingTokens implements TokenProvider {
  issued = 0;
  freshRequests = 0;
  constructor(private readonly catalogFor: () => KeystoneToken['catalog']) {}

  async token(fresh?: boolean): Promise<KeystoneToken> {
    if (fresh) this.freshRequests++;
    if (fresh || this.issued === 0) this.issued++;
    return {
      token: `secret-token-number-${this.issued}`,
      expiresAt: new Date(Date.now() + 3600_000),
      issuedAt: new Date(),
      methods: ['password'],
      user: { id: 'u1', name: 'demo', domain: { id: 'default' }, domainId: 'default' },
      project: { id: 'p1', name: 'demo', domain: { id: 'default' }, domainId: 'default' },
      roles: ['member'],
      catalog: this.catalogFor(),
      trust: null,
    };
  }
}

const endpoints = (url: string, region = 'RegionOne') =>
  (['public', 'internal', 'admin'] as const).map((iface) => ({ interface: iface, region_id: region, region, url: `${url}/${iface}` }));

describe('OpenStackSession', () => {
  let service: StubService;
  let tokens: CountingTokens;
  const noSleep = async () => undefined;

  beforeEach(async () => {
    service = await new StubService().start();
    tokens = new CountingTokens(() => [
      { type: 'compute', endpoints: endpoints(`${service.url}/compute/v2.1`) },
      { type: 'image', endpoints: endpoints(`${service.url}/image`) },
      { type: 'volumev3', endpoints: endpoints(`${service.url}/volume/v3/p1`) },
      { type: 'compute', endpoints: endpoints(`${service.url}/other-region`, 'RegionTwo') },
    ]);
  });
  afterEach(() => service.stop());

  it('sends the token, JSON and the microversion to the endpoint of the wanted interface', async () => {
    service.handler = (_request, response) => json(response, 200, { server: { id: 's1' } });
    const session = new OpenStackSession(tokens, { interface: 'internal', sleep: noSleep });
    const answer = await session.request(COMPUTE, 'POST', '/servers/s1/action', { body: { 'os-stop': null } });
    expect(answer.body).toEqual({ server: { id: 's1' } });
    const [request] = service.seen;
    expect(request!.url).toBe('/compute/v2.1/internal/servers/s1/action');
    expect(request!.headers['x-auth-token']).toBe('secret-token-number-1');
    expect(request!.headers['openstack-api-version']).toBe('compute 2.79');
    expect(request!.headers['x-openstack-nova-api-version']).toBe('2.79');
    expect(JSON.parse(request!.body)).toEqual({ 'os-stop': null });
  });

  it('chooses the endpoint of the configured region', async () => {
    service.handler = (_request, response) => json(response, 200, { flavors: [] });
    const session = new OpenStackSession(tokens, { region: 'RegionTwo' });
    await session.request(COMPUTE, 'GET', '/flavors');
    expect(service.seen[0]!.url).toBe('/other-region/public/flavors');
  });

  it('adds /v2 to an unversioned Glance endpoint, and says which endpoint is missing', async () => {
    service.handler = (_request, response) => json(response, 200, { images: [] });
    const session = new OpenStackSession(tokens);
    await session.request(IMAGE, 'GET', '/images');
    expect(service.seen[0]!.url).toBe('/image/public/v2/images');
    const noCinder = new OpenStackSession(new CountingTokens(() => []));
    await expect(noCinder.request(VOLUME, 'GET', '/volumes')).rejects.toThrow(
      'Cinder: the service catalog has no public endpoint of type block-storage or volumev3 (it offers: nothing)',
    );
  });

  it('asks once for a fresh token after a 401 and repeats the request with it', async () => {
    service.handler = (request, response) =>
      request.headers['x-auth-token'] === 'secret-token-number-1'
        ? json(response, 401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } })
        : json(response, 200, { server: { id: 's1' } });
    const session = new OpenStackSession(tokens);
    const answer = await session.request(COMPUTE, 'GET', '/servers/s1');
    expect(answer.body).toEqual({ server: { id: 's1' } });
    expect(tokens.freshRequests).toBe(1);
    expect(service.seen.map((request) => request.headers['x-auth-token'])).toEqual(['secret-token-number-1', 'secret-token-number-2']);
  });

  it('gives up after the second 401, without the token in the error', async () => {
    service.handler = (_request, response) => json(response, 401, { error: { code: 401, message: 'token secret-token-number-2 is not valid' } });
    const session = new OpenStackSession(tokens);
    const error = await session.request(COMPUTE, 'GET', '/servers/s1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenStackError);
    expect((error as OpenStackError).status).toBe(401);
    expect((error as OpenStackError).message).toBe('Nova: HTTP 401 on GET /servers/s1: token *** is not valid');
    expect(service.seen).toHaveLength(2);
  });

  it('waits as Retry-After says on 429 and 503, then succeeds', async () => {
    const answers: Array<() => [number, unknown, Record<string, string>]> = [
      () => [429, { overLimit: { code: 429, message: 'slow down' } }, { 'Retry-After': '2' }],
      () => [503, { message: 'busy' }, { 'Retry-After': new Date(Date.now() + 5000).toUTCString() }],
      () => [200, { volumes: [] }, {}],
    ];
    let call = 0;
    service.handler = (_request, response) => {
      const [status, body, headers] = answers[call++]!();
      json(response, status, body, headers);
    };
    const waits: number[] = [];
    const session = new OpenStackSession(tokens, { sleep: async (ms) => void waits.push(ms) });
    await session.request(VOLUME, 'GET', '/volumes');
    expect(service.seen).toHaveLength(3);
    expect(waits[0]).toBe(2000);
    expect(waits[1]).toBeGreaterThan(3000);
    expect(waits[1]).toBeLessThanOrEqual(5000);
  });

  it('retries a bounded number of times, then fails with the status and message', async () => {
    service.handler = (_request, response) => json(response, 503, { computeFault: { code: 503, message: 'Service Unavailable' } }, { 'Retry-After': '600' });
    const waits: number[] = [];
    const session = new OpenStackSession(tokens, { maxRetries: 2, maxRetryDelayMs: 10_000, sleep: async (ms) => void waits.push(ms) });
    await expect(session.request(COMPUTE, 'GET', '/servers')).rejects.toThrow('Nova: HTTP 503 on GET /servers: Service Unavailable');
    expect(service.seen).toHaveLength(3);
    expect(waits).toEqual([10_000, 10_000]); // Retry-After 600 s is cut to the limit
  });

  it("turns each service's error body into its message", async () => {
    const session = new OpenStackSession(tokens);
    service.handler = (_request, response) => json(response, 404, { itemNotFound: { code: 404, message: 'Instance s9 could not be found.' } }, { 'x-openstack-request-id': 'req-1' });
    const nova = (await session.request(COMPUTE, 'GET', '/servers/s9').catch((error: unknown) => error)) as OpenStackError;
    expect(nova.message).toBe('Nova: HTTP 404 on GET /servers/s9: Instance s9 could not be found.');
    expect(nova.serviceMessage).toBe('Instance s9 could not be found.');
    expect(nova.requestId).toBe('req-1');

    service.handler = (_request, response) => json(response, 403, { message: 'Image i1 is protected and cannot be deleted.<br /><br />\n\n\n', code: '403 Forbidden', title: 'Forbidden' });
    await expect(session.request(IMAGE, 'DELETE', '/images/i1')).rejects.toThrow('Glance: HTTP 403 on DELETE /images/i1: Image i1 is protected and cannot be deleted.');

    service.handler = (_request, response) => {
      response.writeHead(409, { 'Content-Type': 'text/html; charset=UTF-8' });
      response.end('<html>\n <head>\n  <title>409 Conflict</title>\n </head>\n <body>\n  <h1>409 Conflict</h1>\n  Image status transition from active to active is not allowed<br /><br />\n\n\n\n </body>\n</html>');
    };
    await expect(session.request(IMAGE, 'PUT', '/images/i1/file', { body: 'x', contentType: 'application/octet-stream' })).rejects.toThrow(
      'Glance: HTTP 409 on PUT /images/i1/file: 409 Conflict: Image status transition from active to active is not allowed',
    );
    expect(service.seen.at(-1)!.headers.accept).toBe('application/json');
  });

  it('negotiates down to what an older service supports after a 406, and remembers it', async () => {
    service.handler = (request, response) => {
      if (request.url === '/compute/v2.1/public/') return json(response, 200, { version: { id: 'v2.1', status: 'CURRENT', version: '2.60', min_version: '2.1' } });
      if (request.headers['openstack-api-version'] !== 'compute 2.60') return json(response, 406, { computeFault: { code: 406, message: 'Version 2.79 is not supported by the API.' } });
      return json(response, 200, { servers: [] });
    };
    const session = new OpenStackSession(tokens);
    const answer = await session.request(COMPUTE, 'GET', '/servers');
    expect(answer.microversion).toBe('2.60');
    await session.request(COMPUTE, 'GET', '/servers');
    expect(service.seen.map((request) => request.headers['openstack-api-version'] ?? request.url)).toEqual([
      'compute 2.79',
      '/compute/v2.1/public/',
      'compute 2.60',
      'compute 2.60',
    ]);
  });

  it('sends a newer microversion one request asks for, without negotiating when the service refuses it', async () => {
    service.handler = (request, response) =>
      request.headers['openstack-api-version'] === 'compute 2.93'
        ? json(response, 202, { server: { id: 's1' } })
        : json(response, 406, { computeFault: { code: 406, message: `Version ${String(request.headers['x-openstack-nova-api-version'])} is not supported by the API.` } });
    const session = new OpenStackSession(tokens);
    expect((await session.request(COMPUTE, 'POST', '/servers/s1/action', { body: { rebuild: {} }, microversion: '2.93' })).microversion).toBe('2.93');
    service.handler = (_request, response) => json(response, 406, { computeFault: { code: 406, message: 'Version 2.93 is not supported by the API.' } });
    await expect(session.request(COMPUTE, 'POST', '/servers/s1/action', { body: { rebuild: {} }, microversion: '2.93' })).rejects.toThrow('Version 2.93 is not supported by the API.');
    expect(service.seen.map((request) => request.headers['openstack-api-version'] ?? request.url)).toEqual(['compute 2.93', 'compute 2.93']);
  });

  it('refuses a service older than the microversion the client needs', async () => {
    service.handler = (request, response) =>
      request.url === '/volume/'
        ? json(response, 300, { versions: [{ id: 'v3.0', status: 'CURRENT', version: '3.4', min_version: '3.0' }] })
        : request.url === '/volume/v3/p1/public/'
          ? json(response, 404, { itemNotFound: { message: 'no version document here' } })
          : json(response, 406, { message: 'unsupported' });
    const weird = { ...VOLUME, microversion: { headerName: 'volume', preferred: '3.60', minimum: '3.5' } };
    const session = new OpenStackSession(new CountingTokens(() => [{ type: 'volumev3', endpoints: [{ interface: 'public', url: `${service.url}/volume/v3/p1/public` }] }]));
    await expect(session.request(weird, 'GET', '/volumes')).rejects.toThrow('Cinder supports API microversions 3.0 to 3.4; Sirocco needs 3.5 or later');
  });

  it('follows next links to list every page, on the catalog endpoint whatever host the link names', async () => {
    service.handler = (request, response) =>
      request.url!.includes('marker=b')
        ? json(response, 200, { servers: [{ id: 'c' }] })
        : json(response, 200, { servers: [{ id: 'a' }, { id: 'b' }], servers_links: [{ rel: 'next', href: 'http://nova-internal.example:8774/v2.1/servers/detail?limit=2&marker=b' }] });
    const session = new OpenStackSession(tokens);
    const servers = await session.listAll(COMPUTE, '/servers/detail', 'servers', { query: { limit: 2 } });
    expect(servers.map((server) => server.id)).toEqual(['a', 'b', 'c']);
    expect(service.seen.map((request) => request.url)).toEqual(['/compute/v2.1/public/servers/detail?limit=2', '/compute/v2.1/public/servers/detail?limit=2&marker=b']);
  });

  it('does not follow a redirect, which would carry the token elsewhere', async () => {
    service.handler = (_request, response) => {
      response.writeHead(302, { Location: 'http://elsewhere.example/steal' });
      response.end();
    };
    const session = new OpenStackSession(tokens);
    await expect(session.request(COMPUTE, 'GET', '/servers')).rejects.toThrow('Nova: HTTP 302 on GET /servers');
    expect(service.seen).toHaveLength(1);
  });

  it('reports an unreachable service with its address, after retrying reads', async () => {
    await service.stop();
    const waits: number[] = [];
    const session = new OpenStackSession(tokens, { maxRetries: 2, sleep: async (ms) => void waits.push(ms) });
    const error = (await session.request(COMPUTE, 'GET', '/servers').catch((caught: unknown) => caught)) as OpenStackError;
    expect(error.unreachable).toBe(true);
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/^Nova: GET \/servers: http:\/\/127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\)$/);
    expect(waits).toEqual([1000, 2000]);
    service = await new StubService().start(); // for afterEach
  });
});
