import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CallerContext, type RequestContext } from '../identity/request-context';
import type { SharedResourceType } from './resource-member.entity';
import { toMemberResource } from './resource-member.mapper';
import { ResourceMembersService } from './resource-members.service';

/**
 * `/v2/<collection>/{id}/members` for one kind of resource: a subclass names the route and the
 * kind (workflows and workbooks below).
 */
export abstract class ResourceMembersController {
  protected abstract readonly type: SharedResourceType;

  constructor(private readonly members: ResourceMembersService) {}

  @Post()
  @ApiOperation({ summary: 'Share the resource with a project (owner only; private resources; keystone mode)' })
  @ApiBody({ schema: { type: 'object', required: ['member_id'], properties: { member_id: { type: 'string' } }, example: { member_id: '<project id>' } } })
  @ApiResponse({ status: 201, description: 'The membership, status pending' })
  @ApiResponse({ status: 409, description: 'Already shared with that project' })
  async create(@Param('resourceId') resourceId: string, @Body() body: unknown, @CallerContext() context: RequestContext) {
    return toMemberResource(await this.members.create(this.type, resourceId, body, context));
  }

  @Get()
  @ApiOperation({ summary: "The resource's members: all of them for the owner, its own membership for a member" })
  async list(@Param('resourceId') resourceId: string, @CallerContext() context: RequestContext) {
    return { members: (await this.members.list(this.type, resourceId, context)).map(toMemberResource) };
  }

  @Get(':memberId')
  @ApiOperation({ summary: 'One membership (seen by the owner and by that member)' })
  @ApiResponse({ status: 404, description: 'Resource member not found [resource_id=..., member_id=...]' })
  async get(@Param('resourceId') resourceId: string, @Param('memberId') memberId: string, @CallerContext() context: RequestContext) {
    return toMemberResource(await this.members.get(this.type, resourceId, memberId, context));
  }

  @Put(':memberId')
  @ApiOperation({ summary: 'The member project accepts or rejects the share: {"status": "accepted" | "rejected" | "pending"}' })
  @ApiBody({ schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['pending', 'accepted', 'rejected'] } } } })
  async update(
    @Param('resourceId') resourceId: string,
    @Param('memberId') memberId: string,
    @Body() body: unknown,
    @CallerContext() context: RequestContext,
  ) {
    return toMemberResource(await this.members.update(this.type, resourceId, memberId, body, context));
  }

  @Delete(':memberId')
  @HttpCode(204)
  @ApiOperation({ summary: 'The owner stops sharing the resource with a project' })
  async delete(@Param('resourceId') resourceId: string, @Param('memberId') memberId: string, @CallerContext() context: RequestContext): Promise<void> {
    await this.members.delete(this.type, resourceId, memberId, context);
  }
}

@ApiTags('members')
@Controller('v2/workflows/:resourceId/members')
export class WorkflowMembersController extends ResourceMembersController {
  protected readonly type = 'workflow' as const;

  constructor(members: ResourceMembersService) {
    super(members);
  }
}

@ApiTags('members')
@Controller('v2/workbooks/:resourceId/members')
export class WorkbookMembersController extends ResourceMembersController {
  protected readonly type = 'workbook' as const;

  constructor(members: ResourceMembersService) {
    super(members);
  }
}
