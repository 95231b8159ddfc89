import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error';
import { formatMistralTime } from '../common/mistral-time';
import { jsonBody, onlyKeys } from '../engine/api/request-body.parser';
import { CallerContext, type RequestContext } from '../identity/request-context';
import type { MaintenanceStatus } from '../service-state/maintenance-state.repository';
import { MaintenanceService, type MaintenanceView } from './maintenance.service';

const STATUSES: readonly MaintenanceStatus[] = ['activating', 'activated', 'deactivated'];

function toResource({ state, running }: MaintenanceView) {
  return {
    status: state.status,
    activation_requested_at: formatMistralTime(state.requestedAt),
    activated_at: formatMistralTime(state.activatedAt),
    activation_deadline: formatMistralTime(state.deadline),
    requested_by: state.requestedBy,
    remaining_executions: running,
  };
}

function parseStatus(body: unknown): MaintenanceStatus {
  const fields = jsonBody(body);
  onlyKeys(fields, ['status'], (allowed) => `Unknown field in the maintenance request; allowed: ${allowed}`);
  const status = fields.status;
  if (typeof status !== 'string' || !STATUSES.includes(status as MaintenanceStatus)) {
    throw ApiError.badRequest(`status must be one of ${STATUSES.join(', ')} (got ${JSON.stringify(status ?? null)})`);
  }
  return status as MaintenanceStatus;
}

@ApiTags('maintenance')
@Controller('v2/maintenance')
export class MaintenanceController {
  constructor(private readonly maintenance: MaintenanceService) {}

  @Get()
  @ApiOperation({ summary: 'Maintenance mode: status, when asked and by whom, the executions still running' })
  async get() {
    return toResource(await this.maintenance.view());
  }

  @Put()
  @ApiOperation({ summary: 'Turn maintenance mode on (activating: waits for running executions; activated: at once) or off (admin)' })
  @ApiBody({ schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: [...STATUSES] } } } })
  @ApiResponse({ status: 403, description: 'not an administrator (keystone mode)' })
  async put(@Body() body: unknown, @CallerContext() context: RequestContext) {
    return toResource(await this.maintenance.change(parseStatus(body), context));
  }
}
