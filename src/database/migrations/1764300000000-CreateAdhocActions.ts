import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Ad-hoc actions (POST /v2/actions) and the actions of workbooks. */
export class CreateAdhocActions1764300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE adhoc_actions (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        namespace text NOT NULL DEFAULT '',
        project_id text NOT NULL,
        scope text NOT NULL DEFAULT 'private',
        description text NULL,
        tags text[] NOT NULL DEFAULT '{}',
        input text NULL,
        definition text NOT NULL,
        spec jsonb NOT NULL,
        workbook_name text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NULL,
        CONSTRAINT adhoc_actions_name_namespace_project UNIQUE (name, namespace, project_id)
      )`);
    await queryRunner.query(`CREATE INDEX adhoc_actions_workbook ON adhoc_actions (workbook_name, project_id) WHERE workbook_name IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE adhoc_actions`);
  }
}
