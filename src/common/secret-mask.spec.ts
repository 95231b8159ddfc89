import { maskSecrets, SecretMasker, secretValuesOf } from './secret-mask';

describe('maskSecrets', () => {
  it('hides the values of secret-named keys at any depth and leaves the rest as it is', () => {
    expect(
      maskSecrets({
        smtp_password: 'p',
        to_addrs: ['a@b'],
        auth: { os_password: 'x', user: 'u', token: 't', trust_id: 'tr' },
        list: [{ api_key: 'k', name: 'n' }],
        passwordless: false,
        empty_password: null,
      }),
    ).toEqual({
      smtp_password: '***',
      to_addrs: ['a@b'],
      auth: { os_password: '***', user: 'u', token: '***', trust_id: '***' },
      list: [{ api_key: '***', name: 'n' }],
      passwordless: false,
      empty_password: null,
    });
    expect(maskSecrets('plain')).toBe('plain');
  });
});

describe('SecretMasker', () => {
  const masker = SecretMasker.of({
    smtp_password: 'mail-s3cret',
    auth: 'alice:http-s3cret',
    nested: { api_token: 'tok-123456' },
    url: 'http://bob:url%2Fs3cret@example.org/x',
    short_password: 'abc',
  });

  it('masks URL credentials and every known secret value anywhere in a text', () => {
    expect(masker.text('GET http://bob:url%2Fs3cret@example.org/x failed; alice:http-s3cret; http-s3cret; mail-s3cret')).toBe(
      'GET http://***@example.org/x failed; ***; ***; ***',
    );
    expect(masker.text('sent to url/s3cret')).toBe('sent to ***');
    // too short to be searched for in texts, but still hidden under its own name
    expect(masker.text('abc')).toBe('abc');
    expect(masker.value({ short_password: 'abc' })).toEqual({ short_password: '***' });
  });

  it('masks secret-named keys, URL credentials and copies of secrets in data, and leaves classes alone', () => {
    const date = new Date(0);
    expect(
      masker.value({
        auth: ['alice', 'pair-secret'],
        clouds: { auth: { username: 'u', password: 'p' } },
        copy: 'mail-s3cret',
        list: [{ link: 'https://user:pw@host/' }, 'tok-123456 here'],
        headers: { Authorization: 'Basic abc', 'X-Auth-Token': 't' },
        ok: true,
        when: date,
      }),
    ).toEqual({
      auth: '***',
      clouds: { auth: { username: 'u', password: '***' } },
      copy: '***',
      list: [{ link: 'https://***@host/' }, '*** here'],
      headers: { Authorization: '***', 'X-Auth-Token': '***' },
      ok: true,
      when: date,
    });
  });

  it('masks errors for log lines, causes included', () => {
    const error = new Error('connect to http://u:pw@h failed: mail-s3cret', { cause: new Error('tok-123456') });
    const masked = masker.value(error);
    expect(masked.message).toBe('connect to http://***@h failed: ***');
    expect(masked.stack).not.toContain('mail-s3cret');
    expect((masked.cause as Error).message).toBe('***');
  });

  it('collects the password half of auth strings and pairs, and URL passwords', () => {
    expect([...secretValuesOf({ auth: 'u:p:w', pair_auth: ['u', 'pw'], x: 'ftp://a:b@c' })].sort()).toEqual(['b', 'p:w', 'pw', 'u:p:w']);
  });
});
