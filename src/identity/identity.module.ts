import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { NoTrustCredentials, TRIGGER_CREDENTIALS } from '../triggers/trigger-credentials';
import { AuthGuard } from './auth.guard';
import { KeystoneClient } from './keystone/keystone-client';
import { ServiceSession } from './keystone/service-session';
import { KeystoneTrusts } from './keystone/keystone-trusts';
import { TokenValidator } from './keystone/token-validator';

function serviceSession(config: SiroccoConfig): ServiceSession | null {
  const keystone = config.auth.mode === 'keystone' ? config.auth.keystone : undefined;
  if (!keystone) return null;
  return new ServiceSession(
    new KeystoneClient(keystone.url),
    {
      authUrl: keystone.url,
      username: keystone.username,
      password: keystone.password,
      userDomain: keystone.userDomain,
      project: keystone.project,
      projectDomain: keystone.projectDomain,
    },
    // a revoked token is refused within 5 minutes, as keystonemiddleware does
    { validationCacheSize: 10000, validationCacheMaxAgeMs: 300_000 },
  );
}

/**
 * Who is calling and with what right: the auth guard (noauth | keystone), and the delegated
 * credentials cron triggers run under (Keystone trusts, or none in noauth mode).
 */
@Global()
@Module({
  providers: [
    { provide: ServiceSession, inject: [SIROCCO_CONFIG], useFactory: serviceSession },
    {
      provide: TokenValidator,
      inject: [ServiceSession],
      useFactory: (session: ServiceSession | null) => (session ? new TokenValidator(session) : null),
    },
    {
      provide: TRIGGER_CREDENTIALS,
      inject: [ServiceSession],
      useFactory: (session: ServiceSession | null) => (session ? new KeystoneTrusts(session) : new NoTrustCredentials()),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TRIGGER_CREDENTIALS, ServiceSession],
})
export class IdentityModule {}
