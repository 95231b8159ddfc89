import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateWorkflowDefinitions1763800000000 implements MigrationInterface {
  name = 'CreateWorkflowDefinitions1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE workflow_definitions (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        namespace text NOT NULL DEFAULT '',
        project_id text NOT NULL,
        scope text NOT NULL DEFAULT 'private' CHECK (scope IN ('private', 'public')),
        definition text NOT NULL,
        spec jsonb NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        source text NOT NULL DEFAULT 'api',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NULL,
        CONSTRAINT workflow_definitions_name_namespace_project UNIQUE (name, namespace, project_id)
      )`);
    await queryRunner.query(`CREATE INDEX workflow_definitions_created_at ON workflow_definitions (created_at, id)`);
    await queryRunner.query(`CREATE INDEX workflow_definitions_public ON workflow_definitions (name) WHERE scope = 'public'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE workflow_definitions`);
  }
}
