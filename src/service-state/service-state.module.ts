import { Global, Module } from '@nestjs/common';
import { MaintenanceGate } from './maintenance-gate';
import { MaintenanceStateRepository } from './maintenance-state.repository';

/** The service's own shared state (maintenance mode): read by the engine and the triggers, set by the API. */
@Global()
@Module({
  providers: [MaintenanceStateRepository, MaintenanceGate],
  exports: [MaintenanceStateRepository, MaintenanceGate],
})
export class ServiceStateModule {}
