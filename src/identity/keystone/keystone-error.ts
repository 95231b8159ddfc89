/** Keystone's JSON error body: `{"error": {"code", "title", "message"}}`. */
export interface KeystoneErrorBody {
  error?: { code?: number; title?: string; message?: string };
}

export interface KeystoneErrorDetails {
  /** what the client was doing, e.g. "trust creation" */
  operation?: string;
  /** Keystone's error title, e.g. "Not Found" */
  title?: string;
  /** Keystone's error message, redacted */
  keystoneMessage?: string;
  /** Keystone did not answer at all (connection refused, timeout): status is then 503 */
  unreachable?: boolean;
}

const KEYSTONE_ID = /\b[0-9a-f]{32}\b/gi;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
/** fernet tokens (gAAAAA...) and anything else as long and opaque */
const OPAQUE = /[A-Za-z0-9_-]{48,}={0,2}/g;

/**
 * Removes what must not reach a log or a user from a text: the given secrets (passwords, tokens,
 * trust ids), Keystone-style ids (Keystone quotes trust ids in its messages) and token-like strings.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined | null> = []): string {
  let out = text.replace(UUID, '<id>').replace(KEYSTONE_ID, '<id>').replace(OPAQUE, '<token>');
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * Keystone refused or could not be reached. `status` is the HTTP status (503 when unreachable);
 * the message carries Keystone's own message and never a password, token or trust id.
 */
export class KeystoneError extends Error {
  override readonly name = 'KeystoneError';
  readonly operation?: string;
  readonly title?: string;
  readonly keystoneMessage?: string;
  readonly unreachable: boolean;

  constructor(
    readonly status: number,
    message: string,
    details: KeystoneErrorDetails = {},
  ) {
    super(redact(message));
    this.operation = details.operation;
    this.title = details.title;
    this.keystoneMessage = details.keystoneMessage === undefined ? undefined : redact(details.keystoneMessage);
    this.unreachable = details.unreachable ?? false;
  }

  /** The error for a Keystone answer with an error status. */
  static fromResponse(operation: string, status: number, statusText: string, body: unknown, secrets: ReadonlyArray<string | undefined>): KeystoneError {
    const error = (body as KeystoneErrorBody | null)?.error;
    const title = typeof error?.title === 'string' ? error.title : statusText;
    const keystoneMessage = redact(typeof error?.message === 'string' ? error.message : '', secrets) || undefined;
    const text = `Keystone ${operation} failed: HTTP ${status}${title ? ` ${title}` : ''}${keystoneMessage ? `: ${keystoneMessage}` : ''}`;
    return new KeystoneError(status, redact(text, secrets), { operation, title, keystoneMessage });
  }
}

/**
 * Sirocco's own service user could not log in (wrong SIROCCO_KEYSTONE_* settings): the operator's
 * problem, never the caller's, hence 503.
 */
export class ServiceLoginError extends KeystoneError {
  constructor(cause: KeystoneError) {
    super(
      503,
      `Sirocco cannot log in to Keystone as its service user: check SIROCCO_KEYSTONE_USERNAME/PASSWORD ` +
        `(and SIROCCO_KEYSTONE_PROJECT, SIROCCO_KEYSTONE_USER_DOMAIN, SIROCCO_KEYSTONE_PROJECT_DOMAIN); ${cause.message}`,
      { operation: cause.operation, title: cause.title, keystoneMessage: cause.keystoneMessage },
    );
  }
}
