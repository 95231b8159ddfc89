import { Column, Entity, PrimaryColumn } from 'typeorm';

export type FiringOutcome = 'started' | 'failed' | 'skipped';

/** One slot of a trigger that came due: what happened, and the execution it started. */
@Entity('trigger_firings')
export class TriggerFiringEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'trigger_id' })
  triggerId!: string;

  @Column('timestamptz', { name: 'scheduled_for' })
  scheduledFor!: Date;

  @Column('timestamptz', { name: 'fired_at' })
  firedAt!: Date;

  @Column('uuid', { name: 'execution_id', nullable: true })
  executionId!: string | null;

  @Column('text')
  outcome!: FiringOutcome;

  @Column('text', { nullable: true })
  error!: string | null;
}
