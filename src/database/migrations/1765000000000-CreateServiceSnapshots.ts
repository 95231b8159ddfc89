import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Snapshots of Sirocco itself: the archive is kept in the database (bytea), so every instance can
 * serve, download and restore it and no instance's disk matters.
 */
export class CreateServiceSnapshots1765000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE service_snapshots (
        id text PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('CREATING', 'CREATED', 'FAILED', 'UPLOADED')),
        error text NULL,
        include_history boolean NOT NULL DEFAULT false,
        -- api, upload, or the snapshot_id pattern of the sirocco.service_snapshot action that made it (its rotation)
        origin text NOT NULL DEFAULT 'api',
        created_at timestamptz NOT NULL DEFAULT now(),
        uploaded_at timestamptz NULL,
        sirocco_version text NULL,
        schema_version text NULL,
        counts jsonb NOT NULL DEFAULT '{}',
        archive_size bigint NULL,
        archive bytea NULL,
        restore_status text NULL CHECK (restore_status IN ('RUNNING', 'DONE', 'FAILED')),
        restore_error text NULL,
        restore_started_at timestamptz NULL,
        restore_finished_at timestamptz NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE service_snapshots`);
  }
}
