import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DefinitionsLoaderService } from './definitions-loader.service';
import { WorkbookMembersService } from './workbook-members.service';
import { WorkflowDefinitionEntity } from './workflow-definition.entity';
import { WorkflowDefinitionRepository } from './workflow-definition.repository';
import { WorkflowSharingSlot } from './workflow-sharing.slot';
import { WorkflowUsageRegistry } from './workflow-usage.registry';
import { WorkflowsController } from './workflows.controller';
import { WorkflowsService } from './workflows.service';

@Module({
  imports: [TypeOrmModule.forFeature([WorkflowDefinitionEntity])],
  controllers: [WorkflowsController],
  providers: [WorkflowsService, WorkflowDefinitionRepository, WorkflowUsageRegistry, WorkflowSharingSlot, DefinitionsLoaderService, WorkbookMembersService],
  exports: [WorkflowsService, WorkflowUsageRegistry, WorkflowSharingSlot, WorkbookMembersService, WorkflowDefinitionRepository, DefinitionsLoaderService],
})
export class WorkflowsModule {}
