import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { baseUrl } from '../common/base-url';
import { allProjectsAsked, listAnswer, nextLink, parseListRequest } from '../common/list-query';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { CallerContext, type RequestContext } from '../identity/request-context';
import { toEnvironmentResource } from './environment.mapper';
import { ENVIRONMENT_LIST_SPEC } from './environment.repository';
import { parseEnvironmentFields } from './environment-request.parser';
import { EnvironmentsService } from './environments.service';

const ENVIRONMENT_BODY = {
  description: '`variables` may be an object or JSON text (as the mistral CLI sends it)',
  schema: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string' },
      description: { type: 'string' },
      variables: { oneOf: [{ type: 'object' }, { type: 'string' }] },
      scope: { type: 'string', enum: ['private', 'public'] },
    },
    example: { name: 'prod', variables: '{"region": "RegionOne"}' },
  },
};

@ApiTags('environments')
@Controller('v2/environments')
export class EnvironmentsController {
  constructor(
    private readonly environments: EnvironmentsService,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an environment' })
  @ApiBody(ENVIRONMENT_BODY)
  @ApiResponse({ status: 201, description: 'The environment; `variables` as JSON text' })
  @ApiResponse({ status: 409, description: 'The project has an environment of that name' })
  async create(@Body() body: unknown, @CallerContext() context: RequestContext) {
    return toEnvironmentResource(await this.environments.create(parseEnvironmentFields(body), context));
  }

  @Put()
  @ApiOperation({ summary: 'Change an environment, named in the body; fields left out keep their values' })
  @ApiBody(ENVIRONMENT_BODY)
  @ApiResponse({ status: 404, description: 'Environment not found [name=...]' })
  async update(@Body() body: unknown, @CallerContext() context: RequestContext) {
    return toEnvironmentResource(await this.environments.update(parseEnvironmentFields(body), context));
  }

  @Get()
  @ApiOperation({ summary: 'List environments (marker, limit, sort_keys, sort_dirs, fields, filters such as name, scope)' })
  async list(@Query() query: Record<string, string>, @Req() request: Request, @CallerContext() context: RequestContext) {
    const listRequest = parseListRequest(query, ENVIRONMENT_LIST_SPEC);
    const page = await this.environments.list(listRequest, context, allProjectsAsked(query));
    const next = nextLink(baseUrl(this.config, request), '/v2/environments', listRequest, page);
    return listAnswer('environments', page.map((environment) => toEnvironmentResource(environment)), listRequest, next);
  }

  @Get(':name')
  @ApiOperation({ summary: 'One environment, by name' })
  @ApiResponse({ status: 404, description: 'Environment not found [name=...]' })
  async get(@Param('name') name: string, @CallerContext() context: RequestContext) {
    return toEnvironmentResource(await this.environments.get(name, context));
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an environment' })
  @ApiResponse({ status: 404, description: 'Environment not found [name=...]' })
  async delete(@Param('name') name: string, @CallerContext() context: RequestContext): Promise<void> {
    await this.environments.delete(name, context);
  }
}
