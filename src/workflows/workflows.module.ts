import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DefinitionsLoaderService } from './definitions-loader.service';
import { WorkflowDefinitionEntity } from './workflow-definition.entity';
import { WorkflowDefinitionRepository } from './workflow-definition.repository';
import { WorkflowUsageRegistry } from './workflow-usage.registry';
import { WorkflowsController } from './workflows.controller';
import { WorkflowsService } from './workflows.service';

@Module({
  imports: [TypeOrmModule.forFeature([WorkflowDefinitionEntity])],
  controllers: [WorkflowsController],
  providers: [WorkflowsService, WorkflowDefinitionRepository, WorkflowUsageRegistry, DefinitionsLoaderService],
  exports: [WorkflowsService, WorkflowUsageRegistry, WorkflowDefinitionRepository, DefinitionsLoaderService],
})
export class WorkflowsModule {}
