import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * /metrics reads, at each scrape, when each workflow and each cron trigger last ran successfully
 * (the gauges an alert on a stale scheduled snapshot needs): two small partial indexes over the
 * successful top-level executions make those reads index lookups, whatever the history's size.
 * An execution that ended in its first transaction has no updated_at: it ended when it was created.
 */
export class AddLastSuccessIndexes1765150000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX workflow_executions_workflow_success ON workflow_executions (workflow_name, (COALESCE(updated_at, created_at)))
        WHERE state = 'SUCCESS' AND task_execution_id IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX workflow_executions_trigger_success ON workflow_executions (trigger_id, (COALESCE(updated_at, created_at)))
        WHERE state = 'SUCCESS' AND task_execution_id IS NULL AND trigger_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX workflow_executions_trigger_success`);
    await queryRunner.query(`DROP INDEX workflow_executions_workflow_success`);
  }
}
