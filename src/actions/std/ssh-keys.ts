import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { utils, type ParsedKey } from 'ssh2';
import type { SshSettings } from '../../config/sirocco-config';
import { ActionInputError } from '../action.types';

/** The key files an SSH client tries by itself when given no key (paramiko's look_for_keys, as in Mistral). */
const DEFAULT_KEY_FILES = ['id_rsa', 'id_ecdsa', 'id_ed25519'];

/**
 * Where `private_key_filename` points: a name relative to the keys folder (as Mistral reads
 * ~/.ssh/<name>), never outside it; an absolute path only inside it, or anywhere when the
 * operator allows it (SIROCCO_SSH_ALLOW_ABSOLUTE_KEY_PATHS, Mistral's behaviour).
 */
export function keyFilePath(filename: string, settings: SshSettings): string {
  if (filename.trim() === '' || filename.includes('\0')) throw new ActionInputError('private_key_filename must name a file');
  const resolved = path.resolve(settings.keysDir, filename);
  const inside = resolved.startsWith(settings.keysDir.endsWith(path.sep) ? settings.keysDir : settings.keysDir + path.sep);
  if (inside) return resolved;
  if (path.isAbsolute(filename) && settings.allowAbsoluteKeyPaths) return resolved;
  throw new ActionInputError(
    path.isAbsolute(filename)
      ? 'private_key_filename is outside the SSH keys folder, and absolute paths are not allowed (SIROCCO_SSH_ALLOW_ABSOLUTE_KEY_PATHS)'
      : 'private_key_filename must not leave the SSH keys folder',
  );
}

/** A key text parsed with the passphrase (Mistral uses `password` as the key's passphrase). */
function parsePrivateKey(text: Buffer | string, passphrase: string | undefined, what: string): ParsedKey {
  const parsed = utils.parseKey(text, passphrase);
  // the parser's message names the problem (format, passphrase), never the key itself
  if (parsed instanceof Error) throw new ActionInputError(`${what} cannot be used: ${parsed.message}`);
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

/** The messages name no path: the API shows private_key_filename masked, as a secret-named input. */
async function readKeyFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ActionInputError(code === 'ENOENT' ? 'private_key_filename names no file of the SSH keys folder' : `private_key_filename cannot be read (${code ?? 'error'})`);
  }
}

/**
 * The keys to log in with: the given `private_key` text, else the `private_key_filename` file, else
 * the default key files of the keys folder that open without (or with `password` as) passphrase.
 */
export async function loginKeys(
  input: { privateKey?: string; privateKeyFilename?: string; password?: string },
  settings: SshSettings,
): Promise<ParsedKey[]> {
  if (input.privateKey) return [parsePrivateKey(input.privateKey, input.password, 'private_key')];
  if (input.privateKeyFilename) {
    const file = keyFilePath(input.privateKeyFilename, settings);
    return [parsePrivateKey(await readKeyFile(file), input.password, 'the private_key_filename key')];
  }
  const keys: ParsedKey[] = [];
  for (const name of DEFAULT_KEY_FILES) {
    const text = await readFile(path.join(settings.keysDir, name)).catch(() => undefined);
    if (!text) continue;
    const parsed = utils.parseKey(text, input.password);
    if (!(parsed instanceof Error)) keys.push(Array.isArray(parsed) ? parsed[0] : parsed);
  }
  return keys;
}
