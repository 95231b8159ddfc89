import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ExecutionState } from './execution-states';

/** Engine bookkeeping of one task execution (Mistral shows it as `runtime_context`). */
export interface TaskRuntimeContext {
  /** retries done so far */
  retry_no?: number;
  /** with-items: the rendered items, one entry per action to run */
  with_items?: {
    count: number;
    /** next item index to start */
    next: number;
    running: number;
    concurrency: number;
    results: unknown[];
    failed: boolean;
    /** indices of the items that failed (a re-run without reset runs these again) */
    failed_items?: number[];
    /** indices to launch before `next` (a re-run without reset) */
    pending?: number[];
    /** the rendered with-items lists, one per variable */
    lists: unknown[][];
  };
  /** join: names of the inbound tasks that arrived */
  join_arrivals?: string[];
  /** set while the task waits for a resume (pause-before, or created while the workflow was paused) */
  deferred?: boolean;
  /** pause-before has been honoured once */
  paused_before?: boolean;
  /** the error result kept while wait-after runs, or the result to complete with */
  pending_outcome?: { ok: boolean; result: unknown };
}

@Entity('task_executions')
export class TaskExecutionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'workflow_execution_id' })
  workflowExecutionId!: string;

  @Column('uuid', { name: 'workflow_id', nullable: true })
  workflowId!: string | null;

  @Column('text', { name: 'workflow_name' })
  workflowName!: string;

  @Column('text', { name: 'workflow_namespace', default: '' })
  workflowNamespace!: string;

  @Column('text', { name: 'project_id' })
  projectId!: string;

  @Column('text')
  name!: string;

  /** 'ACTION' or 'WORKFLOW' (a sub-workflow) */
  @Column('text')
  type!: 'ACTION' | 'WORKFLOW';

  @Column('text')
  state!: ExecutionState;

  @Column('text', { name: 'state_info', nullable: true })
  stateInfo!: string | null;

  @Column('jsonb', { nullable: true })
  result!: unknown;

  @Column('jsonb', { default: () => "'{}'" })
  published!: Record<string, unknown>;

  @Column('jsonb', { name: 'runtime_context', default: () => "'{}'" })
  runtimeContext!: TaskRuntimeContext;

  /** its transitions were taken; nothing is left to do for it */
  @Column('boolean', { default: false })
  processed!: boolean;

  /** an error of this task was handled by an on-error/on-complete transition */
  @Column('boolean', { name: 'error_handled', default: false })
  errorHandled!: boolean;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt!: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;
}
