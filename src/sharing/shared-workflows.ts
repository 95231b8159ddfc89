import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ApiError } from '../common/api-error';
import { isUuid } from '../common/uuid';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import type { RequestContext } from '../identity/request-context';
import { type WorkflowSharing, WorkflowSharingSlot } from '../workflows/workflow-sharing.slot';
import { WorkflowsService } from '../workflows/workflows.service';
import { ResourceMemberRepository } from './resource-member.repository';
import { ShareableResourceRegistry, type ShareableResource, type ShareableResources } from './shareable-resources';

/**
 * Workflows as a shareable resource: the members API finds them through WorkflowsService, and
 * workflows learn which shared ones a project accepted through WorkflowSharingSlot (filled here).
 */
@Injectable()
export class SharedWorkflows implements ShareableResources, WorkflowSharing, OnModuleInit {
  readonly type = 'workflow' as const;

  constructor(
    private readonly workflows: WorkflowsService,
    private readonly members: ResourceMemberRepository,
    private readonly slot: WorkflowSharingSlot,
    private readonly registry: ShareableResourceRegistry,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
    this.slot.register(this);
  }

  resourceIdOf(identifier: string): string {
    // Mistral's refusal, also for a workflow's name
    if (!isUuid(identifier)) throw ApiError.badRequest('Only support UUID as resource identifier in resource sharing feature.');
    return identifier.toLowerCase();
  }

  async findForSharing(resourceId: string, context: RequestContext): Promise<ShareableResource> {
    const workflow = await this.workflows.get(resourceId, '', context);
    return { id: workflow.id, projectId: workflow.projectId, scope: workflow.scope };
  }

  acceptedWorkflowIds(projectId: string, manager?: EntityManager): Promise<string[]> {
    // noauth mode shares nothing (one project): no query on every workflow read
    if (this.config.auth.mode !== 'keystone') return Promise.resolve([]);
    return this.members.acceptedResourceIds('workflow', projectId, manager);
  }

  workflowDeleted(workflowId: string, manager: EntityManager): Promise<void> {
    return this.members.deleteForResource('workflow', workflowId, manager);
  }
}
