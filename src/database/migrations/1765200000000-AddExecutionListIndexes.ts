import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /v2/executions pages in (created_at, id) order within the caller's project (every list is
 * scoped to one project unless an admin asks all_projects), optionally filtered by workflow name
 * and state. One btree per usual shape holds the filter's equality columns first and the order
 * after them, so a page is an index range read from its start or from the marker (keyset), in
 * either direction, and a filter matching nothing ends at once: no sort and no scan, whatever the
 * history's size and whether or not the statistics are fresh.
 * On an existing database the indexes are built here, once (CREATE INDEX blocks writes to
 * workflow_executions meanwhile: about ten seconds per million executions on a small machine).
 */
export class AddExecutionListIndexes1765200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS workflow_executions_list ON workflow_executions (project_id, created_at, id)`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS workflow_executions_list_workflow ON workflow_executions (project_id, workflow_name, created_at, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS workflow_executions_list_workflow_state ON workflow_executions (project_id, workflow_name, state, created_at, id)`,
    );
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS workflow_executions_list_state ON workflow_executions (project_id, state, created_at, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS workflow_executions_list_state`);
    await queryRunner.query(`DROP INDEX IF EXISTS workflow_executions_list_workflow_state`);
    await queryRunner.query(`DROP INDEX IF EXISTS workflow_executions_list_workflow`);
    await queryRunner.query(`DROP INDEX IF EXISTS workflow_executions_list`);
  }
}
