import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ApiError } from '../common/api-error';
import { MaintenanceStateRepository, type MaintenanceStatus } from './maintenance-state.repository';

/** What a refused request is told while maintenance mode is on (or being turned on). */
export function maintenanceRefusal(status: MaintenanceStatus): string {
  return (
    `Sirocco is in maintenance mode (status: ${status}): new executions are refused until an administrator ` +
    `deactivates it (PUT /v2/maintenance {"status": "deactivated"}); running executions go on and reads work`
  );
}

/**
 * Where new work asks whether it may start. Every instance reads the shared row, so a change made
 * through any instance holds for all of them at once.
 */
@Injectable()
export class MaintenanceGate {
  constructor(private readonly state: MaintenanceStateRepository) {}

  /** The current status (one primary-key read). */
  async status(): Promise<MaintenanceStatus> {
    return (await this.state.read()).status;
  }

  /** Throws 503 unless new executions may start; inside the transaction that would start one. */
  async admitNewExecution(manager: EntityManager): Promise<void> {
    const status = await this.state.readShared(manager);
    if (status !== 'deactivated') throw ApiError.serviceUnavailable(maintenanceRefusal(status));
  }

  /** The same check outside a transaction (actions run on their own). */
  async admitNewWork(): Promise<void> {
    const status = await this.status();
    if (status !== 'deactivated') throw ApiError.serviceUnavailable(maintenanceRefusal(status));
  }
}
