import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkbooksModule } from '../workbooks/workbooks.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { ResourceMemberEntity } from './resource-member.entity';
import { ResourceMemberRepository } from './resource-member.repository';
import { WorkbookMembersController, WorkflowMembersController } from './resource-members.controller';
import { ResourceMembersService } from './resource-members.service';
import { ShareableResourceRegistry } from './shareable-resources';
import { SharedWorkbooks } from './shared-workbooks';
import { SharedWorkflows } from './shared-workflows';

/**
 * Resource sharing (`/v2/workflows/{id}/members`, `/v2/workbooks/{id}/members`): sits above workflows
 * and workbooks, which it tells through their sharing slots which shared ones a project accepted.
 */
@Module({
  imports: [WorkflowsModule, WorkbooksModule, TypeOrmModule.forFeature([ResourceMemberEntity])],
  controllers: [WorkflowMembersController, WorkbookMembersController],
  providers: [ResourceMemberRepository, ResourceMembersService, ShareableResourceRegistry, SharedWorkflows, SharedWorkbooks],
  exports: [ResourceMemberRepository],
})
export class SharingModule {}
