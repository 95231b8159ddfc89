import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { baseUrl } from '../common/base-url';
import { listAnswer, nextLink, parseListRequest } from '../common/list-query';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { ActionCatalog } from './action-catalog';
import { ACTION_LIST_SPEC, pageOfActions, toActionResource } from './action.mapper';

@ApiTags('actions')
@Controller('v2/actions')
export class ActionsController {
  constructor(
    private readonly catalog: ActionCatalog,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List the actions a workflow may name (marker, limit, sort_keys, sort_dirs, fields, filters such as name=has:http)' })
  list(@Query() query: Record<string, string>, @Req() request: Request) {
    const listRequest = parseListRequest(query, ACTION_LIST_SPEC);
    const page = pageOfActions(this.catalog.list(), listRequest);
    const next = nextLink(baseUrl(this.config, request), '/v2/actions', listRequest, page);
    return listAnswer('actions', page, listRequest, next);
  }

  // the CLI asks for /v2/actions/{name}/{namespace}, with an empty namespace by default
  @Get([':name', ':name/:namespace'])
  @ApiOperation({ summary: 'One action, by name' })
  @ApiResponse({ status: 404, description: 'Action not found [name=..., namespace=]' })
  get(@Param('name') name: string, @Param('namespace') namespace: string | undefined) {
    const descriptor = namespace ? undefined : this.catalog.get(name);
    if (!descriptor) throw ApiError.notFound(`Action not found [name=${name}, namespace=${namespace ?? ''}]`);
    return toActionResource(descriptor);
  }
}
