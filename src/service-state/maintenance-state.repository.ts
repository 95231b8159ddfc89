import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export type MaintenanceStatus = 'deactivated' | 'activating' | 'activated';

export interface MaintenanceState {
  status: MaintenanceStatus;
  requestedAt: Date | null;
  requestedBy: string | null;
  activatedAt: Date | null;
  /** activating: when it turns activated even if executions still run */
  deadline: Date | null;
}

interface StateRow {
  maintenance_status: MaintenanceStatus;
  maintenance_requested_at: Date | null;
  maintenance_requested_by: string | null;
  maintenance_activated_at: Date | null;
  maintenance_deadline: Date | null;
}

const COLUMNS = 'maintenance_status, maintenance_requested_at, maintenance_requested_by, maintenance_activated_at, maintenance_deadline';

function toState(row: StateRow): MaintenanceState {
  return {
    status: row.maintenance_status,
    requestedAt: row.maintenance_requested_at,
    requestedBy: row.maintenance_requested_by,
    activatedAt: row.maintenance_activated_at,
    deadline: row.maintenance_deadline,
  };
}

/** The one row of `service_state`: maintenance mode, shared by every instance. */
@Injectable()
export class MaintenanceStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  async read(): Promise<MaintenanceState> {
    const rows: StateRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM service_state WHERE id = 1`);
    return toState(rows[0]);
  }

  /**
   * The status inside a transaction that starts new work, with a share lock: a change of mode
   * (which takes the row's write lock) waits for such transactions, so once `activating` has
   * committed no new execution can still slip in.
   */
  async readShared(manager: EntityManager): Promise<MaintenanceStatus> {
    const rows: StateRow[] = await manager.query(`SELECT maintenance_status FROM service_state WHERE id = 1 FOR SHARE`);
    return rows[0].maintenance_status;
  }

  async write(state: MaintenanceState): Promise<MaintenanceState> {
    const rows: StateRow[] = await this.dataSource.query(
      `UPDATE service_state
          SET maintenance_status = $1, maintenance_requested_at = $2, maintenance_requested_by = $3,
              maintenance_activated_at = $4, maintenance_deadline = $5
        WHERE id = 1 RETURNING ${COLUMNS}`,
      [state.status, state.requestedAt, state.requestedBy, state.activatedAt, state.deadline],
    );
    return toState(rows[0]);
  }

  /** activating -> activated (any instance may do it; only the first one changes the row). */
  async finishActivating(): Promise<boolean> {
    const [, affected] = (await this.dataSource.query(
      `UPDATE service_state SET maintenance_status = 'activated', maintenance_activated_at = now(), maintenance_deadline = NULL
        WHERE id = 1 AND maintenance_status = 'activating'`,
    )) as [unknown, number];
    return affected > 0;
  }
}
