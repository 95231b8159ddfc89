import type { Options } from 'pino-http';
import type { SiroccoConfig } from '../config/sirocco-config';
import { isSecretKey, MASK, SecretMasker, secretValuesOf } from './secret-mask';

/** Headers that carry secrets: pino replaces them before a line is written. */
export const REDACTED_LOG_PATHS = [
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** The passwords in Sirocco's own settings (database, SMTP, message bus, Keystone, OpenStack cloud). */
export function configSecrets(config: SiroccoConfig): string[] {
  const values = secretValuesOf({
    database: config.database.url,
    smtp: config.mail.smtpUrl,
    notifications: config.notifications.url,
    keystone_password: config.auth.keystone?.password,
    cloud_password: config.openstack?.credentials.password,
    snapshot_secret_key: config.snapshots.secretKey,
    metrics_token: config.metrics.token,
  });
  return [...values];
}

/** A request's path and query, secret-named parameters and URL credentials (even encoded) masked. */
function maskedRequestUrl(url: string, masker: SecretMasker): string {
  const query = url.indexOf('?');
  if (query < 0) return masker.text(url);
  const params = new URLSearchParams(url.slice(query + 1));
  const masked = new URLSearchParams();
  for (const [key, value] of params) masked.append(masker.text(key), isSecretKey(key) ? MASK : masker.text(value));
  return `${masker.text(url.slice(0, query))}?${masked.toString()}`;
}

/**
 * What pino does so that no log line carries a secret: secret-named fields and query parameters,
 * URL credentials and the configured passwords are masked in every message and object logged.
 */
export function logRedaction(config: SiroccoConfig): Pick<Options, 'redact' | 'serializers' | 'hooks'> {
  const masker = new SecretMasker(configSecrets(config));
  return {
    redact: { paths: REDACTED_LOG_PATHS, censor: MASK },
    // one line per request is plenty
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: maskedRequestUrl(req.url, masker) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg: unknown) => masker.value(arg)) as Parameters<typeof method>);
      },
    },
  };
}
