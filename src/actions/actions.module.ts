import { Global, Module } from '@nestjs/common';
import { MailSender } from '../mail/mail-sender';
import { MailModule } from '../mail/mail.module';
import { ActionCatalog } from './action-catalog';
import { ExecutionCredentials } from './openstack/execution-credentials';
import { keystoneActions } from './openstack/keystone.actions';
import { stdActions } from './std/std-actions';

/** The registry of runnable actions; later features register theirs (OpenStack) into it. */
@Global()
@Module({
  imports: [MailModule],
  providers: [
    ExecutionCredentials,
    {
      provide: ActionCatalog,
      inject: [MailSender, ExecutionCredentials],
      useFactory: (mail: MailSender, credentials: ExecutionCredentials) => new ActionCatalog([...stdActions(mail), ...keystoneActions(credentials)]),
    },
  ],
  exports: [ActionCatalog],
})
export class ActionsModule {}
