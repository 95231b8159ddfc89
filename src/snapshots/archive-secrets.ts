import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { isSecretKey } from '../common/secret-mask';
import type { TableRow } from '../database/table-rows';

/** How an encrypted value is written in the archive's JSON: `{"$encrypted": "v1.<iv>.<tag>.<data>"}` (base64). */
export const ENCRYPTED = '$encrypted';
const KEY_CHECK_TEXT = 'sirocco-snapshot-key-check';

export class WrongSecretKeyError extends Error {}

/** AES-256-GCM with a key derived (HKDF-SHA256, the archive's own salt) from SIROCCO_SECRET_KEY. */
export class ArchiveCipher {
  private readonly key: Buffer;

  constructor(secret: string, readonly salt: Buffer = randomBytes(16)) {
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), salt, Buffer.from('sirocco service snapshot v1'), 32));
  }

  encrypt(value: unknown): { [ENCRYPTED]: string } {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return { [ENCRYPTED]: ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join('.') };
  }

  decrypt(sealed: string): unknown {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('an encrypted value of the archive is malformed');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    try {
      const text = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
      return JSON.parse(text) as unknown;
    } catch {
      throw new WrongSecretKeyError('the archive was encrypted with another SIROCCO_SECRET_KEY: set the key of the instance that made it');
    }
  }

  /** Written in the manifest: lets a restore tell a wrong key before it touches anything. */
  keyCheck(): string {
    return this.encrypt(KEY_CHECK_TEXT)[ENCRYPTED];
  }

  verifyKeyCheck(check: string): void {
    if (this.decrypt(check) !== KEY_CHECK_TEXT) throw new WrongSecretKeyError('the archive was encrypted with another SIROCCO_SECRET_KEY');
  }
}

function isEncrypted(value: unknown): value is { [ENCRYPTED]: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as Record<string, unknown>)[ENCRYPTED] === 'string' && Object.keys(value).length === 1;
}

/** A copy of `value` with the value of every secret-named key (trust_id, password, token...) encrypted, at any depth. */
export function sealSecrets(value: unknown, cipher: ArchiveCipher): unknown {
  if (Array.isArray(value)) return value.map((item) => sealSecrets(item, cipher));
  if (value === null || typeof value !== 'object') return value;
  const sealed: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    sealed[key] = isSecretKey(key) && item !== null && item !== undefined && item !== '' ? cipher.encrypt(item) : sealSecrets(item, cipher);
  }
  return sealed;
}

/** The inverse of sealSecrets (and of sealed columns): every encrypted value decrypted. */
export function openSecrets(value: unknown, cipher: ArchiveCipher): unknown {
  if (isEncrypted(value)) return cipher.decrypt(value[ENCRYPTED]);
  if (Array.isArray(value)) return value.map((item) => openSecrets(item, cipher));
  if (value === null || typeof value !== 'object') return value;
  const opened: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) opened[key] = openSecrets(item, cipher);
  return opened;
}

/**
 * Columns encrypted whole, whatever their keys are named: every value of an environment is a
 * secret, and what a run was given or made (inputs, published values, results, error texts) may
 * carry a secret under any name (a password echoed, a URL with credentials).
 */
const SEALED_COLUMNS: Record<string, string[]> = {
  environments: ['variables'],
  cron_triggers: ['workflow_input', 'workflow_params'],
  event_triggers: ['workflow_input', 'workflow_params'],
  workflow_executions: ['params', 'input', 'output', 'context', 'state_info'],
  task_executions: ['result', 'published', 'runtime_context', 'state_info'],
  action_executions: ['input', 'output', 'state_info'],
};

export function sealRow(table: string, row: TableRow, cipher: ArchiveCipher): TableRow {
  const sealed = sealSecrets(row, cipher) as TableRow;
  for (const column of SEALED_COLUMNS[table] ?? []) if (row[column] !== null && row[column] !== undefined) sealed[column] = cipher.encrypt(row[column]);
  return sealed;
}
