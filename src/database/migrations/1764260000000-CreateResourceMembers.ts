import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Resource sharing (Mistral's resource_members_v2): which project shares which resource
 * (`resource_type` 'workflow', later 'workbook') with which project, and whether that project
 * accepted. No foreign key: the resource may live in one of several tables; deleting a workflow
 * deletes its members in the same transaction. The partial index serves the question asked on
 * every workflow read: which resources did this project accept.
 */
export class CreateResourceMembers1764260000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE resource_members (
        id uuid PRIMARY KEY,
        resource_id text NOT NULL,
        resource_type text NOT NULL,
        project_id text NOT NULL,
        member_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NULL,
        CONSTRAINT resource_members_resource_member UNIQUE (resource_id, resource_type, member_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX resource_members_accepted ON resource_members (member_id, resource_type) WHERE status = 'accepted'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE resource_members`);
  }
}
