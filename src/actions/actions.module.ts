import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { ExpressionsModule } from '../expressions/expressions.module';
import { MailSender } from '../mail/mail-sender';
import { MailModule } from '../mail/mail.module';
import { ActionCatalog } from './action-catalog';
import { AdhocActionEntity } from './adhoc/adhoc-action.entity';
import { AdhocActionRepository } from './adhoc/adhoc-action.repository';
import { AdhocActionsService } from './adhoc/adhoc-actions.service';
import { ExecutionCredentials } from './openstack/execution-credentials';
import { CINDER_ACTIONS } from './openstack/cinder.actions';
import { GLANCE_ACTIONS } from './openstack/glance.actions';
import { KEYSTONE_ACTIONS } from './openstack/keystone.actions';
import { NOVA_ACTIONS } from './openstack/nova.actions';
import { openstackActions } from './openstack/openstack-action';
import { stdActions } from './std/std-actions';

/**
 * The registry of runnable actions: std.* and the OpenStack services' (nova.*, glance.*, cinder.*,
 * keystone.*), plus the ad-hoc actions users define (AdhocActionsService keeps them in the catalog).
 */
@Global()
@Module({
  imports: [MailModule, ExpressionsModule, TypeOrmModule.forFeature([AdhocActionEntity])],
  providers: [
    ExecutionCredentials,
    {
      provide: ActionCatalog,
      inject: [MailSender, ExecutionCredentials, SIROCCO_CONFIG],
      useFactory: (mail: MailSender, credentials: ExecutionCredentials, config: SiroccoConfig) =>
        new ActionCatalog([
          ...stdActions(mail, config),
          ...openstackActions(credentials, [...NOVA_ACTIONS, ...GLANCE_ACTIONS, ...CINDER_ACTIONS, ...KEYSTONE_ACTIONS]),
        ]),
    },
    AdhocActionRepository,
    AdhocActionsService,
  ],
  exports: [ActionCatalog, AdhocActionsService, AdhocActionRepository],
})
export class ActionsModule {}
