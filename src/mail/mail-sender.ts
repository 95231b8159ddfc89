import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type SendMailOptions, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { SiroccoConfig } from '../config/sirocco-config';

/** A mail to send; addresses as strings or lists. */
export interface OutgoingMail {
  from?: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
}

/** Where to send, when the caller names a server (std.email's smtp_server / smtp_password). */
export interface SmtpOverride {
  /** `host` or `host:port` (Mistral's form) or an smtp:// URL */
  server: string;
  password?: string;
}

export interface MailReceipt {
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** set when no SMTP server is configured and the mail was written to the outbox folder */
  outboxFile?: string;
}

/**
 * Sends mail through nodemailer: to the server the caller names, else the configured one
 * (SIROCCO_SMTP_URL), else into the outbox folder as an .eml file, so that with nothing set up
 * no report is lost and an operator can still read it.
 */
export class MailSender implements OnApplicationShutdown {
  private readonly logger = new Logger(MailSender.name);
  private configured?: Transporter;

  constructor(private readonly config: SiroccoConfig['mail']) {}

  onApplicationShutdown(): void {
    this.configured?.close();
  }

  async send(mail: OutgoingMail, override?: SmtpOverride): Promise<MailReceipt> {
    const message: SendMailOptions = {
      from: mail.from || this.config.from,
      to: mail.to,
      cc: mail.cc,
      bcc: mail.bcc,
      replyTo: mail.replyTo,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    };
    if (override) {
      const transport = createTransport(smtpOptions(override, String(message.from)));
      try {
        return await this.viaSmtp(transport, message);
      } finally {
        transport.close();
      }
    }
    if (this.config.smtpUrl) {
      this.configured ??= createTransport(this.config.smtpUrl);
      return this.viaSmtp(this.configured, message);
    }
    return this.toOutbox(message);
  }

  private async viaSmtp(transport: Transporter, message: SendMailOptions): Promise<MailReceipt> {
    const info = await transport.sendMail(message);
    return { messageId: info.messageId, accepted: info.accepted.map(String), rejected: info.rejected.map(String) };
  }

  private async toOutbox(message: SendMailOptions): Promise<MailReceipt> {
    const transport = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    const info = await transport.sendMail(message);
    await mkdir(this.config.outboxDir, { recursive: true });
    const file = path.join(this.config.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${info.messageId.replace(/[^A-Za-z0-9@.-]/g, '')}.eml`);
    await writeFile(file, info.message as Buffer);
    this.logger.log(`no SMTP server configured (SIROCCO_SMTP_URL): mail "${message.subject}" to ${String(message.to)} written to ${file}`);
    const recipients = [message.to, message.cc, message.bcc].flat().filter(Boolean).map(String);
    return { messageId: info.messageId, accepted: recipients, rejected: [], outboxFile: file };
  }
}

function smtpOptions(override: SmtpOverride, from: string): string | SMTPTransport.Options {
  if (/^smtps?:\/\//.test(override.server)) {
    const url = new URL(override.server);
    if (override.password) {
      url.username ||= encodeURIComponent(from);
      url.password = encodeURIComponent(override.password);
    }
    return url.toString();
  }
  const [host, portText] = override.server.split(':');
  const port = portText ? Number(portText) : 25;
  return {
    host,
    port,
    secure: port === 465,
    // Mistral logs in with the sender address when a password is given
    auth: override.password ? { user: from, pass: override.password } : undefined,
  };
}
