import { Global, Module } from '@nestjs/common';
import { MailSender } from '../mail/mail-sender';
import { MailModule } from '../mail/mail.module';
import { ActionCatalog } from './action-catalog';
import { stdActions } from './std/std-actions';

/** The registry of runnable actions; later features register theirs (OpenStack) into it. */
@Global()
@Module({
  imports: [MailModule],
  providers: [{ provide: ActionCatalog, inject: [MailSender], useFactory: (mail: MailSender) => new ActionCatalog(stdActions(mail)) }],
  exports: [ActionCatalog],
})
export class ActionsModule {}
