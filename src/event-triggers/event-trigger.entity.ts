import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ExecutionParams } from '../engine/workflow-execution.entity';

/** Starts a workflow when an OpenStack notification of type `event` arrives on (exchange, topic). */
@Entity('event_triggers')
export class EventTriggerEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { name: 'project_id' })
  projectId!: string;

  @Column('text', { name: 'user_id', nullable: true })
  userId!: string | null;

  @Column('text', { default: 'private' })
  scope!: 'private' | 'public';

  @Column('uuid', { name: 'workflow_id' })
  workflowId!: string;

  @Column('text', { name: 'workflow_name' })
  workflowName!: string;

  @Column('jsonb', { name: 'workflow_input', default: () => "'{}'" })
  workflowInput!: Record<string, unknown>;

  @Column('jsonb', { name: 'workflow_params', default: () => "'{}'" })
  workflowParams!: ExecutionParams;

  @Column('text')
  exchange!: string;

  @Column('text')
  topic!: string;

  @Column('text')
  event!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;
}

/** One notification handled for one trigger: its message_id, once (a redelivery finds the row). */
@Entity('event_trigger_deliveries')
export class EventDeliveryEntity {
  @PrimaryColumn('uuid', { name: 'trigger_id' })
  triggerId!: string;

  @PrimaryColumn('text', { name: 'message_id' })
  messageId!: string;

  @Column('uuid', { name: 'execution_id' })
  executionId!: string;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;
}
