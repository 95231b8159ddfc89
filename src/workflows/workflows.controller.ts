import { applyDecorators, Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { baseUrl } from '../common/base-url';
import { allProjectsAsked, listAnswer, nextLink, parseListRequest } from '../common/list-query';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { CallerContext, type RequestContext } from '../identity/request-context';
import { toWorkflowResource } from './workflow.mapper';
import { WORKFLOW_LIST_SPEC } from './workflow-definition.repository';
import { WorkflowsService, WorkflowWriteOptions } from './workflows.service';

const YAML_BODY = {
  description: "A Mistral v2 definition: `version: '2.0'` and one or more workflows",
  schema: { type: 'string', example: "version: '2.0'\nhello:\n  tasks:\n    say:\n      action: std.echo output=hi\n" },
};

/** OpenAPI of the requests that store a definition: YAML text, with `scope` and `namespace` in the query. */
function DefinitionWrite() {
  // in the order stacked decorators run (bottom up), which keeps the parameters' order in the document
  return applyDecorators(
    ApiQuery({ name: 'namespace', required: false }),
    ApiQuery({ name: 'scope', required: false, enum: ['private', 'public'] }),
    ApiBody(YAML_BODY),
    ApiConsumes('text/plain'),
  );
}

function writeOptions(scope: string | undefined, namespace: string | undefined): WorkflowWriteOptions {
  if (scope !== undefined && scope !== 'private' && scope !== 'public') {
    throw ApiError.badRequest(`scope must be 'private' or 'public' (got '${scope}')`);
  }
  return { scope: scope ?? 'private', namespace: namespace ?? '' };
}

/** The YAML text of an upload (read as text whatever its Content-Type); no body reads as empty. */
function definitionText(body: unknown): string {
  return typeof body === 'string' ? body : '';
}

@ApiTags('workflows')
@Controller('v2/workflows')
export class WorkflowsController {
  constructor(
    private readonly workflows: WorkflowsService,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create every workflow of a YAML definition' })
  @DefinitionWrite()
  @ApiResponse({ status: 201, description: '{"workflows": [...]}' })
  @ApiResponse({ status: 400, description: 'Invalid DSL: every error with line, column and path' })
  @ApiResponse({ status: 409, description: 'A workflow of that name exists' })
  async create(
    @Body() body: unknown,
    @Query('scope') scope: string | undefined,
    @Query('namespace') namespace: string | undefined,
    @CallerContext() context: RequestContext,
  ) {
    const created = await this.workflows.create(definitionText(body), writeOptions(scope, namespace), context);
    return { workflows: created.map((workflow) => toWorkflowResource(workflow, 'created')) };
  }

  @Put()
  @ApiOperation({ summary: 'Replace the definitions of existing workflows' })
  @DefinitionWrite()
  async update(
    @Body() body: unknown,
    @Query('scope') scope: string | undefined,
    @Query('namespace') namespace: string | undefined,
    @CallerContext() context: RequestContext,
  ) {
    const updated = await this.workflows.update(definitionText(body), writeOptions(scope, namespace), context);
    return { workflows: updated.map((workflow) => toWorkflowResource(workflow, 'updated')) };
  }

  @Put(':identifier')
  @ApiOperation({ summary: 'Replace the definition of one workflow, by id or name (the text holds that workflow only)' })
  @DefinitionWrite()
  async updateOne(
    @Param('identifier') identifier: string,
    @Body() body: unknown,
    @Query('scope') scope: string | undefined,
    @Query('namespace') namespace: string | undefined,
    @CallerContext() context: RequestContext,
  ) {
    const updated = await this.workflows.updateOne(identifier, definitionText(body), writeOptions(scope, namespace), context);
    return toWorkflowResource(updated, 'updated');
  }

  @Post('validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check a definition without storing it: {"valid": true} or {"valid": false, "error": ...}' })
  @ApiConsumes('text/plain')
  @ApiBody(YAML_BODY)
  validate(@Body() body: unknown, @CallerContext() context: RequestContext) {
    return this.workflows.validate(definitionText(body), context.projectId);
  }

  @Post('convert')
  @HttpCode(200)
  @ApiOperation({ summary: "Rewrite a definition's YAQL expressions in JSONata: {language, definition, changes} (nothing is stored)" })
  @ApiConsumes('text/plain')
  @ApiBody(YAML_BODY)
  @ApiResponse({ status: 400, description: 'An expression cannot be converted: line, column and reason of each' })
  convert(@Body() body: unknown) {
    return this.workflows.convert(definitionText(body));
  }

  @Get()
  @ApiOperation({ summary: 'List workflows (marker, limit, sort_keys, sort_dirs, fields, filters such as name=in:a,b)' })
  async list(@Query() query: Record<string, string>, @Req() request: Request, @CallerContext() context: RequestContext) {
    const listRequest = parseListRequest(query, WORKFLOW_LIST_SPEC);
    const page = await this.workflows.list(listRequest, context, allProjectsAsked(query));
    const next = nextLink(baseUrl(this.config, request), '/v2/workflows', listRequest, page);
    return listAnswer('workflows', page.map((workflow) => toWorkflowResource(workflow, 'read')), listRequest, next);
  }

  @Get(':identifier')
  @ApiOperation({ summary: 'One workflow, by id or name' })
  @ApiQuery({ name: 'namespace', required: false })
  async get(
    @Param('identifier') identifier: string,
    @Query('namespace') namespace: string | undefined,
    @CallerContext() context: RequestContext,
  ) {
    return toWorkflowResource(await this.workflows.get(identifier, namespace ?? '', context), 'read');
  }

  @Delete(':identifier')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a workflow; 400 while cron triggers use it (running executions keep their own copy)' })
  @ApiQuery({ name: 'namespace', required: false })
  async delete(
    @Param('identifier') identifier: string,
    @Query('namespace') namespace: string | undefined,
    @CallerContext() context: RequestContext,
  ): Promise<void> {
    await this.workflows.delete(identifier, namespace ?? '', context);
  }
}
