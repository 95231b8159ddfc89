import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ExecutionParams } from '../engine/workflow-execution.entity';

export type MisfirePolicy = 'run_once' | 'skip' | 'catch_up';
export type OverlapPolicy = 'allow' | 'skip';
export type TrustStatus = 'ok' | 'broken';

/** A schedule that runs a workflow, with the delegated credentials (trust) it runs under. */
@Entity('cron_triggers')
export class CronTriggerEntity {
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

  @Column('text', { name: 'workflow_namespace', default: '' })
  workflowNamespace!: string;

  @Column('jsonb', { name: 'workflow_input', default: () => "'{}'" })
  workflowInput!: Record<string, unknown>;

  @Column('jsonb', { name: 'workflow_params', default: () => "'{}'" })
  workflowParams!: ExecutionParams;

  @Column('text', { nullable: true })
  pattern!: string | null;

  @Column('text', { default: 'UTC' })
  timezone!: string;

  @Column('timestamptz', { name: 'first_execution_time', nullable: true })
  firstExecutionTime!: Date | null;

  /** the next scheduled slot; null once the trigger has finished */
  @Column('timestamptz', { name: 'next_execution_time', nullable: true })
  nextExecutionTime!: Date | null;

  /** when the next slot actually fires: the slot plus this trigger's jitter offset */
  @Column('timestamptz', { name: 'next_fire_at', nullable: true })
  nextFireAt!: Date | null;

  @Column('integer', { name: 'remaining_executions', nullable: true })
  remainingExecutions!: number | null;

  @Column('boolean', { default: true })
  enabled!: boolean;

  /** set when remaining_executions reached 0 or a one-shot trigger fired: kept, with its history */
  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;

  @Column('text', { name: 'misfire_policy', default: 'run_once' })
  misfirePolicy!: MisfirePolicy;

  @Column('integer', { name: 'catch_up_window', default: 3600 })
  catchUpWindow!: number;

  @Column('text', { name: 'overlap_policy', default: 'allow' })
  overlapPolicy!: OverlapPolicy;

  @Column('integer', { default: 0 })
  jitter!: number;

  /** health of the trigger's Keystone trust (keystone mode), from the last check or firing */
  @Column('text', { name: 'trust_status', nullable: true })
  trustStatus!: TrustStatus | null;

  @Column('timestamptz', { name: 'trust_checked_at', nullable: true })
  trustCheckedAt!: Date | null;

  @Column('text', { name: 'trust_error', nullable: true })
  trustError!: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;
}
