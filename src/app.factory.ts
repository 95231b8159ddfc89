import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { text } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { MistralErrorFilter } from './common/mistral-error.filter';
import { requestInputGuard } from './common/request-input.guard';
import type { SiroccoConfig } from './config/sirocco-config';
import { unmatchedRouteAnswer } from './root/unmatched-routes';
import { serveWebUi } from './web-ui/web-ui';

const BODY_LIMIT = 2 * 1024 * 1024;

/** POST/PUT /v2/workflows, /v2/workbooks and /v2/actions, PUT /v2/{workflows,actions}/{id}, POST .../validate: YAML text bodies. */
function isDefinitionUpload(request: Request): boolean {
  if (request.method !== 'POST' && request.method !== 'PUT') return false;
  const path = request.path.replace(/\/+$/, '');
  if (path === '/v2/workflows' || path === '/v2/workbooks' || path === '/v2/actions') return true;
  if (request.method === 'POST') return ['/v2/workflows/validate', '/v2/workbooks/validate', '/v2/actions/validate'].includes(path);
  return /^\/v2\/(workflows|actions)\/[^/]+$/.test(path);
}

/** Builds the HTTP application (not yet listening): used by main.ts and by the tests. */
export async function createSiroccoApp(config: SiroccoConfig, databaseUrl: string): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, databaseUrl), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  // workflow definitions arrive as YAML text (the mistral CLI sends text/plain)
  const bodyLimit = Math.max(BODY_LIMIT, config.limits.definitionBytes + 65536);
  // as Mistral, a definition upload is read as text whatever its Content-Type (none, JSON, form...);
  // this parser runs first, so the JSON parser below leaves that body alone
  const definitionText = text({ limit: bodyLimit, type: () => true });
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (isDefinitionUpload(request)) definitionText(request, response, next);
    else next();
  });
  app.useBodyParser('json', { limit: bodyLimit });
  app.useBodyParser('text', { limit: bodyLimit, type: ['text/*', 'application/yaml', 'application/x-yaml'] });
  app.useGlobalFilters(new MistralErrorFilter(unmatchedRouteAnswer(app)));
  app.use(requestInputGuard(config.limits.nestingDepth));
  app.use((request: Request, response: Response, next: NextFunction) => {
    // Mistral answers `GET /v2` with a redirect to `/v2/`
    if (request.method === 'GET' && request.path === '/v2' && !request.originalUrl.startsWith('/v2/')) {
      response.redirect(302, '/v2/');
      return;
    }
    next();
  });

  serveWebUi(app);

  const openApi = new DocumentBuilder()
    .setTitle('Sirocco')
    .setDescription('Scheduled workflows for OpenStack clouds; Mistral v2 compatible API')
    .setVersion('2.0')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Auth-Token' }, 'keystone')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi), {
    jsonDocumentUrl: 'docs/openapi.json',
  });
  return app;
}
