import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { logRedaction } from './common/log-redaction';
import { logDestination } from './common/log-output';
import { ActionsModule } from './actions/actions.module';
import { entities } from './app.entities';
import { ConfigModule } from './config/config.module';
import type { SiroccoConfig } from './config/sirocco-config';
import { DatabaseModule } from './database/database.module';
import { ActionsApiModule } from './actions/actions-api.module';
import { EngineApiModule } from './engine/api/engine-api.module';
import { EngineModule } from './engine/engine.module';
import { EnvironmentsModule } from './environments/environments.module';
import { ScheduleModule } from '@nestjs/schedule';
import { SharingModule } from './sharing/sharing.module';
import { TriggersModule } from './triggers/triggers.module';
import { EventTriggersModule } from './event-triggers/event-triggers.module';
import { IdentityModule } from './identity/identity.module';
import { ExpressionsModule } from './expressions/expressions.module';
import { HealthModule } from './health/health.module';
import { RootModule } from './root/root.module';
import { ServiceStateModule } from './service-state/service-state.module';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { MetricsModule } from './metrics/metrics.module';
import { WorkbooksModule } from './workbooks/workbooks.module';
import { SnapshotsModule } from './snapshots/snapshots.module';
import { WorkflowsModule } from './workflows/workflows.module';

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
              ...logRedaction(config),
            },
            logDestination(config.logFormat),
          ],
        }),
        DatabaseModule.forUrl(databaseUrl, entities, config.database),
        MetricsModule,
        ServiceStateModule,
        IdentityModule,
        ExpressionsModule,
        ActionsModule,
        RootModule,
        HealthModule,
        WorkflowsModule,
        SharingModule,
        WorkbooksModule,
        EngineModule,
        EngineApiModule,
        EnvironmentsModule,
        ActionsApiModule,
        ScheduleModule.forRoot(),
        TriggersModule,
        EventTriggersModule,
        MaintenanceModule,
        SnapshotsModule,
      ],
    };
  }
}
