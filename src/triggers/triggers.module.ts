import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EngineModule } from '../engine/engine.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { CronTriggerEntity } from './cron-trigger.entity';
import { CronTriggerRepository } from './cron-trigger.repository';
import { CronTriggersController } from './cron-triggers.controller';
import { CronTriggersService } from './cron-triggers.service';
import { MaintenanceSkipRecorder } from './maintenance-skips';
import { RestoredSchedules } from './restored-schedules';
import { TriggerFailureNotifier } from './trigger-failure-notifier';
import { TriggerFirer } from './trigger-firer';
import { TriggerFiringEntity } from './trigger-firing.entity';
import { TriggerFiringLoop } from './trigger-firing.loop';
import { TriggerFiringRepository } from './trigger-firing.repository';
import { TriggerMetrics } from './trigger-metrics';

/** Cron triggers: /v2/cron_triggers and the firing loop every instance runs (trusts: identity/trusts). */
@Module({
  imports: [EngineModule, WorkflowsModule, TypeOrmModule.forFeature([CronTriggerEntity, TriggerFiringEntity])],
  controllers: [CronTriggersController],
  providers: [
    CronTriggersService,
    CronTriggerRepository,
    TriggerFiringRepository,
    TriggerFirer,
    TriggerFiringLoop,
    TriggerFailureNotifier,
    MaintenanceSkipRecorder,
    RestoredSchedules,
    TriggerMetrics,
  ],
  exports: [CronTriggerRepository, RestoredSchedules],
})
export class TriggersModule {}
