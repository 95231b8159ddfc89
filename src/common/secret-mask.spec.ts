import { maskSecrets } from './secret-mask';

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
