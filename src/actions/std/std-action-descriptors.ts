import type { ActionDescriptor } from '../action-catalog';

/**
 * The standard actions, with Mistral's parameter names and defaults so that existing definitions
 * validate unchanged.
 */
export const STD_ACTION_DESCRIPTORS: readonly ActionDescriptor[] = [
  { name: 'std.noop', description: 'Does nothing; its result is null.', parameters: [] },
  {
    name: 'std.echo',
    description: 'Returns `output` as its result, after `delay` seconds.',
    parameters: [{ name: 'output' }, { name: 'delay', default: 0 }],
  },
  {
    name: 'std.fail',
    description: 'Always fails; `error_data` becomes the error result.',
    parameters: [{ name: 'error_data', default: null }],
  },
  {
    name: 'std.sleep',
    description: 'Waits `seconds`, then succeeds with a null result.',
    parameters: [{ name: 'seconds' }],
  },
  {
    name: 'std.http',
    description: 'Sends an HTTP request; the result is {status, headers, content}.',
    parameters: [
      { name: 'url' },
      { name: 'method', default: 'GET' },
      { name: 'params', default: null },
      { name: 'body', default: null },
      { name: 'json', default: null },
      { name: 'headers', default: null },
      { name: 'cookies', default: null },
      { name: 'auth', default: null },
      { name: 'timeout', default: null },
      { name: 'allow_redirects', default: null },
      { name: 'proxies', default: null },
      { name: 'verify', default: null },
    ],
  },
  {
    name: 'std.email',
    description: 'Sends an e-mail through SMTP; the server defaults to the configured one.',
    parameters: [
      { name: 'to_addrs' },
      { name: 'subject' },
      { name: 'body' },
      { name: 'from_addr', default: null },
      { name: 'cc_addrs', default: null },
      { name: 'bcc_addrs', default: null },
      { name: 'reply_to', default: null },
      { name: 'html_body', default: null },
      { name: 'smtp_server', default: null },
      { name: 'smtp_password', default: null },
    ],
  },
];
