import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A spec's id: the sha256 of its jsonb text (canonical: keys sorted, one spacing); the engine computes it alike (workflow-specs.repository.ts). */
const SPEC_ID = (column: string) => `encode(sha256(convert_to(${column}::text, 'UTF8')), 'hex')`;

/**
 * Each execution kept a full copy of its workflow's spec (25 KB as text for instance_snapshot):
 * the executions of one version of a workflow now share one row of workflow_specs, by content
 * hash. Existing specs are moved there (deduplicated); every execution row is rewritten once (the
 * space of the dropped column comes back to the system only with VACUUM FULL).
 */
export class StoreWorkflowSpecsOnce1765300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE workflow_specs (
        id text PRIMARY KEY,
        spec jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`ALTER TABLE workflow_executions ADD COLUMN spec_id text NULL`);
    // each spec hashed once; then one copy per distinct id, found through the index
    await queryRunner.query(`UPDATE workflow_executions SET spec_id = ${SPEC_ID('spec')}`);
    await queryRunner.query(`CREATE INDEX workflow_executions_spec ON workflow_executions (spec_id)`);
    await queryRunner.query(`
      INSERT INTO workflow_specs (id, spec)
      SELECT ids.spec_id, (SELECT e.spec FROM workflow_executions e WHERE e.spec_id = ids.spec_id LIMIT 1)
        FROM (SELECT DISTINCT spec_id FROM workflow_executions) ids`);
    await queryRunner.query(`ALTER TABLE workflow_executions ALTER COLUMN spec_id SET NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE workflow_executions ADD CONSTRAINT workflow_executions_spec_id_fkey FOREIGN KEY (spec_id) REFERENCES workflow_specs (id)`,
    );
    await queryRunner.query(`ALTER TABLE workflow_executions DROP COLUMN spec`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE workflow_executions ADD COLUMN spec jsonb NULL`);
    await queryRunner.query(`UPDATE workflow_executions e SET spec = s.spec FROM workflow_specs s WHERE s.id = e.spec_id`);
    await queryRunner.query(`ALTER TABLE workflow_executions ALTER COLUMN spec SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE workflow_executions DROP COLUMN spec_id`);
    await queryRunner.query(`DROP TABLE workflow_specs`);
  }
}
