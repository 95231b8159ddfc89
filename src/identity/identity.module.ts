import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { AuthGuard } from './auth.guard';
import { AuthTokensController } from './auth-tokens.controller';
import { KeystoneClient } from './keystone/keystone-client';
import { ServiceSession } from './keystone/service-session';
import { TokenValidator } from './keystone/token-validator';
import { TrustsModule } from './trusts/trusts.module';

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
 * credentials triggers and executions run under (TrustsModule: Keystone trusts, or none in noauth).
 */
@Global()
@Module({
  imports: [TrustsModule],
  controllers: [AuthTokensController],
  providers: [
    { provide: ServiceSession, inject: [SIROCCO_CONFIG], useFactory: serviceSession },
    {
      provide: TokenValidator,
      inject: [ServiceSession],
      useFactory: (session: ServiceSession | null) => (session ? new TokenValidator(session) : null),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [ServiceSession, TrustsModule],
})
export class IdentityModule {}
