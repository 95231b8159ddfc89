import { Module } from '@nestjs/common';
import { ExpressionsModule } from '../expressions/expressions.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { EXECUTION_COMMANDS } from './execution-commands';
import { EngineExecutionLookup } from './execution-lookup';
import { ExecutionsService } from './executions.service';
import { WorkflowEngine } from './workflow-engine.service';

/** The engine: runs workflow executions and answers the API's commands on them. */
@Module({
  imports: [WorkflowsModule, ExpressionsModule],
  providers: [WorkflowEngine, ExecutionsService, EngineExecutionLookup, { provide: EXECUTION_COMMANDS, useExisting: ExecutionsService }],
  exports: [EXECUTION_COMMANDS, WorkflowEngine, ExecutionsService],
})
export class EngineModule {}
