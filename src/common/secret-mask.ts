/**
 * Keys whose values are credentials: never shown by the API nor logged (Mistral shows most of
 * them; Sirocco does not). `cookie(s)` and `authorization` carry sessions and Basic/Bearer
 * credentials in std.http's `headers`/`cookies`.
 */
const SECRET_KEY =
  /pass(word|wd|phrase)?$|password|secret|token|trust_id|api_?key|private_key|access_key|credential|authorization|^cookies?$|^x-auth/i;
/** std.http's `auth` ("user:password" or a pair); an `auth` object (clouds.yaml) is masked key by key */
const AUTH_KEY = /^(.*_)?auth$/i;

export const MASK = '***';

/** `user:password@` (or a lone token `token@`) after a URL scheme. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) || AUTH_KEY.test(key);
}

function hides(key: string, item: unknown): boolean {
  if (item === null || item === undefined || item === '' || typeof item === 'boolean') return false;
  if (SECRET_KEY.test(key)) return true;
  return AUTH_KEY.test(key) && (typeof item !== 'object' || Array.isArray(item));
}

/** A copy of `value` with every secret-named key's value replaced by `***`, at any depth. */
export function maskSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => maskSecrets(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  const masked: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    masked[key] = hides(key, item) ? MASK : maskSecrets(item);
  }
  return masked as T;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The API shows secret-named values as `***`: a client that sends what it read back (e.g. to
 * change another field) keeps the stored values rather than storing `***`.
 */
export function keepMaskedSecrets(incoming: Record<string, unknown>, stored: Record<string, unknown>): Record<string, unknown> {
  const kept = { ...incoming };
  for (const [key, value] of Object.entries(incoming)) {
    const before = stored[key];
    if (value === MASK && isSecretKey(key) && key in stored) kept[key] = before;
    else if (isRecord(value) && isRecord(before)) kept[key] = keepMaskedSecrets(value, before);
  }
  return kept;
}

/** `http://user:pass@host/` becomes `http://***@host/`, anywhere in a text. */
export function maskUrlCredentials(text: string): string {
  return text.includes('@') ? text.replace(URL_CREDENTIALS, `$1${MASK}@`) : text;
}

/** The passwords of URLs in a text (`scheme://user:password@`), decoded as well as raw. */
function urlPasswords(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/([^\s/?#@"'<>:]*):([^\s/?#@"'<>]+)@/gi)) {
    found.push(match[2]);
    try {
      found.push(decodeURIComponent(match[2]));
    } catch {
      // not percent-encoded
    }
  }
  return found;
}

/**
 * The secret values inside `value`: what secret-named keys hold (every string below them, and the
 * password half of an `auth` "user:password"), and the passwords of URLs with credentials.
 */
export function secretValuesOf(value: unknown, out: Set<string> = new Set()): Set<string> {
  const visit = (item: unknown, secret: boolean, key: string): void => {
    if (typeof item === 'string') {
      if (secret) {
        out.add(item);
        if (AUTH_KEY.test(key) && item.includes(':')) out.add(item.slice(item.indexOf(':') + 1));
      }
      for (const password of urlPasswords(item)) out.add(password);
    } else if (typeof item === 'number' && secret) {
      out.add(String(item));
    } else if (Array.isArray(item)) {
      // a pair [user, password]: the password is the secret, the user name is not worth hiding
      if (secret && AUTH_KEY.test(key) && item.length === 2) visit(item[1], true, '');
      else for (const element of item) visit(element, secret, key);
    } else if (item !== null && typeof item === 'object') {
      for (const [name, child] of Object.entries(item as Record<string, unknown>)) visit(child, secret || hides(name, child), name);
    }
  };
  visit(value, false, '');
  return out;
}

/** Shorter values are not searched for in texts: masking every "abc" would garble what is shown. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Masks what is shown (API responses, logs, mails): secret-named keys, URL credentials, and the
 * known secret values wherever they turn up again (a workflow's output, a published variable, an
 * error message). The engine keeps the real values; this is applied on the way out only.
 */
export class SecretMasker {
  private readonly values: string[];

  constructor(values: Iterable<string> = []) {
    this.values = [...new Set(values)].filter((value) => value.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  }

  /** A masker for the secrets found in each source (see secretValuesOf). */
  static of(...sources: unknown[]): SecretMasker {
    const values = new Set<string>();
    for (const source of sources) secretValuesOf(source, values);
    return new SecretMasker(values);
  }

  /** This masker plus the secrets found in more sources. */
  with(...sources: unknown[]): SecretMasker {
    const values = new Set(this.values);
    for (const source of sources) secretValuesOf(source, values);
    return new SecretMasker(values);
  }

  text(text: string): string;
  text(text: string | null): string | null;
  text(text: string | null): string | null {
    if (text === null) return null;
    let out = maskUrlCredentials(text);
    for (const secret of this.values) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  }

  /** A copy of `value` with secret-named keys, URL credentials and known secret values masked. */
  value<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (typeof value === 'number') return (this.values.includes(String(value)) ? MASK : value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.value(item)) as T;
    if (value instanceof Error) return this.error(value) as T;
    // JSON data only: class instances (a Date, a socket in a log call) are left to their serializers
    if (value === null || typeof value !== 'object' || !isPlainObject(value)) return value;
    const masked: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      masked[this.text(key)] = hides(key, item) ? MASK : this.value(item);
    }
    return masked as T;
  }

  /** A copy of an error (and its causes) with masked message and stack, for a log line. */
  private error(error: Error): Error {
    const copy = new Error(this.text(error.message), error.cause === undefined ? undefined : { cause: this.value(error.cause) });
    copy.name = error.name;
    copy.stack = error.stack === undefined ? undefined : this.text(error.stack);
    return copy;
  }
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** Masks secret-named keys and URL credentials only: for what comes with no known secrets. */
export const KEY_MASKER = new SecretMasker();
