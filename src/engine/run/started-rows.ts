import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ActionExecutionEntity } from '../action-execution.entity';
import { DelayedJobEntity } from '../delayed-job.entity';
import { TaskExecutionEntity } from '../task-execution.entity';
import { WorkflowExecutionEntity } from '../workflow-execution.entity';
import type { AfterCommit } from './after-commit';

/** What one new execution's first transition created. */
export interface NewExecutionRows {
  execution: WorkflowExecutionEntity;
  /** sub-workflow executions it started */
  children: WorkflowExecutionEntity[];
  tasks: Iterable<TaskExecutionEntity>;
  actions: Iterable<ActionExecutionEntity>;
  jobs: DelayedJobEntity[];
  /** where the jobs this instance claims go once written */
  after: AfterCommit;
}

/**
 * The rows of new executions started in one transaction (a batch of cron trigger firings),
 * written together: a few multi-row inserts instead of a few statements per execution.
 */
export class StartedRows {
  private readonly executions: WorkflowExecutionEntity[] = [];
  private readonly tasks: TaskExecutionEntity[] = [];
  private readonly actions: ActionExecutionEntity[] = [];
  private readonly jobs: Array<{ job: DelayedJobEntity; after: AfterCommit }> = [];

  /** The rows of one new execution as its first transition left them. */
  add(rows: NewExecutionRows): void {
    this.executions.push(rows.execution, ...rows.children);
    for (const task of rows.tasks) this.tasks.push(task);
    for (const action of rows.actions) this.actions.push(action); // no spread: with-items may make 100,000s
    for (const job of rows.jobs) this.jobs.push({ job, after: rows.after });
  }

  /** Inserts them all; the jobs this instance claimed go to the AfterCommit of their execution. */
  async write(manager: EntityManager, instanceId: string): Promise<void> {
    const insert = async <T extends object>(entity: new () => T, rows: T[]) => {
      for (let index = 0; index < rows.length; index += 200) {
        await manager.insert(entity, rows.slice(index, index + 200) as unknown as QueryDeepPartialEntity<T>[]);
      }
    };
    await insert(WorkflowExecutionEntity, this.executions);
    await insert(TaskExecutionEntity, this.tasks);
    await insert(ActionExecutionEntity, this.actions);
    if (this.jobs.length > 0) {
      const saved = await manager.save(DelayedJobEntity, this.jobs.map((entry) => entry.job));
      saved.forEach((job, index) => {
        if (job.claimedBy === instanceId) this.jobs[index].after.jobs.push(job);
      });
      if (saved.some((job) => job.claimedBy === null)) await manager.query(`NOTIFY sirocco_jobs`);
    }
  }
}
