import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../identity/request-context';
import type { SharedResourceType } from './resource-member.entity';

/** What sharing needs of a resource: who owns it and whether it is private. */
export interface ShareableResource {
  id: string;
  projectId: string;
  scope: string;
}

/**
 * One kind of resource that can be shared (workflows; workbooks to come). Each kind plugs in here
 * and gets the members API at `/v2/<collection>/{id}/members` through a subclass of
 * ResourceMembersController.
 */
export interface ShareableResources {
  readonly type: SharedResourceType;
  /** The resource id a members URL names, normalised; refuses identifiers the kind cannot be shared by. */
  resourceIdOf(identifier: string): string;
  /** The resource as the caller sees it (the kind's own 404 when it cannot see it). */
  findForSharing(resourceId: string, context: RequestContext): Promise<ShareableResource>;
}

@Injectable()
export class ShareableResourceRegistry {
  private readonly kinds = new Map<SharedResourceType, ShareableResources>();

  register(kind: ShareableResources): void {
    this.kinds.set(kind.type, kind);
  }

  get(type: SharedResourceType): ShareableResources {
    const kind = this.kinds.get(type);
    if (!kind) throw new Error(`no shareable resources of type ${type} are registered`);
    return kind;
  }
}
