import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { WorkflowSpec } from '../workflows/language';
import type { ExecutionState } from './execution-states';

/** `params` of an execution as the API takes them; `env` is what `$env()` returns. */
export interface ExecutionParams {
  env?: Record<string, unknown>;
  namespace?: string;
  [key: string]: unknown;
}

/** One run of a workflow. Its row is the lock every transition of the run takes. */
@Entity('workflow_executions')
export class WorkflowExecutionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** null once the workflow was deleted after this run finished */
  @Column('uuid', { name: 'workflow_id', nullable: true })
  workflowId!: string | null;

  @Column('text', { name: 'workflow_name' })
  workflowName!: string;

  @Column('text', { name: 'workflow_namespace', default: '' })
  workflowNamespace!: string;

  @Column('text', { name: 'project_id' })
  projectId!: string;

  @Column('text', { default: '' })
  description!: string;

  @Column('text', { array: true, default: () => "'{}'" })
  tags!: string[];

  /** the workflow as it was when the run started (a row of workflow_specs, shared by the runs of that version): a later update does not change a running execution */
  @Column('text', { name: 'spec_id' })
  specId!: string;

  /**
   * Not a column: the spec of `specId`, which the reads that need it attach (whole for the engine,
   * only the input and output declarations for the API); a new execution carries it to be stored.
   */
  spec!: WorkflowSpec;

  @Column('jsonb', { default: () => "'{}'" })
  params!: ExecutionParams;

  @Column('jsonb', { default: () => "'{}'" })
  input!: Record<string, unknown>;

  @Column('jsonb', { nullable: true })
  output!: unknown;

  /** the data context `$`: input, vars and every variable published so far */
  @Column('jsonb', { default: () => "'{}'" })
  context!: Record<string, unknown>;

  @Column('text')
  state!: ExecutionState;

  @Column('text', { name: 'state_info', nullable: true })
  stateInfo!: string | null;

  /** the parent's task, for a sub-workflow run */
  @Column('uuid', { name: 'task_execution_id', nullable: true })
  taskExecutionId!: string | null;

  @Column('uuid', { name: 'root_execution_id', nullable: true })
  rootExecutionId!: string | null;

  /** the cron trigger that started this run (or its root run): its trust gives the run's token */
  @Column('uuid', { name: 'trigger_id', nullable: true })
  triggerId!: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;
}
