import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { logDestination } from './common/log-output';
import { ActionsModule } from './actions/actions.module';
import { ConfigModule } from './config/config.module';
import type { SiroccoConfig } from './config/sirocco-config';
import { DatabaseModule } from './database/database.module';
import { ActionsApiModule } from './actions/actions-api.module';
import { EngineApiModule } from './engine/api/engine-api.module';
import { EngineModule } from './engine/engine.module';
import { EnvironmentsModule } from './environments/environments.module';
import { ScheduleModule } from '@nestjs/schedule';
import { TriggersModule } from './triggers/triggers.module';
import { IdentityModule } from './identity/identity.module';
import { ExpressionsModule } from './expressions/expressions.module';
import { RootModule } from './root/root.module';
import { WorkflowsModule } from './workflows/workflows.module';

/** Headers and fields that may carry secrets: pino replaces them before a line is written. */
export const REDACTED_LOG_PATHS = [
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'req.headers.authorization',
  'req.headers.cookie',
];

@Module({})
export class AppModule {
  static forRoot(config: SiroccoConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: [
            {
              level: config.logLevel,
              redact: { paths: REDACTED_LOG_PATHS, censor: '***' },
              // one line per request is plenty; query strings may hold filters but never secrets
              serializers: {
                req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              },
            },
            logDestination(config.logFormat),
          ],
        }),
        DatabaseModule.forUrl(databaseUrl),
        IdentityModule,
        ExpressionsModule,
        ActionsModule,
        RootModule,
        WorkflowsModule,
        EngineModule,
        EngineApiModule,
        EnvironmentsModule,
        ActionsApiModule,
        ScheduleModule.forRoot(),
        TriggersModule,
      ],
    };
  }
}
