import { Global, Module } from '@nestjs/common';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { MailSender } from './mail-sender';

/** Outgoing mail (std.email, trigger failure reports), one sender for the whole service. */
@Global()
@Module({
  providers: [{ provide: MailSender, inject: [SIROCCO_CONFIG], useFactory: (config: SiroccoConfig) => new MailSender(config.mail) }],
  exports: [MailSender],
})
export class MailModule {}
