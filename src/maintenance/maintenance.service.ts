import { Inject, Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { ApiError } from '../common/api-error';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { DatabaseHealth } from '../database/database-health';
import { ExecutionsService } from '../engine/executions.service';
import type { RequestContext } from '../identity/request-context';
import { MaintenanceStateRepository, type MaintenanceState, type MaintenanceStatus } from '../service-state/maintenance-state.repository';

export interface MaintenanceView {
  state: MaintenanceState;
  /** top-level executions still running (activating waits for them; once activated they go on) */
  running: string[];
}

const RUNNING_LISTED = 100;

/**
 * Maintenance mode, as Cloudify managers have it: `activating` refuses new executions at once and
 * waits for the running ones to end (or the timeout), then reports `activated`; while it is on no
 * trigger fires and reads work. Any instance may finish the activation: the state is one shared row.
 */
@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger(MaintenanceService.name);

  constructor(
    private readonly state: MaintenanceStateRepository,
    private readonly executions: ExecutionsService,
    private readonly health: DatabaseHealth,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  async view(): Promise<MaintenanceView> {
    const state = await this.state.read();
    const running = state.status === 'deactivated' ? [] : await this.executions.runningExecutionIds(RUNNING_LISTED);
    return { state, running };
  }

  async change(status: MaintenanceStatus, context: RequestContext): Promise<MaintenanceView> {
    if (!context.isAdmin) throw ApiError.forbidden('Only an administrator may change maintenance mode');
    const current = await this.state.read();
    if (current.status !== status) {
      const now = new Date();
      const by = context.userId ?? context.projectId;
      if (status === 'deactivated') {
        await this.state.write({ status, requestedAt: null, requestedBy: null, activatedAt: null, deadline: null });
      } else if (status === 'activated') {
        await this.state.write({ status, requestedAt: current.requestedAt ?? now, requestedBy: current.requestedBy ?? by, activatedAt: now, deadline: null });
      } else if (current.status === 'deactivated') {
        const deadline = new Date(now.getTime() + this.config.maintenance.activationTimeoutSeconds * 1000);
        await this.state.write({ status, requestedAt: now, requestedBy: by, activatedAt: null, deadline });
      } else {
        throw ApiError.badRequest("Maintenance mode is already activated; deactivate it first to ask for 'activating' again");
      }
      this.logger.log(`maintenance mode: ${current.status} -> ${status} (by ${by})`);
      if (status === 'activating') await this.finishActivatingWhenIdle();
    }
    return this.view();
  }

  /** activating -> activated once no top-level execution runs, or at the deadline. */
  @Interval('maintenance-activation', 1000)
  async finishActivatingWhenIdle(): Promise<void> {
    if (!this.health.isAvailable) return;
    try {
      const state = await this.state.read();
      if (state.status !== 'activating') return;
      const running = await this.executions.runningExecutionIds(1);
      const late = state.deadline !== null && state.deadline.getTime() <= Date.now();
      if ((running.length === 0 || late) && (await this.state.finishActivating())) {
        this.logger.log(
          running.length === 0 ? 'maintenance mode activated: no execution runs' : 'maintenance mode activated at its timeout; running executions go on to their end',
        );
      }
    } catch (error) {
      if (!this.health.reportFailure(error)) this.logger.error(`maintenance activation check failed: ${String(error)}`);
    }
  }
}
