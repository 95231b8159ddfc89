import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The service's own state, shared by every instance: one row. `maintenance_status` is
 * deactivated, activating (new work refused, waiting for running executions) or activated.
 */
export class CreateServiceState1764900000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE service_state (
        id smallint PRIMARY KEY CHECK (id = 1),
        maintenance_status text NOT NULL DEFAULT 'deactivated'
          CHECK (maintenance_status IN ('deactivated', 'activating', 'activated')),
        maintenance_requested_at timestamptz NULL,
        maintenance_requested_by text NULL,
        maintenance_activated_at timestamptz NULL,
        maintenance_deadline timestamptz NULL
      )`);
    await queryRunner.query(`INSERT INTO service_state (id) VALUES (1)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE service_state`);
  }
}
