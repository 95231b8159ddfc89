import { Module } from '@nestjs/common';
import { EnvironmentsModule } from '../environments/environments.module';
import { ExpressionsModule } from '../expressions/expressions.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { EXECUTION_COMMANDS } from './execution-commands';
import { EngineMetrics } from './engine-metrics';
import { EngineExecutionLookup } from './execution-lookup';
import { ExecutionsRepository } from './executions.repository';
import { ExecutionsService } from './executions.service';
import { OneOffActions } from './one-off-actions.service';
import { RuntimeClaimsRepository } from './runtime/runtime-claims.repository';
import { ExecutionRetentionRepository } from './retention/execution-retention.repository';
import { ExecutionRetention } from './retention/execution-retention.service';
import { ExecutionStarter } from './start/execution-starter';
import { WorkflowEngine } from './runtime/workflow-engine.service';

/**
 * The engine: runs workflow executions (run/: the state machine), starts them (start/: the API's
 * and the cron triggers' one entry point, ExecutionStarter), and answers the API's commands.
 */
@Module({
  imports: [WorkflowsModule, EnvironmentsModule, ExpressionsModule],
  providers: [
    WorkflowEngine,
    ExecutionsService,
    ExecutionStarter,
    OneOffActions,
    ExecutionsRepository,
    RuntimeClaimsRepository,
    EngineExecutionLookup,
    EngineMetrics,
    ExecutionRetention,
    ExecutionRetentionRepository,
    { provide: EXECUTION_COMMANDS, useExisting: ExecutionsService },
  ],
  exports: [EXECUTION_COMMANDS, WorkflowEngine, ExecutionsService, ExecutionStarter, ExecutionsRepository, ExecutionRetention],
})
export class EngineModule {}
