import type { Request } from 'express';
import type { SiroccoConfig } from '../config/sirocco-config';

/** The URL clients reach us at: SIROCCO_PUBLIC_URL, else what the request says. */
export function baseUrl(config: SiroccoConfig, request: Request): string {
  return config.http.publicUrl ?? `${request.protocol}://${request.get('host') ?? `127.0.0.1:${config.http.port}`}`;
}
