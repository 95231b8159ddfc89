import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkflowsModule } from '../workflows/workflows.module';
import { ResourceMemberEntity } from './resource-member.entity';
import { ResourceMemberRepository } from './resource-member.repository';
import { WorkflowMembersController } from './resource-members.controller';
import { ResourceMembersService } from './resource-members.service';
import { ShareableResourceRegistry } from './shareable-resources';
import { SharedWorkflows } from './shared-workflows';

/**
 * Resource sharing (`/v2/workflows/{id}/members`): sits above workflows, which it tells through
 * WorkflowSharingSlot which shared workflows a project accepted.
 */
@Module({
  imports: [WorkflowsModule, TypeOrmModule.forFeature([ResourceMemberEntity])],
  controllers: [WorkflowMembersController],
  providers: [ResourceMemberRepository, ResourceMembersService, ShareableResourceRegistry, SharedWorkflows],
})
export class SharingModule {}
