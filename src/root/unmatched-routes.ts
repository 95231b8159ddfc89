import { HttpStatus, type INestApplication } from '@nestjs/common';
import { ApiError } from '../common/api-error';

/**
 * Mistral features Sirocco lacks: 501 with the feature named rather than a bare 404, so a
 * Mistral client or script learns why. `methods` limits an entry to some methods (the others
 * fall through to 405 on known paths).
 */
const NOT_SUPPORTED: Array<{ path: RegExp; methods?: string[]; message: string }> = [
  { path: /^\/v2\/services(\/|$)/, message: 'The services API is not supported by Sirocco yet' },
  { path: /^\/v2\/code_sources(\/|$)/, message: 'Code sources are not supported by Sirocco yet' },
  { path: /^\/v2\/dynamic_actions(\/|$)/, message: 'Dynamic actions are not supported by Sirocco yet' },
];

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  match(path: string): boolean;
}

/** The methods the application's routes take on a path (none: the path is unknown). */
function allowedMethods(app: INestApplication, path: string): string[] {
  const instance = app.getHttpAdapter().getInstance() as { router?: { stack: RouteLayer[] } };
  const methods = new Set<string>();
  for (const layer of instance.router?.stack ?? []) {
    // middleware mounted on every path shows up as a `{*path}` route: it names no resource
    if (!layer.route || layer.route.path.includes('{*') || !layer.match(path)) continue;
    for (const method of Object.keys(layer.route.methods)) methods.add(method.toUpperCase());
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/**
 * What a request no route took answers, in Mistral's error shape: 501 for a Mistral feature
 * Sirocco lacks, 405 (with Allow) for a wrong method on a known path, else 404.
 */
export function unmatchedRouteAnswer(app: INestApplication) {
  return (method: string, path: string): { error: ApiError; headers?: Record<string, string> } => {
    const normalized = path.length > 1 ? path.replace(/\/+$/, '') : path;
    const shown = normalized.length > 200 ? `${normalized.slice(0, 200)}...` : normalized;
    const unsupported = NOT_SUPPORTED.find((entry) => entry.path.test(normalized) && (!entry.methods || entry.methods.includes(method)));
    if (unsupported) return { error: new ApiError(HttpStatus.NOT_IMPLEMENTED, unsupported.message) };
    const allowed = allowedMethods(app, path);
    if (allowed.length > 0) {
      return {
        error: new ApiError(HttpStatus.METHOD_NOT_ALLOWED, `Method ${method} is not allowed on ${shown} (allowed: ${allowed.join(', ')})`),
        headers: { Allow: allowed.join(', ') },
      };
    }
    return { error: ApiError.notFound(`Unknown path: ${method} ${shown} (the API is described at /docs)`) };
  };
}
