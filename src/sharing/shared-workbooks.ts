import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ApiError } from '../common/api-error';
import { isUuid } from '../common/uuid';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import type { RequestContext } from '../identity/request-context';
import { type WorkbookSharing, WorkbookSharingSlot } from '../workbooks/workbook-sharing.slot';
import { WorkbooksService } from '../workbooks/workbooks.service';
import { ResourceMemberRepository } from './resource-member.repository';
import { ShareableResourceRegistry, type ShareableResource, type ShareableResources } from './shareable-resources';

/**
 * Workbooks as a shareable resource (`/v2/workbooks/{id}/members`). As in Mistral, an accepted
 * share lets the member project list and read the workbook; its workflows are shared one by one.
 */
@Injectable()
export class SharedWorkbooks implements ShareableResources, WorkbookSharing, OnModuleInit {
  readonly type = 'workbook' as const;

  constructor(
    private readonly workbooks: WorkbooksService,
    private readonly members: ResourceMemberRepository,
    private readonly slot: WorkbookSharingSlot,
    private readonly registry: ShareableResourceRegistry,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
    this.slot.register(this);
  }

  resourceIdOf(identifier: string): string {
    if (!isUuid(identifier)) throw ApiError.badRequest('Only support UUID as resource identifier in resource sharing feature.');
    return identifier.toLowerCase();
  }

  async findForSharing(resourceId: string, context: RequestContext): Promise<ShareableResource> {
    const workbook = await this.workbooks.getById(resourceId, context);
    return { id: workbook.id, projectId: workbook.projectId, scope: workbook.scope };
  }

  acceptedWorkbookIds(projectId: string): Promise<string[]> {
    if (this.config.auth.mode !== 'keystone') return Promise.resolve([]);
    return this.members.acceptedResourceIds('workbook', projectId);
  }

  workbookDeleted(workbookId: string, manager: EntityManager): Promise<void> {
    return this.members.deleteForResource('workbook', workbookId, manager);
  }
}
