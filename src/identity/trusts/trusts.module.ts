import { Global, Module } from '@nestjs/common';
import { ServiceSession } from '../keystone/service-session';
import { ExecutionLookupRegistry } from './execution-lookup';
import { ExecutionTrusts } from './execution-trusts.service';
import { KeystoneTrusts } from './keystone-trusts';
import { TriggerTrusts } from './trigger-trusts.service';
import { TrustBroker } from './trust-broker';
import { NoTrustCredentials, TRUST_CREDENTIALS } from './trust-credentials';
import { TrustSweeper } from './trust-sweeper';
import { TrustsRepository } from './trusts.repository';

/**
 * Keystone trusts, in one place: the credentials (KeystoneTrusts, or none in noauth mode), both
 * trust tables (TrustsRepository), a trigger's and an execution's trust (TriggerTrusts,
 * ExecutionTrusts), the sessions actions act with (TrustBroker) and the one clean-up (TrustSweeper).
 * The engine registers an ExecutionLookup in ExecutionLookupRegistry. Global, as IdentityModule.
 */
@Global()
@Module({
  providers: [
    {
      provide: TRUST_CREDENTIALS,
      inject: [ServiceSession],
      useFactory: (session: ServiceSession | null) => (session ? new KeystoneTrusts(session) : new NoTrustCredentials()),
    },
    TrustsRepository,
    ExecutionLookupRegistry,
    TriggerTrusts,
    ExecutionTrusts,
    TrustBroker,
    TrustSweeper,
  ],
  exports: [TRUST_CREDENTIALS, ExecutionLookupRegistry, TriggerTrusts, ExecutionTrusts, TrustBroker, TrustSweeper, TrustsRepository],
})
export class TrustsModule {}
