import pino from 'pino';
import { Writable } from 'node:stream';
import { loadConfig } from '../config/sirocco-config';
import { logRedaction } from './log-redaction';

describe('logRedaction', () => {
  it('masks configured passwords, URL credentials and secret-named fields in every line, errors included', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://sirocco:Db-Pa55word@db.example.org/sirocco',
      SIROCCO_SMTP_URL: 'smtp://mailer:Smtp-Pa55word@mail.example.org:587',
    });
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const { redact, serializers, hooks } = logRedaction(config);
    const logger = pino({ level: 'trace', redact, serializers: serializers as pino.LoggerOptions['serializers'], hooks }, stream);

    logger.info('connecting to postgres://sirocco:Db-Pa55word@db.example.org/sirocco');
    logger.warn({ context: 'Mail', smtp_password: 'x', nested: { api_token: 'y' } }, 'login with Smtp-Pa55word failed');
    logger.error({ err: new Error('connect http://u:Url-Pa55@h failed', { cause: new Error('Db-Pa55word refused') }) }, 'boom');
    logger.info({ req: { method: 'GET', url: '/v2/tasks?api_token=Tok-123456&state_info=http%3A%2F%2Fa%3AQ-Pa55%40h' } }, 'request');

    const text = lines.join('');
    for (const secret of ['Db-Pa55word', 'Smtp-Pa55word', 'Url-Pa55', 'Tok-123456', 'Q-Pa55', '"x"', '"y"']) expect(text).not.toContain(secret);
    expect(text).toContain('postgres://***@db.example.org/sirocco');
    expect(text).toContain('"smtp_password":"***"');
    expect(text).toContain('connect http://***@h failed');
    expect(text).toContain('/v2/tasks?api_token=***&state_info=http%3A%2F%2F***%40h');
  });
});
