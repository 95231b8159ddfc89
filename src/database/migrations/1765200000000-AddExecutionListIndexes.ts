import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /v2/executions pages within the caller's project (every list is scoped to one project unless
 * an admin asks all_projects), newest first in the web UI and the mistral CLI: `created_at DESC`
 * with Mistral's tiebreaker `id ASC`. One btree per usual filter holds the filter's equality
 * columns, then exactly that order, so a page is an index range read from its start or from the
 * marker (keyset) with no sort, and a filter matching nothing ends at once, whatever the history's
 * size and whether or not the statistics are fresh. Oldest first (the API's default) is read
 * backwards from the same indexes with a sort of the rows sharing one created_at, or in full order
 * from workflow_executions_created_at (created_at, id).
 * On an existing database the indexes are built here, once (CREATE INDEX blocks writes to
 * workflow_executions meanwhile: about ten seconds per index and million executions on a small machine).
 */
export class AddExecutionListIndexes1765200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS workflow_executions_list ON workflow_executions (project_id, created_at DESC, id)`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS workflow_executions_list_workflow ON workflow_executions (project_id, workflow_name, created_at DESC, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS workflow_executions_list_workflow_state ON workflow_executions (project_id, workflow_name, state, created_at DESC, id)`,
    );
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS workflow_executions_list_state ON workflow_executions (project_id, state, created_at DESC, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS workflow_executions_list_state`);
    await queryRunner.query(`DROP INDEX IF EXISTS workflow_executions_list_workflow_state`);
    await queryRunner.query(`DROP INDEX IF EXISTS workflow_executions_list_workflow`);
    await queryRunner.query(`DROP INDEX IF EXISTS workflow_executions_list`);
  }
}
