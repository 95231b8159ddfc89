import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ExecutionState } from './execution-states';

/**
 * One run of an action: for a task (one per attempt, one per with-items item) or alone
 * (`POST /v2/action_executions`). While RUNNING it holds a lease renewed by the instance that
 * runs it; an expired lease means that instance died.
 */
@Entity('action_executions')
export class ActionExecutionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'task_execution_id', nullable: true })
  taskExecutionId!: string | null;

  @Column('uuid', { name: 'workflow_execution_id', nullable: true })
  workflowExecutionId!: string | null;

  @Column('text', { name: 'workflow_name', nullable: true })
  workflowName!: string | null;

  @Column('text', { name: 'workflow_namespace', default: '' })
  workflowNamespace!: string;

  @Column('text', { name: 'task_name', nullable: true })
  taskName!: string | null;

  @Column('text', { name: 'project_id' })
  projectId!: string;

  /** the action, e.g. std.echo */
  @Column('text')
  name!: string;

  @Column('text', { default: '' })
  description!: string;

  @Column('text')
  state!: ExecutionState;

  @Column('text', { name: 'state_info', nullable: true })
  stateInfo!: string | null;

  @Column('boolean', { default: false })
  accepted!: boolean;

  @Column('jsonb', { default: () => "'{}'" })
  input!: Record<string, unknown>;

  @Column('jsonb', { nullable: true })
  output!: unknown;

  /** with-items: which item this run is for */
  @Column('integer', { name: 'item_index', nullable: true })
  itemIndex!: number | null;

  /** 0 for the first run; more after a retry or a re-run after a crash */
  @Column('integer', { default: 0 })
  attempt!: number;

  @Column('text', { name: 'lease_owner', nullable: true })
  leaseOwner!: string | null;

  @Column('timestamptz', { name: 'lease_expires_at', nullable: true })
  leaseExpiresAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;
}
