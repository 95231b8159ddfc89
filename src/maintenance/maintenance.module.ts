import { Module } from '@nestjs/common';
import { EngineModule } from '../engine/engine.module';
import { MaintenanceController } from './maintenance.controller';
import { MaintenanceService } from './maintenance.service';

/** /v2/maintenance and the activation watch (the shared state and the gate: service-state/). */
@Module({
  imports: [EngineModule],
  controllers: [MaintenanceController],
  providers: [MaintenanceService],
})
export class MaintenanceModule {}
