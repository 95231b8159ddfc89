import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { baseUrl } from '../../common/base-url';
import { nextLink, parseListRequest, pickFields } from '../../common/list-query';
import { SIROCCO_CONFIG } from '../../config/config.module';
import type { SiroccoConfig } from '../../config/sirocco-config';
import { CallerContext, type RequestContext } from '../../identity/request-context';
import { EXECUTION_COMMANDS, type ExecutionCommands } from '../execution-commands';
import { toActionExecutionResource } from './action-execution.mapper';
import { ExecutionQueriesService } from './execution-queries.service';
import { ACTION_EXECUTION_LIST_SPEC } from './execution-read.repository';
import { parseActionResult, parseRunAction } from './execution-request.parser';
import { listScope, wantsOutput } from './list-options.util';

@ApiTags('action executions')
@Controller('v2/action_executions')
export class ActionExecutionsController {
  constructor(
    @Inject(EXECUTION_COMMANDS) private readonly commands: ExecutionCommands,
    private readonly queries: ExecutionQueriesService,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Run one action outside any workflow and wait for its result' })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        input: { oneOf: [{ type: 'object' }, { type: 'string' }] },
        description: { type: 'string' },
      },
      example: { name: 'std.echo', input: '{"output": "hi"}' },
    },
  })
  @ApiResponse({ status: 201, description: 'The action execution, with `output` as JSON text ({"result": ...})' })
  async run(@Body() body: unknown, @CallerContext() context: RequestContext) {
    const { name, input, description } = parseRunAction(body);
    const action = await this.commands.runAction(name, input, description, context);
    return toActionExecutionResource(action, true, this.queries.parameterOrder(action.name));
  }

  @Get()
  @ApiOperation({
    summary: 'List action executions (marker, limit, sort_keys, sort_dirs, fields, include_output, filters such as task_execution_id, state, name)',
  })
  async list(@Query() query: Record<string, string>, @Req() request: Request, @CallerContext() context: RequestContext) {
    const listRequest = parseListRequest(query, ACTION_EXECUTION_LIST_SPEC);
    const page = await this.queries.listActionExecutions(listRequest, listScope(query, context));
    const withOutput = wantsOutput(query, listRequest);
    const next = nextLink(baseUrl(this.config, request), '/v2/action_executions', listRequest, page);
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

  @Get(':id')
  @ApiOperation({ summary: 'One action execution, with its output' })
  @ApiResponse({ status: 404, description: 'ActionExecution not found [id=...]' })
  async get(@Param('id') id: string, @CallerContext() context: RequestContext) {
    const action = await this.queries.getActionExecution(id, context);
    const masker = (await this.queries.maskersOf([action.workflowExecutionId]))(action.workflowExecutionId);
    return toActionExecutionResource(action, true, this.queries.parameterOrder(action.name), masker);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Give a RUNNING (asynchronous) action its result: {"state": "SUCCESS" | "ERROR", "output": ...}' })
  @ApiResponse({ status: 400, description: 'not RUNNING, or a state other than SUCCESS and ERROR' })
  async complete(@Param('id') id: string, @Body() body: unknown, @CallerContext() context: RequestContext) {
    const action = await this.commands.completeAction(id, parseActionResult(body), context);
    const masker = (await this.queries.maskersOf([action.workflowExecutionId]))(action.workflowExecutionId);
    return toActionExecutionResource(action, true, this.queries.parameterOrder(action.name), masker);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an ended action execution (only with SIROCCO_ALLOW_ACTION_EXECUTION_DELETION=true, as Mistral)' })
  @ApiResponse({ status: 403, description: 'Action execution deletion is not allowed.' })
  async remove(@Param('id') id: string, @CallerContext() context: RequestContext): Promise<void> {
    await this.commands.deleteAction(id, context);
  }
}
