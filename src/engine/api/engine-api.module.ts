import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActionExecutionEntity } from '../action-execution.entity';
import { EngineModule } from '../engine.module';
import { TaskExecutionEntity } from '../task-execution.entity';
import { WorkflowExecutionEntity } from '../workflow-execution.entity';
import { ActionExecutionsController } from './action-executions.controller';
import { ExecutionQueriesService } from './execution-queries.service';
import { ExecutionReadRepository } from './execution-read.repository';
import { ExecutionReportService } from './execution-report.service';
import { ExecutionsController } from './executions.controller';
import { TasksController } from './tasks.controller';

/** /v2/executions, /v2/tasks and /v2/action_executions: reads here, writes through the engine's commands. */
@Module({
  imports: [EngineModule, TypeOrmModule.forFeature([WorkflowExecutionEntity, TaskExecutionEntity, ActionExecutionEntity])],
  controllers: [ExecutionsController, TasksController, ActionExecutionsController],
  providers: [ExecutionReadRepository, ExecutionQueriesService, ExecutionReportService],
})
export class EngineApiModule {}
