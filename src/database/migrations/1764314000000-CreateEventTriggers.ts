import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateEventTriggers1764314000000 implements MigrationInterface {
  name = 'CreateEventTriggers1764314000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE event_triggers (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        project_id text NOT NULL,
        user_id text NULL,
        scope text NOT NULL DEFAULT 'private' CHECK (scope IN ('private', 'public')),
        workflow_id uuid NOT NULL REFERENCES workflow_definitions (id),
        workflow_name text NOT NULL,
        workflow_input jsonb NOT NULL DEFAULT '{}',
        workflow_params jsonb NOT NULL DEFAULT '{}',
        exchange text NOT NULL,
        topic text NOT NULL,
        event text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NULL,
        -- Mistral's unique key
        UNIQUE (exchange, topic, event, workflow_id, project_id)
      )`);
    // a notification looks up the triggers of its exchange, topic and event type
    await queryRunner.query(`CREATE INDEX event_triggers_event ON event_triggers (exchange, topic, event)`);
    await queryRunner.query(`CREATE INDEX event_triggers_workflow ON event_triggers (workflow_id)`);
    await queryRunner.query(`CREATE INDEX event_triggers_created_at ON event_triggers (created_at, id)`);
    // exactly once: a notification (message_id) starts at most one execution per trigger, whichever
    // replica gets it and however often the broker redelivers it
    await queryRunner.query(`
      CREATE TABLE event_trigger_deliveries (
        trigger_id uuid NOT NULL REFERENCES event_triggers (id) ON DELETE CASCADE,
        message_id text NOT NULL,
        execution_id uuid NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (trigger_id, message_id)
      )`);
    await queryRunner.query(`CREATE INDEX event_trigger_deliveries_received_at ON event_trigger_deliveries (received_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE event_trigger_deliveries`);
    await queryRunner.query(`DROP TABLE event_triggers`);
  }
}
