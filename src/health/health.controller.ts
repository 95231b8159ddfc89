import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { mistralErrorBody } from '../common/mistral-error.filter';
import { DatabaseHealth } from '../database/database-health';

/** Probes for load balancers and Kubernetes; outside /v2, no token needed. */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly database: DatabaseHealth) {}

  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: 200 while the process serves' })
  liveness() {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: 200 when the database answers and is migrated, else 503 with the reason' })
  async readiness(@Res() response: Response): Promise<void> {
    const { ready, reason } = await this.database.readiness();
    if (ready) {
      response.status(HttpStatus.OK).json({ status: 'ok' });
      return;
    }
    response.setHeader('Retry-After', '5');
    response.status(HttpStatus.SERVICE_UNAVAILABLE).json({ status: 'unavailable', ...mistralErrorBody(HttpStatus.SERVICE_UNAVAILABLE, reason ?? 'not ready') });
  }
}
