import { Body, Controller, Get, Inject, Param, Put, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { baseUrl } from '../../common/base-url';
import { nextLink, parseListRequest, pickFields } from '../../common/list-query';
import { SIROCCO_CONFIG } from '../../config/config.module';
import type { SiroccoConfig } from '../../config/sirocco-config';
import { CallerContext, type RequestContext } from '../../identity/request-context';
import { EXECUTION_COMMANDS, type ExecutionCommands } from '../execution-commands';
import { toActionExecutionResource } from './action-execution.mapper';
import { ExecutionQueriesService } from './execution-queries.service';
import { toExecutionResource } from './execution.mapper';
import { ACTION_EXECUTION_LIST_SPEC, EXECUTION_LIST_SPEC, TASK_LIST_SPEC } from './execution-read.repository';
import { ExecutionReportService } from './execution-report.service';
import { parseTaskUpdate } from './execution-request.parser';
import { listScope, wantsOutput } from './list-options.util';
import { queryFlag, queryInteger } from './request-body.parser';
import { toTaskResource } from './task-execution.mapper';

@ApiTags('tasks')
@Controller('v2/tasks')
export class TasksController {
  constructor(
    @Inject(EXECUTION_COMMANDS) private readonly commands: ExecutionCommands,
    private readonly queries: ExecutionQueriesService,
    private readonly reports: ExecutionReportService,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List task executions (marker, limit, sort_keys, sort_dirs, fields, filters such as workflow_execution_id, name, state, workflow_name)',
  })
  async list(@Query() query: Record<string, string>, @Req() request: Request, @CallerContext() context: RequestContext) {
    const listRequest = parseListRequest(query, TASK_LIST_SPEC);
    const page = await this.queries.listTasks(listRequest, listScope(query, context));
    const next = nextLink(baseUrl(this.config, request), '/v2/tasks', listRequest, page);
    const maskerOf = await this.queries.maskersOf(page.map((task) => task.workflowExecutionId));
    return {
      tasks: page.map((task) => pickFields(toTaskResource(task, maskerOf(task.workflowExecutionId)), listRequest.fields)),
      ...(next ? { next } : {}),
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One task execution; `result` is JSON text' })
  @ApiResponse({ status: 404, description: 'TaskExecution not found [id=...]' })
  async get(@Param('id') id: string, @CallerContext() context: RequestContext) {
    const task = await this.queries.getTask(id, context);
    return toTaskResource(task, (await this.queries.maskersOf([task.workflowExecutionId]))(task.workflowExecutionId));
  }

  @Put(':id')
  @ApiOperation({ summary: 'Re-run a failed task ({"state": "RUNNING", "reset": true}) or skip it ({"state": "SKIPPED"})' })
  @ApiBody({
    schema: {
      type: 'object',
      properties: { state: { type: 'string', enum: ['RUNNING', 'SKIPPED'] }, reset: { type: 'boolean' } },
      example: { state: 'RUNNING', reset: true },
    },
  })
  async update(@Param('id') id: string, @Body() body: unknown, @CallerContext() context: RequestContext) {
    const update = parseTaskUpdate(body);
    const task =
      update.kind === 'rerun' ? await this.commands.rerunTask(id, update.reset, context, update.env) : await this.commands.skipTask(id, context);
    return toTaskResource(task, (await this.queries.maskersOf([task.workflowExecutionId]))(task.workflowExecutionId));
  }

  @Get(':id/action_executions')
  @ApiOperation({ summary: "The task's action executions (same parameters as GET /v2/action_executions)" })
  async actionExecutions(
    @Param('id') id: string,
    @Query() query: Record<string, string>,
    @Req() request: Request,
    @CallerContext() context: RequestContext,
  ) {
    const listRequest = parseListRequest(query, ACTION_EXECUTION_LIST_SPEC);
    listRequest.filters.push({ field: 'task_execution_id', operator: 'eq', values: [id] });
    const page = await this.queries.listActionExecutions(listRequest, listScope(query, context));
    const withOutput = wantsOutput(query, listRequest);
    const next = nextLink(baseUrl(this.config, request), `/v2/tasks/${id}/action_executions`, listRequest, page);
    const maskerOf = await this.queries.maskersOf(page.map((action) => action.workflowExecutionId));
    return {
      action_executions: page.map((action) =>
        pickFields(
          toActionExecutionResource(action, withOutput, this.queries.parameterOrder(action.name), maskerOf(action.workflowExecutionId)),
          listRequest.fields,
        ),
      ),
      ...(next ? { next } : {}),
    };
  }

  @Get(':id/executions')
  @ApiOperation({ summary: "The task's sub-workflow executions and theirs, recursively (errors_only, max_depth), as Mistral's" })
  @ApiQuery({ name: 'errors_only', required: false, type: Boolean })
  @ApiQuery({ name: 'max_depth', required: false, type: Number })
  async subExecutions(@Param('id') id: string, @Query() query: Record<string, unknown>, @CallerContext() context: RequestContext) {
    const executions = await this.reports.subExecutionsOfTask(
      id,
      { errorsOnly: queryFlag(query, 'errors_only'), maxDepth: queryInteger(query, 'max_depth', -1) },
      context,
    );
    const maskerOf = await this.queries.maskersOf(executions.map((execution) => execution.id));
    return { executions: executions.map((execution) => toExecutionResource(execution, 'list-with-output', maskerOf(execution.id))) };
  }

  @Get(':id/workflow_executions')
  @ApiOperation({ summary: "The task's own sub-workflow executions, listed (same parameters as GET /v2/executions)" })
  async workflowExecutions(
    @Param('id') id: string,
    @Query() query: Record<string, string>,
    @Req() request: Request,
    @CallerContext() context: RequestContext,
  ) {
    await this.queries.getTask(id, context);
    const listRequest = parseListRequest(query, EXECUTION_LIST_SPEC);
    listRequest.filters.push({ field: 'task_execution_id', operator: 'eq', values: [id] });
    const shape = wantsOutput(query, listRequest) ? 'list-with-output' : 'list';
    const page = await this.queries.listExecutions(listRequest, listScope(query, context), shape === 'list-with-output');
    const next = nextLink(baseUrl(this.config, request), `/v2/tasks/${id}/workflow_executions`, listRequest, page);
    const maskerOf = await this.queries.maskersOf(page.map((execution) => execution.id));
    return {
      executions: page.map((execution) => pickFields(toExecutionResource(execution, shape, maskerOf(execution.id)), listRequest.fields)),
      ...(next ? { next } : {}),
    };
  }
}
