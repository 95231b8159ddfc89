import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateWorkbooks1764250000000 implements MigrationInterface {
  name = 'CreateWorkbooks1764250000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE workbooks (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        namespace text NOT NULL DEFAULT '',
        project_id text NOT NULL,
        scope text NOT NULL DEFAULT 'private' CHECK (scope IN ('private', 'public')),
        definition text NOT NULL,
        spec jsonb NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NULL,
        CONSTRAINT workbooks_name_namespace_project UNIQUE (name, namespace, project_id)
      )`);
    await queryRunner.query(`CREATE INDEX workbooks_created_at ON workbooks (created_at, id)`);
    await queryRunner.query(`CREATE INDEX workbooks_public ON workbooks (name) WHERE scope = 'public'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE workbooks`);
  }
}
