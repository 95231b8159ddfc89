import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { baseUrl } from '../common/base-url';
import { allProjectsAsked, listAnswer, nextLink, parseListRequest } from '../common/list-query';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { CallerContext, type RequestContext } from '../identity/request-context';
import { ActionCatalog } from './action-catalog';
import { ACTION_LIST_SPEC, pageOfActions, toActionResource } from './action.mapper';
import { toAdhocActionResource } from './adhoc/adhoc-action.mapper';
import { AdhocActionsService, type AdhocWriteOptions } from './adhoc/adhoc-actions.service';

const YAML_BODY = {
  description: "Ad-hoc actions: `version: '2.0'` and one or more actions, name -> {base, base-input, input, output, description, tags}",
  schema: {
    type: 'string',
    example: "version: '2.0'\ngreet:\n  base: std.echo\n  base-input:\n    output: Hello <% $.name %>\n  input: [name]\n",
  },
};

/** The YAML text of an upload (read as text whatever its Content-Type); no body reads as empty. */
function definitionText(body: unknown): string {
  return typeof body === 'string' ? body : '';
}

function writeOptions(scope: string | undefined, namespace: string | undefined): AdhocWriteOptions {
  if (scope !== undefined && scope !== 'private' && scope !== 'public') {
    throw ApiError.badRequest(`scope must be 'private' or 'public' (got '${scope}')`);
  }
  return { scope: scope ?? 'private', namespace: namespace ?? '' };
}

@ApiTags('actions')
@Controller('v2/actions')
export class ActionsController {
  constructor(
    private readonly catalog: ActionCatalog,
    private readonly adhoc: AdhocActionsService,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List the actions a workflow may name, system and ad-hoc (marker, limit, sort_keys, sort_dirs, fields, filters such as name=has:http)' })
  async list(@Query() query: Record<string, string>, @Req() request: Request, @CallerContext() context: RequestContext) {
    const listRequest = parseListRequest(query, ACTION_LIST_SPEC);
    const adhoc = await this.adhoc.list(context, allProjectsAsked(query));
    const page = pageOfActions([...this.catalog.list().map(toActionResource), ...adhoc.map((action) => toAdhocActionResource(action))], listRequest);
    const next = nextLink(baseUrl(this.config, request), '/v2/actions', listRequest, page);
    return listAnswer('actions', page, listRequest, next);
  }

  // the CLI asks for /v2/actions/{name}/{namespace}, with an empty namespace by default
  @Get([':name', ':name/:namespace'])
  @ApiOperation({ summary: 'One action, by name (an ad-hoc one also by id)' })
  @ApiResponse({ status: 404, description: 'Action not found [name=..., namespace=]' })
  async get(@Param('name') name: string, @Param('namespace') namespace: string | undefined, @CallerContext() context: RequestContext) {
    const system = namespace ? undefined : this.catalog.isSystem(name) ? this.catalog.get(name) : undefined;
    if (system) return toActionResource(system);
    const adhoc = await this.adhoc.get(name, namespace ?? '', context);
    if (!adhoc) throw ApiError.notFound(`Action not found [name=${name}, namespace=${namespace ?? ''}]`);
    return toAdhocActionResource(adhoc);
  }

  @Post()
  @ApiOperation({ summary: 'Create the ad-hoc actions of a YAML definition, all or none' })
  @ApiConsumes('text/plain')
  @ApiBody(YAML_BODY)
  @ApiQuery({ name: 'scope', required: false, enum: ['private', 'public'] })
  @ApiResponse({ status: 201, description: '{"actions": [...]}' })
  async create(@Body() body: unknown, @Query('scope') scope: string | undefined, @Query('namespace') namespace: string | undefined, @CallerContext() context: RequestContext) {
    const created = await this.adhoc.create(definitionText(body), writeOptions(scope, namespace), context);
    return { actions: created.map((action) => toAdhocActionResource(action, 'written')) };
  }

  @Put()
  @ApiOperation({ summary: 'Replace the definitions of existing ad-hoc actions' })
  @ApiConsumes('text/plain')
  @ApiBody(YAML_BODY)
  async update(@Body() body: unknown, @Query('scope') scope: string | undefined, @Query('namespace') namespace: string | undefined, @CallerContext() context: RequestContext) {
    const updated = await this.adhoc.update(definitionText(body), writeOptions(scope, namespace), context);
    return { actions: updated.map((action) => toAdhocActionResource(action, 'written')) };
  }

  @Put(':identifier')
  @ApiOperation({ summary: 'Replace the definition of one ad-hoc action, by id or name' })
  @ApiConsumes('text/plain')
  @ApiBody(YAML_BODY)
  async updateOne(
    @Param('identifier') identifier: string,
    @Body() body: unknown,
    @Query('scope') scope: string | undefined,
    @Query('namespace') namespace: string | undefined,
    @CallerContext() context: RequestContext,
  ) {
    const updated = await this.adhoc.update(definitionText(body), writeOptions(scope, namespace), context, identifier);
    return { actions: updated.map((action) => toAdhocActionResource(action, 'written')) };
  }

  @Post('validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check an action definition without storing it: {"valid": true} or {"valid": false, "error": ...}' })
  @ApiConsumes('text/plain')
  @ApiBody(YAML_BODY)
  validate(@Body() body: unknown, @CallerContext() context: RequestContext) {
    return this.adhoc.validate(definitionText(body), context);
  }

  @Delete([':name', ':name/:namespace'])
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an ad-hoc action, by name or id (system actions cannot be deleted: 400)' })
  async remove(@Param('name') name: string, @Param('namespace') namespace: string | undefined, @CallerContext() context: RequestContext): Promise<void> {
    await this.adhoc.delete(name, namespace ?? '', context);
  }
}
