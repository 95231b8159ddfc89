import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EngineModule } from '../engine/engine.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { EventFirer } from './event-firer';
import { EventDeliveryEntity, EventTriggerEntity } from './event-trigger.entity';
import { EventTriggerRepository } from './event-trigger.repository';
import { EventTriggersController } from './event-triggers.controller';
import { EventTriggersService } from './event-triggers.service';
import { NotificationConsumer } from './notification-consumer';

/** Event triggers: /v2/event_triggers and the consumer of OpenStack notifications every instance runs. */
@Module({
  imports: [EngineModule, WorkflowsModule, TypeOrmModule.forFeature([EventTriggerEntity, EventDeliveryEntity])],
  controllers: [EventTriggersController],
  providers: [EventTriggersService, EventTriggerRepository, EventFirer, NotificationConsumer],
  exports: [EventTriggerRepository],
})
export class EventTriggersModule {}
