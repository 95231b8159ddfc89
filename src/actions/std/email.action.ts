import { SecretMasker } from '../../common/secret-mask';
import type { MailSender } from '../../mail/mail-sender';
import { ActionInputError, type ActionHandler } from '../action.types';

function addresses(value: unknown, parameter: string): string[] | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const list = Array.isArray(value) ? value : String(value).split(',');
  const cleaned = list.map((entry) => String(entry).trim()).filter(Boolean);
  if (cleaned.length === 0) throw new ActionInputError(`${parameter} holds no address`);
  return cleaned;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/**
 * std.email with Mistral's parameters. The SMTP server and sender default to the configured ones, so
 * definitions need not carry them.
 */
export function emailAction(mail: MailSender): ActionHandler {
  return {
    name: 'std.email',
    description: 'Sends an e-mail through SMTP; server and sender default to the configured ones (SIROCCO_SMTP_URL, SIROCCO_MAIL_FROM).',
    parameters: [
      { name: 'to_addrs' },
      { name: 'subject', default: null },
      { name: 'body', default: null },
      { name: 'from_addr', default: null },
      { name: 'cc_addrs', default: null },
      { name: 'bcc_addrs', default: null },
      { name: 'reply_to', default: null },
      { name: 'html_body', default: null },
      { name: 'smtp_server', default: null },
      { name: 'smtp_password', default: null },
    ],
    // a duplicate report is better than a lost one: after a crash the mail is sent again
    isIdempotent: () => true,
    async run(input) {
      // neither the mail nor an error message shows the SMTP password or a URL's credentials
      const masker = SecretMasker.of(input);
      const to = addresses(input.to_addrs, 'to_addrs');
      if (!to) throw new ActionInputError('to_addrs must name at least one address');
      const receipt = await mail.send(
        {
          from: input.from_addr ? String(input.from_addr) : undefined,
          to,
          cc: addresses(input.cc_addrs, 'cc_addrs'),
          bcc: addresses(input.bcc_addrs, 'bcc_addrs'),
          replyTo: input.reply_to ? String(input.reply_to) : undefined,
          subject: masker.text(text(input.subject)),
          text: masker.text(text(input.body)),
          html: input.html_body ? masker.text(String(input.html_body)) : undefined,
        },
        input.smtp_server ? { server: String(input.smtp_server), password: input.smtp_password ? String(input.smtp_password) : undefined } : undefined,
      ).catch((error: unknown) => {
        if (error instanceof Error) error.message = masker.text(error.message);
        throw error;
      });
      return { message_id: receipt.messageId, accepted: receipt.accepted, rejected: receipt.rejected, ...(receipt.outboxFile ? { outbox_file: receipt.outboxFile } : {}) };
    },
  };
}
