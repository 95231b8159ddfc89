import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Work for the engine that must survive a restart: due at `run_at`, claimed by one instance. */
export type DelayedJobKind =
  | 'start_execution'
  | 'run_task'
  | 'complete_task'
  | 'task_timeout'
  | 'child_finished'
  | 'cancel_execution'
  | 'check_completion';

@Entity('delayed_jobs')
export class DelayedJobEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('uuid', { name: 'workflow_execution_id' })
  workflowExecutionId!: string;

  @Column('text')
  kind!: DelayedJobKind;

  @Column('jsonb', { default: () => "'{}'" })
  payload!: Record<string, unknown>;

  @Column('timestamptz', { name: 'run_at' })
  runAt!: Date;

  @Column('text', { name: 'claimed_by', nullable: true })
  claimedBy!: string | null;

  @Column('timestamptz', { name: 'claimed_until', nullable: true })
  claimedUntil!: Date | null;
}
