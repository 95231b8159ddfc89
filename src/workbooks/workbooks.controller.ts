import { applyDecorators, Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { baseUrl } from '../common/base-url';
import { allProjectsAsked, listAnswer, nextLink, parseListRequest, pickFields } from '../common/list-query';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { CallerContext, type RequestContext } from '../identity/request-context';
import { toWorkbookResource } from './workbook.mapper';
import { WORKBOOK_LIST_SPEC } from './workbook.repository';
import { WorkbooksService, type WorkbookWriteOptions } from './workbooks.service';

const YAML_BODY = {
  description: "A Mistral v2 workbook: `version: '2.0'`, `name`, and its `workflows` and `actions`",
  schema: {
    type: 'string',
    example: "version: '2.0'\nname: ops\nworkflows:\n  hello:\n    tasks:\n      say:\n        action: std.echo output=hi\n",
  },
};

/** OpenAPI of the requests that store a workbook: YAML text, with `scope` and `namespace` in the query. */
function WorkbookWrite() {
  return applyDecorators(
    ApiQuery({ name: 'namespace', required: false }),
    ApiQuery({ name: 'scope', required: false, enum: ['private', 'public'] }),
    ApiBody(YAML_BODY),
    ApiConsumes('text/plain'),
  );
}

function writeOptions(scope: string | undefined, namespace: string | undefined): WorkbookWriteOptions {
  if (scope !== undefined && scope !== 'private' && scope !== 'public') {
    throw ApiError.badRequest(`scope must be 'private' or 'public' (got '${scope}')`);
  }
  return { scope: scope ?? 'private', namespace: namespace ?? '' };
}

/** The YAML text of an upload (read as text whatever its Content-Type); no body reads as empty. */
function definitionText(body: unknown): string {
  return typeof body === 'string' ? body : '';
}

/** `fields` of GET /v2/workbooks/{name}: the resource's own fields only, `id` always. */
function requestedFields(fields: string | undefined): string[] | undefined {
  if (!fields) return undefined;
  const names = fields.split(',').map((field) => field.trim()).filter((field) => field !== '');
  const unknown = names.filter((field) => !WORKBOOK_LIST_SPEC.columns[field]);
  if (unknown.length > 0) throw ApiError.badRequest(`Unknown field(s) requested: ${unknown.join(', ')}`);
  return names.includes('id') ? names : ['id', ...names];
}

@ApiTags('workbooks')
@Controller('v2/workbooks')
export class WorkbooksController {
  constructor(
    private readonly workbooks: WorkbooksService,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a workbook: its workflows become `<workbook>.<name>`' })
  @WorkbookWrite()
  @ApiResponse({ status: 201, description: 'The workbook' })
  @ApiResponse({ status: 400, description: 'Invalid DSL: every error with line, column and path' })
  @ApiResponse({ status: 409, description: 'A workbook (or one of its workflows) of that name exists' })
  async create(
    @Body() body: unknown,
    @Query('scope') scope: string | undefined,
    @Query('namespace') namespace: string | undefined,
    @CallerContext() context: RequestContext,
  ) {
    return toWorkbookResource(await this.workbooks.create(definitionText(body), writeOptions(scope, namespace), context), 'created');
  }

  @Put()
  @ApiOperation({ summary: "Replace a workbook (named in the text); its workflows become the new text's" })
  @WorkbookWrite()
  async update(
    @Body() body: unknown,
    @Query('scope') scope: string | undefined,
    @Query('namespace') namespace: string | undefined,
    @CallerContext() context: RequestContext,
  ) {
    return toWorkbookResource(await this.workbooks.update(definitionText(body), writeOptions(scope, namespace), context), 'updated');
  }

  @Post('validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check a workbook without storing it: {"valid": true} or {"valid": false, "error": ...}' })
  @ApiConsumes('text/plain')
  @ApiBody(YAML_BODY)
  validate(@Body() body: unknown, @CallerContext() context: RequestContext) {
    return this.workbooks.validate(definitionText(body), context.projectId);
  }

  @Get()
  @ApiOperation({ summary: 'List workbooks (marker, limit, sort_keys, sort_dirs, fields, filters such as name=in:a,b)' })
  async list(@Query() query: Record<string, string>, @Req() request: Request, @CallerContext() context: RequestContext) {
    const listRequest = parseListRequest(query, WORKBOOK_LIST_SPEC);
    const page = await this.workbooks.list(listRequest, context, allProjectsAsked(query));
    const next = nextLink(baseUrl(this.config, request), '/v2/workbooks', listRequest, page);
    return listAnswer('workbooks', page.map((workbook) => toWorkbookResource(workbook, 'read')), listRequest, next);
  }

  @Get(':name')
  @ApiOperation({ summary: 'One workbook, by name' })
  @ApiQuery({ name: 'namespace', required: false })
  @ApiQuery({ name: 'fields', required: false })
  async get(
    @Param('name') name: string,
    @Query('namespace') namespace: string | undefined,
    @Query('fields') fields: string | undefined,
    @CallerContext() context: RequestContext,
  ) {
    const selected = requestedFields(fields);
    return pickFields(toWorkbookResource(await this.workbooks.get(name, namespace ?? '', context), 'read'), selected);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a workbook and its workflows; 400 while cron triggers use one of them' })
  @ApiQuery({ name: 'namespace', required: false })
  async delete(
    @Param('name') name: string,
    @Query('namespace') namespace: string | undefined,
    @CallerContext() context: RequestContext,
  ): Promise<void> {
    await this.workbooks.delete(name, namespace ?? '', context);
  }
}
