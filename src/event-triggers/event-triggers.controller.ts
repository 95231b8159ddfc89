import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { baseUrl } from '../common/base-url';
import { nextLink, parseListRequest, pickFields, projectFilterAsked } from '../common/list-query';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { queryFlag } from '../engine/api/request-body.parser';
import { CallerContext, type RequestContext } from '../identity/request-context';
import { parseCreateEventTriggerRequest, parseUpdateEventTriggerRequest } from './event-trigger-request.parser';
import { EVENT_TRIGGER_LIST_SPEC, toEventTriggerResource } from './event-trigger.mapper';
import { EventTriggersService } from './event-triggers.service';

@ApiTags('event triggers')
@Controller('v2/event_triggers')
export class EventTriggersController {
  constructor(
    private readonly triggers: EventTriggersService,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  @Post()
  @ApiOperation({
    summary:
      'Create an event trigger: exchange, topic, event (an OpenStack notification event_type), workflow_id; name, ' +
      'workflow_input, workflow_params, scope. The workflow sees the notification in $.__event and $execution().params.event_params',
  })
  @ApiResponse({ status: 201, description: 'The trigger' })
  @ApiResponse({ status: 400, description: 'A field missing or wrong, or an input the workflow does not take' })
  @ApiResponse({ status: 409, description: 'The project has a trigger on that exchange, topic and event for that workflow' })
  async create(@Body() body: unknown, @CallerContext() context: RequestContext) {
    return toEventTriggerResource(await this.triggers.create(parseCreateEventTriggerRequest(body), context));
  }

  @Get()
  @ApiOperation({ summary: 'List event triggers (marker, limit, sort_keys, sort_dirs, fields, filters, all_projects)' })
  async list(@Query() query: Record<string, string>, @Req() request: Request, @CallerContext() context: RequestContext) {
    const listRequest = parseListRequest(query, EVENT_TRIGGER_LIST_SPEC);
    const page = await this.triggers.list(listRequest, context, queryFlag(query, 'all_projects') || projectFilterAsked(query));
    const next = nextLink(baseUrl(this.config, request), '/v2/event_triggers', listRequest, page);
    return {
      event_triggers: page.map((trigger) => pickFields(toEventTriggerResource(trigger), listRequest.fields)),
      ...(next ? { next } : {}),
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One event trigger, by id' })
  async get(@Param('id') id: string, @CallerContext() context: RequestContext) {
    return toEventTriggerResource(await this.triggers.get(id, context));
  }

  @Put(':id')
  @ApiOperation({ summary: 'Change name (also scope, workflow_input, workflow_params); exchange, topic and event cannot change' })
  async update(@Param('id') id: string, @Body() body: unknown, @CallerContext() context: RequestContext) {
    return toEventTriggerResource(await this.triggers.update(id, parseUpdateEventTriggerRequest(body), context));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an event trigger; its trust is deleted once its last running execution ends' })
  async delete(@Param('id') id: string, @CallerContext() context: RequestContext): Promise<void> {
    await this.triggers.delete(id, context);
  }
}
