import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the retention of finished executions (and deleting an execution with its sub-workflows)
 * looks rows up by: sub-workflows by their root, finished top-level executions by when they ended.
 */
export class AddExecutionRetentionIndexes1765100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX workflow_executions_root ON workflow_executions (root_execution_id) WHERE root_execution_id IS NOT NULL`);
    await queryRunner.query(
      `CREATE INDEX workflow_executions_finished ON workflow_executions (state, updated_at)
        WHERE task_execution_id IS NULL AND state IN ('SUCCESS', 'ERROR', 'CANCELLED')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX workflow_executions_finished`);
    await queryRunner.query(`DROP INDEX workflow_executions_root`);
  }
}
