import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCronTriggers1764000000000 implements MigrationInterface {
  name = 'CreateCronTriggers1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE cron_triggers (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        project_id text NOT NULL,
        user_id text NULL,
        scope text NOT NULL DEFAULT 'private' CHECK (scope IN ('private', 'public')),
        -- a trigger keeps its workflow: DELETE /v2/workflows answers 409 while one uses it
        workflow_id uuid NOT NULL REFERENCES workflow_definitions (id),
        workflow_name text NOT NULL,
        workflow_namespace text NOT NULL DEFAULT '',
        workflow_input jsonb NOT NULL DEFAULT '{}',
        workflow_params jsonb NOT NULL DEFAULT '{}',
        pattern text NULL,
        timezone text NOT NULL DEFAULT 'UTC',
        first_execution_time timestamptz NULL,
        -- the next scheduled slot (Mistral's field) and the instant it fires: slot + jitter
        next_execution_time timestamptz NULL,
        next_fire_at timestamptz NULL,
        remaining_executions integer NULL,
        enabled boolean NOT NULL DEFAULT true,
        finished_at timestamptz NULL,
        misfire_policy text NOT NULL DEFAULT 'run_once' CHECK (misfire_policy IN ('run_once', 'skip', 'catch_up')),
        catch_up_window integer NOT NULL DEFAULT 3600,
        overlap_policy text NOT NULL DEFAULT 'allow' CHECK (overlap_policy IN ('allow', 'skip')),
        jitter integer NOT NULL DEFAULT 0,
        trust_status text NULL,
        trust_checked_at timestamptz NULL,
        trust_error text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NULL,
        UNIQUE (name, project_id)
      )`);
    // the firing loop reads only due, live triggers: its cost follows the due ones, not the stored ones
    await queryRunner.query(
      `CREATE INDEX cron_triggers_due ON cron_triggers (next_fire_at) WHERE enabled AND finished_at IS NULL AND next_fire_at IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX cron_triggers_workflow ON cron_triggers (workflow_id)`);
    await queryRunner.query(`CREATE INDEX cron_triggers_created_at ON cron_triggers (created_at, id)`);

    await queryRunner.query(`
      CREATE TABLE trigger_firings (
        id uuid PRIMARY KEY,
        trigger_id uuid NOT NULL REFERENCES cron_triggers (id) ON DELETE CASCADE,
        scheduled_for timestamptz NOT NULL,
        fired_at timestamptz NOT NULL DEFAULT now(),
        execution_id uuid NULL,
        outcome text NOT NULL CHECK (outcome IN ('started', 'failed', 'skipped')),
        error text NULL,
        -- exactly once: one firing per trigger and slot, whichever instance claims it
        UNIQUE (trigger_id, scheduled_for)
      )`);
    // A trigger's Keystone trust lives apart from the trigger: deleting the trigger only asks for the
    // trust's deletion, which happens once no execution of the trigger still needs its token.
    await queryRunner.query(`
      CREATE TABLE trigger_trusts (
        trigger_id uuid PRIMARY KEY,
        trust_id text NOT NULL,
        project_id text NOT NULL,
        delete_requested_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX trigger_trusts_to_delete ON trigger_trusts (delete_requested_at) WHERE delete_requested_at IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX trigger_firings_execution ON trigger_firings (execution_id) WHERE execution_id IS NOT NULL`);

    // which trigger started an execution (and its sub-workflows): its trust gives the run its token
    await queryRunner.query(`ALTER TABLE workflow_executions ADD COLUMN trigger_id uuid NULL`);
    await queryRunner.query(`CREATE INDEX workflow_executions_trigger ON workflow_executions (trigger_id) WHERE trigger_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE workflow_executions DROP COLUMN trigger_id`);
    await queryRunner.query(`DROP TABLE trigger_trusts`);
    await queryRunner.query(`DROP TABLE trigger_firings`);
    await queryRunner.query(`DROP TABLE cron_triggers`);
  }
}
