import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExpressionsModule } from '../expressions/expressions.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { ActionExecutionEntity } from './action-execution.entity';
import { DelayedJobEntity } from './delayed-job.entity';
import { EXECUTION_COMMANDS } from './execution-commands';
import { ExecutionTrusts } from './execution-trusts.service';
import { ExecutionsService } from './executions.service';
import { TaskExecutionEntity } from './task-execution.entity';
import { WorkflowEngine } from './workflow-engine.service';
import { WorkflowExecutionEntity } from './workflow-execution.entity';

/** The engine: runs workflow executions and answers the API's commands on them. */
@Module({
  imports: [
    WorkflowsModule,
    ExpressionsModule,
    // the engine's tables: the data source has the entities the feature modules register (autoLoadEntities)
    TypeOrmModule.forFeature([WorkflowExecutionEntity, TaskExecutionEntity, ActionExecutionEntity, DelayedJobEntity]),
  ],
  providers: [WorkflowEngine, ExecutionsService, ExecutionTrusts, { provide: EXECUTION_COMMANDS, useExisting: ExecutionsService }],
  exports: [EXECUTION_COMMANDS, WorkflowEngine, ExecutionsService],
})
export class EngineModule {}
