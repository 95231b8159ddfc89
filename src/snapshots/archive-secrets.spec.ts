import { ArchiveCipher, ENCRYPTED, openSecrets, sealRow, WrongSecretKeyError } from './archive-secrets';
import { ArchiveError, packArchive, unpackArchive } from './snapshot-archive';

describe('archive secrets', () => {
  const cipher = new ArchiveCipher('the key');

  it('seals secret-named values at any depth and whole data columns; opening gives the row back', () => {
    const row = {
      id: 't1',
      trust_id: 'trust-abc',
      workflow_input: { server: 'vm1', nested: { password: 'pw' } },
      pattern: '0 5 * * *',
      enabled: true,
    };
    const sealed = sealRow('cron_triggers', row, cipher);
    expect(JSON.stringify(sealed)).not.toMatch(/trust-abc|vm1|"pw"/);
    expect(sealed).toMatchObject({ id: 't1', pattern: '0 5 * * *', enabled: true, trust_id: { [ENCRYPTED]: expect.any(String) } });
    expect(openSecrets(sealed, new ArchiveCipher('the key', cipher.salt))).toEqual(row);
  });

  it('tells a wrong key by the key check', () => {
    const check = cipher.keyCheck();
    expect(() => new ArchiveCipher('the key', cipher.salt).verifyKeyCheck(check)).not.toThrow();
    expect(() => new ArchiveCipher('another key', cipher.salt).verifyKeyCheck(check)).toThrow(WrongSecretKeyError);
  });
});

describe('archive packing', () => {
  const manifest = {
    format: 'sirocco-service-snapshot',
    format_version: 1,
    sirocco_version: '0.0.0',
    schema_version: 'X1765000000000',
    created_at: new Date(0).toISOString(),
    include_history: false,
    encryption: { algorithm: 'AES-256-GCM' as const, kdf: 'HKDF-SHA256' as const, salt: '', key_check: '' },
    counts: { environments: 1 },
  };

  it('unpacks what it packed, with checksums; refuses what is not a tar.gz', async () => {
    const archive = await packArchive(manifest, new Map([['environments.jsonl', Buffer.from('{"a":1}\n')]]));
    const { manifest: read, members } = await unpackArchive(archive, 1 << 20);
    expect(read.files['environments.jsonl'].bytes).toBe(8);
    expect(members.get('environments.jsonl')!.toString()).toBe('{"a":1}\n');
    await expect(unpackArchive(Buffer.from('not an archive'), 1 << 20)).rejects.toThrow(ArchiveError);
  });
});
