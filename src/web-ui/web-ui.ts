import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { static as serveStatic } from 'express';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { mistralErrorBody } from '../common/mistral-error.filter';

/** Where `npm run build` puts the web UI (ui/ built by Vite): dist/ui, from src/ (ts-node) and from dist/ alike. */
export const WEB_UI_DIR = path.resolve(__dirname, '..', '..', 'dist', 'ui');

/**
 * Serves the web UI at /ui on the API's port: its files, and index.html for any other GET under
 * /ui/ (the UI's own routes). Nothing outside /ui is touched, so /v2, /docs and /metrics are not.
 */
export function serveWebUi(app: INestApplication, dir = WEB_UI_DIR): void {
  const index = path.join(dir, 'index.html');
  const files = serveStatic(dir, { index: false, fallthrough: true, maxAge: 0 });
  app.use('/ui', (request: Request, response: Response, next: NextFunction) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    if (request.originalUrl === '/ui') return response.redirect(302, '/ui/');
    if (!existsSync(index)) {
      response.status(404).json(mistralErrorBody(404, 'The web UI is not built: run `npm run build` (or `npm start`)'));
      return;
    }
    // a file of the build (hashed assets), else the UI's page, which routes on the client
    files(request, response, () => {
      if (request.path.startsWith('/assets/')) return next();
      response.setHeader('Cache-Control', 'no-cache');
      response.sendFile(index);
    });
  });
}
