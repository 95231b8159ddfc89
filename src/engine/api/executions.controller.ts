import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { baseUrl } from '../../common/base-url';
import { KEY_MASKER } from '../../common/secret-mask';
import { nextLink, parseListRequest, pickFields } from '../../common/list-query';
import { SIROCCO_CONFIG } from '../../config/config.module';
import type { SiroccoConfig } from '../../config/sirocco-config';
import { CallerContext, type RequestContext } from '../../identity/request-context';
import { EXECUTION_COMMANDS, type ExecutionCommands } from '../execution-commands';
import { toExecutionResource } from './execution.mapper';
import { ExecutionQueriesService } from './execution-queries.service';
import { EXECUTION_LIST_SPEC, TASK_LIST_SPEC } from './execution-read.repository';
import { ExecutionReportService } from './execution-report.service';
import { parseCreateExecution, parseUpdateExecution } from './execution-request.parser';
import { listScope, wantsOutput } from './list-options.util';
import { queryFlag, queryInteger } from './request-body.parser';
import { toTaskResource } from './task-execution.mapper';

/** The fields of an execution that may show a secret of its (or its root's) input or params. */
const MASKED_FIELDS = ['description', 'state_info', 'params', 'input', 'output'];

const CREATE_BODY = {
  description: '`input` and `params` may be objects or JSON text (as the mistral CLI sends them)',
  schema: {
    type: 'object',
    properties: {
      workflow_name: { type: 'string' },
      workflow_id: { type: 'string', format: 'uuid' },
      workflow_namespace: { type: 'string' },
      source_execution_id: { type: 'string', format: 'uuid' },
      id: { type: 'string', format: 'uuid', description: 'client-chosen id; creating twice returns the first execution' },
      input: { oneOf: [{ type: 'object' }, { type: 'string' }] },
      params: { oneOf: [{ type: 'object' }, { type: 'string' }], description: '{"env": {...} or an environment name}' },
      description: { type: 'string' },
    },
    example: { workflow_name: 'sirocco_hello', input: '{"name": "world"}' },
  },
};

const UPDATE_BODY = {
  schema: {
    type: 'object',
    properties: {
      state: { type: 'string', enum: ['PAUSED', 'RUNNING', 'CANCELLED', 'SUCCESS', 'ERROR'] },
      state_info: { type: 'string' },
      description: { type: 'string' },
    },
  },
};

@ApiTags('executions')
@Controller('v2/executions')
export class ExecutionsController {
  constructor(
    @Inject(EXECUTION_COMMANDS) private readonly commands: ExecutionCommands,
    private readonly queries: ExecutionQueriesService,
    private readonly reports: ExecutionReportService,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Start a workflow execution' })
  @ApiBody(CREATE_BODY)
  @ApiResponse({ status: 201, description: 'The execution, RUNNING' })
  @ApiResponse({ status: 400, description: 'Malformed body or invalid input' })
  @ApiResponse({ status: 404, description: 'No such workflow' })
  async create(@Body() body: unknown, @CallerContext() context: RequestContext) {
    const request = await this.queries.resolveCreate(parseCreateExecution(body), context);
    return toExecutionResource(await this.commands.createExecution(request, context), 'written');
  }

  @Get()
  @ApiOperation({
    summary:
      'List executions (marker, limit, sort_keys, sort_dirs, fields, include_output, filters such as workflow_name, state=in:ERROR,CANCELLED, created_at=gte:...)',
  })
  async list(@Query() query: Record<string, string>, @Req() request: Request, @CallerContext() context: RequestContext) {
    const listRequest = parseListRequest(query, EXECUTION_LIST_SPEC);
    const shape = wantsOutput(query, listRequest) ? 'list-with-output' : 'list';
    const page = await this.queries.listExecutions(listRequest, listScope(query, context), shape === 'list-with-output');
    const next = nextLink(baseUrl(this.config, request), '/v2/executions', listRequest, page);
    // a sub-workflow's output may show its root's secrets too; fields without any (e.g. id,state) need no masker
    const masked = !listRequest.fields || listRequest.fields.some((field) => MASKED_FIELDS.includes(field));
    const maskerOf = masked ? await this.queries.maskersOf(page.map((execution) => execution.id)) : () => KEY_MASKER;
    return {
      executions: page.map((execution) => pickFields(toExecutionResource(execution, shape, maskerOf(execution.id)), listRequest.fields)),
      ...(next ? { next } : {}),
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One execution' })
  @ApiResponse({ status: 404, description: 'WorkflowExecution not found [id=...]' })
  async get(@Param('id') id: string, @CallerContext() context: RequestContext) {
    const execution = await this.queries.getExecution(id, context);
    return toExecutionResource(execution, 'read', (await this.queries.maskersOf([execution.id]))(execution.id));
  }

  @Put(':id')
  @ApiOperation({ summary: 'Pause (PAUSED), resume (RUNNING), cancel (CANCELLED) or end (SUCCESS, ERROR) an execution; or change its description' })
  @ApiBody(UPDATE_BODY)
  async update(@Param('id') id: string, @Body() body: unknown, @CallerContext() context: RequestContext) {
    return toExecutionResource(await this.commands.updateExecution(id, parseUpdateExecution(body), context), 'written');
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an execution with its tasks; a running one only with force=true' })
  @ApiQuery({ name: 'force', required: false, type: Boolean })
  async delete(@Param('id') id: string, @Query() query: Record<string, unknown>, @CallerContext() context: RequestContext): Promise<void> {
    await this.commands.deleteExecution(id, queryFlag(query, 'force'), context);
  }

  @Get(':id/tasks')
  @ApiOperation({ summary: "The execution's tasks (same parameters as GET /v2/tasks)" })
  async tasks(
    @Param('id') id: string,
    @Query() query: Record<string, string>,
    @Req() request: Request,
    @CallerContext() context: RequestContext,
  ) {
    const listRequest = parseListRequest(query, TASK_LIST_SPEC);
    listRequest.filters.push({ field: 'workflow_execution_id', operator: 'eq', values: [id] });
    const page = await this.queries.listTasks(listRequest, listScope(query, context));
    const next = nextLink(baseUrl(this.config, request), `/v2/executions/${id}/tasks`, listRequest, page);
    const maskerOf = await this.queries.maskersOf(page.map((task) => task.workflowExecutionId));
    return {
      tasks: page.map((task) => pickFields(toTaskResource(task, maskerOf(task.workflowExecutionId)), listRequest.fields)),
      ...(next ? { next } : {}),
    };
  }

  @Get(':id/executions')
  @ApiOperation({ summary: 'The execution and its sub-workflow executions, recursively (errors_only, max_depth)' })
  @ApiQuery({ name: 'errors_only', required: false, type: Boolean })
  @ApiQuery({ name: 'max_depth', required: false, type: Number })
  async subExecutions(@Param('id') id: string, @Query() query: Record<string, unknown>, @CallerContext() context: RequestContext) {
    const executions = await this.reports.subExecutions(
      id,
      { errorsOnly: queryFlag(query, 'errors_only'), maxDepth: queryInteger(query, 'max_depth', -1) },
      context,
    );
    const maskerOf = await this.queries.maskersOf(executions.map((execution) => execution.id));
    return { executions: executions.map((execution) => toExecutionResource(execution, 'list-with-output', maskerOf(execution.id))) };
  }

  @Get(':id/report')
  @ApiOperation({ summary: "Mistral's execution report: the tree of tasks, actions and sub-workflows, with statistics" })
  @ApiQuery({ name: 'errors_only', required: false, type: Boolean })
  @ApiQuery({ name: 'max_depth', required: false, type: Number })
  @ApiQuery({ name: 'statistics_only', required: false, type: Boolean })
  async report(@Param('id') id: string, @Query() query: Record<string, unknown>, @CallerContext() context: RequestContext) {
    return this.reports.report(
      id,
      {
        errorsOnly: queryFlag(query, 'errors_only'),
        maxDepth: queryInteger(query, 'max_depth', -1),
        statisticsOnly: queryFlag(query, 'statistics_only'),
      },
      context,
    );
  }
}
