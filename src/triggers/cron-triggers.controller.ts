import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { baseUrl } from '../common/base-url';
import { nextLink, parseListRequest, pickFields, projectFilterAsked } from '../common/list-query';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { queryFlag, queryInteger } from '../engine/api/request-body.parser';
import { CallerContext, type RequestContext } from '../identity/request-context';
import { parseCreateTriggerRequest, parseUpdateTriggerRequest } from './cron-trigger-request.parser';
import { toCronTriggerResource, toFiredResource, toFiringResource, toSlotResource } from './cron-trigger.mapper';
import { triggerMasker } from './trigger-masker';
import { CRON_TRIGGER_LIST_SPEC } from './cron-trigger.columns';
import { CronTriggersService } from './cron-triggers.service';
import { previewSchedule } from './schedule-preview';

@ApiTags('cron triggers')
@Controller('v2/cron_triggers')
export class CronTriggersController {
  constructor(
    private readonly triggers: CronTriggersService,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  @Post()
  @ApiOperation({
    summary:
      'Create a cron trigger: name, workflow_name or workflow_id, workflow_input, workflow_params, pattern, first_execution_time ' +
      '("YYYY-MM-DD HH:MM" UTC), remaining_executions, scope; Sirocco adds timezone (IANA), enabled, misfire_policy ' +
      '(run_once | skip | catch_up), catch_up_window (s), overlap_policy (allow | skip), jitter (s)',
  })
  @ApiResponse({ status: 201, description: 'The trigger' })
  @ApiResponse({ status: 400, description: 'Bad pattern, zone, first time, count or input' })
  @ApiResponse({ status: 409, description: 'A trigger of that name exists in the project' })
  async create(@Body() body: unknown, @CallerContext() context: RequestContext) {
    return toCronTriggerResource(await this.triggers.create(parseCreateTriggerRequest(body), context));
  }

  @Post('preview')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'The next fire times of a pattern and time zone before any trigger has them (body: pattern, timezone, first_execution_time, count 1-100); ' +
      '400 naming what is wrong, as creating the trigger would',
  })
  preview(@Body() body: unknown) {
    return previewSchedule(body);
  }

  @Get()
  @ApiOperation({ summary: 'List cron triggers (marker, limit, sort_keys, sort_dirs, fields, filters)' })
  async list(@Query() query: Record<string, string>, @Req() request: Request, @CallerContext() context: RequestContext) {
    const listRequest = parseListRequest(query, CRON_TRIGGER_LIST_SPEC);
    const page = await this.triggers.list(listRequest, context, queryFlag(query, 'all_projects') || projectFilterAsked(query));
    const next = nextLink(baseUrl(this.config, request), '/v2/cron_triggers', listRequest, page);
    return {
      cron_triggers: page.map((trigger) => pickFields(toCronTriggerResource(trigger), listRequest.fields)),
      ...(next ? { next } : {}),
    };
  }

  @Get(':identifier')
  @ApiOperation({ summary: 'One cron trigger, by name or id' })
  async get(@Param('identifier') identifier: string, @CallerContext() context: RequestContext) {
    return toCronTriggerResource(await this.triggers.get(identifier, context));
  }

  @Put(':identifier')
  @ApiOperation({ summary: 'Change pattern, timezone, workflow_input, workflow_params, enabled, policies or remaining_executions in place (the trust is kept)' })
  async update(@Param('identifier') identifier: string, @Body() body: unknown, @CallerContext() context: RequestContext) {
    return toCronTriggerResource(await this.triggers.update(identifier, parseUpdateTriggerRequest(body), context));
  }

  @Patch(':identifier')
  @ApiOperation({ summary: 'Same as PUT: only the fields given change' })
  async patch(@Param('identifier') identifier: string, @Body() body: unknown, @CallerContext() context: RequestContext) {
    return this.update(identifier, body, context);
  }

  @Delete(':identifier')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a cron trigger; its trust is deleted once its last running execution ends' })
  async delete(@Param('identifier') identifier: string, @CallerContext() context: RequestContext): Promise<void> {
    await this.triggers.delete(identifier, context);
  }

  @Post(':identifier/fire')
  @HttpCode(201)
  @ApiOperation({ summary: 'Run the workflow now, as the trigger would (recorded in the history; the schedule is unchanged)' })
  async fire(@Param('identifier') identifier: string, @CallerContext() context: RequestContext) {
    return toFiredResource(await this.triggers.fire(identifier, context));
  }

  @Get(':identifier/next')
  @ApiOperation({ summary: 'The next N fire times, in UTC and in the trigger\'s time zone' })
  @ApiQuery({ name: 'count', required: false, description: '1 to 1000, default 5' })
  async next(@Param('identifier') identifier: string, @Query() query: Record<string, string>, @CallerContext() context: RequestContext) {
    const count = queryInteger(query, 'count', 5);
    if (count < 1 || count > 1000) throw ApiError.badRequest(`count must be from 1 to 1000 (got ${count})`);
    const { trigger, slots } = await this.triggers.upcoming(identifier, count, context);
    return { name: trigger.name, timezone: trigger.timezone, next: slots.map((slot) => toSlotResource(trigger, slot)) };
  }

  @Get(':identifier/firings')
  @ApiOperation({ summary: 'Firing history, newest first: scheduled_for, fired_at, execution_id, outcome (started | failed | skipped), error' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 1000, default 100' })
  @ApiQuery({ name: 'marker', required: false, description: 'a firing id: the page starts after it (see `next`)' })
  async firings(
    @Param('identifier') identifier: string,
    @Query() query: Record<string, string>,
    @Req() request: Request,
    @CallerContext() context: RequestContext,
  ) {
    const limit = queryInteger(query, 'limit', 100);
    if (limit < 1 || limit > 1000) throw ApiError.badRequest(`limit must be from 1 to 1000 (got ${limit})`);
    const marker = typeof query.marker === 'string' && query.marker !== '' ? query.marker : undefined;
    const { trigger, firings } = await this.triggers.history(identifier, limit, context, marker);
    const masker = triggerMasker(trigger);
    const path = `/v2/cron_triggers/${encodeURIComponent(identifier)}/firings`;
    const next =
      firings.length === limit ? `${baseUrl(this.config, request)}${path}?limit=${limit}&marker=${firings[firings.length - 1].id}` : undefined;
    return { name: trigger.name, firings: firings.map((firing) => toFiringResource(firing, masker)), ...(next ? { next } : {}) };
  }

  @Post(':identifier/check')
  @HttpCode(200)
  @ApiOperation({ summary: "Check the trigger's Keystone trust now; trust_status shows the result" })
  async check(@Param('identifier') identifier: string, @CallerContext() context: RequestContext) {
    return toCronTriggerResource(await this.triggers.checkTrust(identifier, context));
  }
}
