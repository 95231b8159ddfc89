import { homedir } from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../config/sirocco-config';
import { keyFilePath } from './ssh-keys';

describe('std.ssh key files', () => {
  it('reads the SSH settings, with their defaults', () => {
    expect(loadConfig({}).ssh).toEqual({
      keysDir: path.join(homedir(), '.ssh'),
      allowAbsoluteKeyPaths: false,
      connectTimeoutSeconds: 30,
      commandTimeoutSeconds: 3600,
      maxOutputBytes: 1048576,
    });
    expect(() => loadConfig({ SIROCCO_SSH_ALLOW_ABSOLUTE_KEY_PATHS: 'maybe' })).toThrow('SIROCCO_SSH_ALLOW_ABSOLUTE_KEY_PATHS must be one of true, false');
  });

  it('finds names in the keys folder and never outside it, unless absolute paths are allowed', () => {
    const settings = loadConfig({ SIROCCO_SSH_KEYS_DIR: '/srv/keys' }).ssh;
    expect(keyFilePath('id_rsa', settings)).toBe('/srv/keys/id_rsa');
    expect(keyFilePath('deploy/id_ed25519', settings)).toBe('/srv/keys/deploy/id_ed25519');
    expect(keyFilePath('/srv/keys/id_rsa', settings)).toBe('/srv/keys/id_rsa');
    for (const escaping of ['../id_rsa', 'deploy/../../etc/shadow', '/srv/keys-other/id_rsa', '/etc/ssh/ssh_host_rsa_key', '/srv/keys']) {
      expect(() => keyFilePath(escaping, settings)).toThrow(/SSH keys folder/);
    }
    const open = loadConfig({ SIROCCO_SSH_KEYS_DIR: '/srv/keys', SIROCCO_SSH_ALLOW_ABSOLUTE_KEY_PATHS: 'true' }).ssh;
    expect(keyFilePath('/etc/sirocco/id_rsa', open)).toBe('/etc/sirocco/id_rsa');
    expect(() => keyFilePath('../id_rsa', open)).toThrow('private_key_filename must not leave the SSH keys folder');
  });
});
