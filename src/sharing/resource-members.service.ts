import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import type { RequestContext } from '../identity/request-context';
import { parseMemberStatus, parseNewMemberId } from './member-request.parser';
import { ResourceMemberEntity, type SharedResourceType } from './resource-member.entity';
import { ResourceMemberRepository } from './resource-member.repository';
import { ShareableResourceRegistry } from './shareable-resources';

/**
 * Mistral's resource sharing: the owner project adds member projects to a private resource, each
 * member accepts or rejects; accepted members read and run it. Keystone mode only.
 */
@Injectable()
export class ResourceMembersService {
  private readonly logger = new Logger(ResourceMembersService.name);

  constructor(
    private readonly members: ResourceMemberRepository,
    private readonly resources: ShareableResourceRegistry,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  /** The owner shares the resource with a project: a pending membership. */
  async create(type: SharedResourceType, identifier: string, body: unknown, context: RequestContext): Promise<ResourceMemberEntity> {
    const resourceId = this.resourceIdOf(type, identifier);
    const memberId = parseNewMemberId(body);
    const resource = await this.resources.get(type).findForSharing(resourceId, context);
    if (resource.scope !== 'private') throw ApiError.badRequest('Only private resource could be shared.');
    if (resource.projectId !== context.projectId) {
      throw ApiError.forbidden(`Only the project that owns ${type} ${resource.id} can share it.`);
    }
    const member = Object.assign(new ResourceMemberEntity(), {
      id: randomUUID(),
      resourceId: resource.id,
      resourceType: type,
      projectId: context.projectId,
      memberId,
      status: 'pending',
      createdAt: new Date(),
      updatedAt: null,
    } satisfies ResourceMemberEntity);
    if (!(await this.members.insert(member))) {
      throw ApiError.conflict(
        `Duplicate entry for ResourceMember ['resource_id', 'resource_type', 'member_id']: ${resource.id}, ${type}, ${memberId}`,
      );
    }
    this.logger.log(`shared ${type} ${resource.id} with project ${memberId}`);
    return member;
  }

  /** The owner sees every membership of its resource, a member its own; others none (not even a 404, as Mistral). */
  list(type: SharedResourceType, identifier: string, context: RequestContext): Promise<ResourceMemberEntity[]> {
    return this.members.listSeenBy(type, this.resourceIdOf(type, identifier), context.projectId);
  }

  async get(type: SharedResourceType, identifier: string, memberId: string, context: RequestContext): Promise<ResourceMemberEntity> {
    const resourceId = this.resourceIdOf(type, identifier);
    const member = await this.members.findSeenBy(type, resourceId, memberId, context.projectId);
    if (!member) throw memberNotFound(resourceId, memberId);
    return member;
  }

  /** The member project (and only it) accepts or rejects, or sets its membership back to pending. */
  async update(type: SharedResourceType, identifier: string, memberId: string, body: unknown, context: RequestContext): Promise<ResourceMemberEntity> {
    const resourceId = this.resourceIdOf(type, identifier);
    const status = parseMemberStatus(body);
    const member = memberId === context.projectId ? await this.members.findMembership(type, resourceId, memberId) : null;
    if (!member) throw memberNotFound(resourceId, memberId);
    member.status = status;
    member.updatedAt = new Date();
    const saved = await this.members.save(member);
    this.logger.log(`project ${memberId} set its membership of ${type} ${resourceId} to ${status}`);
    return saved;
  }

  /** The owner takes a project off the resource's members. */
  async delete(type: SharedResourceType, identifier: string, memberId: string, context: RequestContext): Promise<void> {
    const resourceId = this.resourceIdOf(type, identifier);
    if (!(await this.members.deleteOwned(type, resourceId, memberId, context.projectId))) throw memberNotFound(resourceId, memberId);
    this.logger.log(`unshared ${type} ${resourceId} from project ${memberId}`);
  }

  /** Mistral's order: the identifier is checked when the route is chosen, then whether sharing is possible at all. */
  private resourceIdOf(type: SharedResourceType, identifier: string): string {
    const resourceId = this.resources.get(type).resourceIdOf(identifier);
    if (this.config.auth.mode !== 'keystone') {
      throw ApiError.badRequest('Resource sharing feature can only be supported with authentication enabled.');
    }
    return resourceId;
  }
}

function memberNotFound(resourceId: string, memberId: string): ApiError {
  return ApiError.notFound(`Resource member not found [resource_id=${resourceId}, member_id=${memberId}]`);
}
