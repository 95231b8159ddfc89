import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keystone mode: the trust an execution started through the API acts with (its caller's, as a
 * cron trigger's trust is its creator's). Kept apart from the execution, like trigger_trusts, so
 * the trust id never reaches an API response; `error` says why there is none when it could not be
 * created. Deleted from Keystone some time after the execution ended.
 */
export class CreateExecutionTrusts1764100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE execution_trusts (
        execution_id uuid PRIMARY KEY,
        trust_id text NULL,
        error text NULL,
        project_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE execution_trusts`);
  }
}
