import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EngineModule } from '../engine/engine.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { CronTriggerEntity } from './cron-trigger.entity';
import { CronTriggersController } from './cron-triggers.controller';
import { CronTriggersService } from './cron-triggers.service';
import { TriggerFailureNotifier } from './trigger-failure-notifier';
import { TriggerFirer } from './trigger-firer';
import { TriggerFiringEntity } from './trigger-firing.entity';
import { TriggerFiringLoop } from './trigger-firing.loop';

/** Cron triggers: /v2/cron_triggers, the firing loop every instance runs, and trust upkeep. */
@Module({
  imports: [EngineModule, WorkflowsModule, TypeOrmModule.forFeature([CronTriggerEntity, TriggerFiringEntity])],
  controllers: [CronTriggersController],
  providers: [
    CronTriggersService,
    TriggerFirer,
    TriggerFiringLoop,
    TriggerFailureNotifier,
  ],
})
export class TriggersModule {}
