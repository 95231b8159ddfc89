import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';

/** GET /healthz (liveness) and GET /readyz (database reachable and migrated). */
@Module({ controllers: [HealthController] })
export class HealthModule {}
