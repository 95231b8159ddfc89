import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateEngineTables1763900000000 implements MigrationInterface {
  name = 'CreateEngineTables1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const states = `('IDLE','RUNNING','RUNNING_DELAYED','WAITING','PAUSED','SUCCESS','ERROR','CANCELLED','SKIPPED')`;
    await queryRunner.query(`
      CREATE TABLE workflow_executions (
        id uuid PRIMARY KEY,
        -- a finished run outlives its workflow; a running one keeps it (DELETE answers 409)
        workflow_id uuid NULL REFERENCES workflow_definitions (id) ON DELETE SET NULL,
        workflow_name text NOT NULL,
        workflow_namespace text NOT NULL DEFAULT '',
        project_id text NOT NULL,
        description text NOT NULL DEFAULT '',
        tags text[] NOT NULL DEFAULT '{}',
        spec jsonb NOT NULL,
        params jsonb NOT NULL DEFAULT '{}',
        input jsonb NOT NULL DEFAULT '{}',
        output jsonb NULL,
        context jsonb NOT NULL DEFAULT '{}',
        state text NOT NULL CHECK (state IN ${states}),
        state_info text NULL,
        task_execution_id uuid NULL,
        root_execution_id uuid NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NULL
      )`);
    await queryRunner.query(`CREATE INDEX workflow_executions_created_at ON workflow_executions (created_at, id)`);
    await queryRunner.query(`CREATE INDEX workflow_executions_workflow ON workflow_executions (workflow_id)`);
    await queryRunner.query(`CREATE INDEX workflow_executions_parent_task ON workflow_executions (task_execution_id) WHERE task_execution_id IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX workflow_executions_active ON workflow_executions (state) WHERE state IN ('RUNNING', 'PAUSED', 'IDLE')`);

    await queryRunner.query(`
      CREATE TABLE task_executions (
        id uuid PRIMARY KEY,
        workflow_execution_id uuid NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
        workflow_id uuid NULL,
        workflow_name text NOT NULL,
        workflow_namespace text NOT NULL DEFAULT '',
        project_id text NOT NULL,
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('ACTION', 'WORKFLOW')),
        state text NOT NULL CHECK (state IN ${states}),
        state_info text NULL,
        result jsonb NULL,
        published jsonb NOT NULL DEFAULT '{}',
        runtime_context jsonb NOT NULL DEFAULT '{}',
        processed boolean NOT NULL DEFAULT false,
        error_handled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NULL,
        started_at timestamptz NULL,
        finished_at timestamptz NULL
      )`);
    await queryRunner.query(`CREATE INDEX task_executions_execution ON task_executions (workflow_execution_id, name)`);
    await queryRunner.query(`CREATE INDEX task_executions_created_at ON task_executions (created_at, id)`);
    await queryRunner.query(
      `CREATE INDEX task_executions_active ON task_executions (workflow_execution_id) WHERE state IN ('IDLE', 'RUNNING', 'RUNNING_DELAYED', 'WAITING')`,
    );

    await queryRunner.query(`
      CREATE TABLE action_executions (
        id uuid PRIMARY KEY,
        task_execution_id uuid NULL REFERENCES task_executions (id) ON DELETE CASCADE,
        workflow_execution_id uuid NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
        workflow_name text NULL,
        workflow_namespace text NOT NULL DEFAULT '',
        task_name text NULL,
        project_id text NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        state text NOT NULL CHECK (state IN ${states}),
        state_info text NULL,
        accepted boolean NOT NULL DEFAULT false,
        input jsonb NOT NULL DEFAULT '{}',
        output jsonb NULL,
        item_index integer NULL,
        attempt integer NOT NULL DEFAULT 0,
        lease_owner text NULL,
        lease_expires_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NULL
      )`);
    await queryRunner.query(`CREATE INDEX action_executions_task ON action_executions (task_execution_id)`);
    await queryRunner.query(`CREATE INDEX action_executions_created_at ON action_executions (created_at, id)`);
    await queryRunner.query(`CREATE INDEX action_executions_leases ON action_executions (lease_expires_at) WHERE state = 'RUNNING'`);

    await queryRunner.query(`
      CREATE TABLE delayed_jobs (
        id bigserial PRIMARY KEY,
        workflow_execution_id uuid NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
        kind text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        run_at timestamptz NOT NULL,
        claimed_by text NULL,
        claimed_until timestamptz NULL
      )`);
    await queryRunner.query(`CREATE INDEX delayed_jobs_due ON delayed_jobs (run_at)`);
    await queryRunner.query(`CREATE INDEX delayed_jobs_execution ON delayed_jobs (workflow_execution_id)`);

    await queryRunner.query(`
      CREATE TABLE environments (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        variables jsonb NOT NULL DEFAULT '{}',
        scope text NOT NULL DEFAULT 'private' CHECK (scope IN ('private', 'public')),
        project_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NULL,
        CONSTRAINT environments_name_project UNIQUE (name, project_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE environments`);
    await queryRunner.query(`DROP TABLE delayed_jobs`);
    await queryRunner.query(`DROP TABLE action_executions`);
    await queryRunner.query(`DROP TABLE task_executions`);
    await queryRunner.query(`DROP TABLE workflow_executions`);
  }
}
