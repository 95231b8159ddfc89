import { Global, Module } from '@nestjs/common';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { MailSender } from '../mail/mail-sender';
import { MailModule } from '../mail/mail.module';
import { ActionCatalog } from './action-catalog';
import { ExecutionCredentials } from './openstack/execution-credentials';
import { CINDER_ACTIONS } from './openstack/cinder.actions';
import { GLANCE_ACTIONS } from './openstack/glance.actions';
import { KEYSTONE_ACTIONS } from './openstack/keystone.actions';
import { NOVA_ACTIONS } from './openstack/nova.actions';
import { openstackActions } from './openstack/openstack-action';
import { stdActions } from './std/std-actions';

/** The registry of runnable actions: std.* and the OpenStack services' (nova.*, glance.*, cinder.*, keystone.*). */
@Global()
@Module({
  imports: [MailModule],
  providers: [
    ExecutionCredentials,
    {
      provide: ActionCatalog,
      inject: [MailSender, ExecutionCredentials, SIROCCO_CONFIG],
      useFactory: (mail: MailSender, credentials: ExecutionCredentials, config: SiroccoConfig) =>
        new ActionCatalog([...stdActions(mail, config.limits.durationSeconds, config.ssh), ...openstackActions(credentials, [...NOVA_ACTIONS, ...GLANCE_ACTIONS, ...CINDER_ACTIONS, ...KEYSTONE_ACTIONS])]),
    },
  ],
  exports: [ActionCatalog],
})
export class ActionsModule {}
