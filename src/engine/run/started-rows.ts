import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ActionExecutionEntity } from '../action-execution.entity';
import { DelayedJobEntity } from '../delayed-job.entity';
import { TaskExecutionEntity } from '../task-execution.entity';
import { WorkflowExecutionEntity } from '../workflow-execution.entity';
import type { AfterCommit } from './after-commit';

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
  add(
    execution: WorkflowExecutionEntity,
    children: WorkflowExecutionEntity[],
    newTasks: Set<string>,
    tasks: Map<string, TaskExecutionEntity>,
    newActions: Set<string>,
    actions: Map<string, ActionExecutionEntity>,
    jobs: DelayedJobEntity[],
    after: AfterCommit,
  ): void {
    this.executions.push(execution, ...children);
    for (const id of newTasks) this.tasks.push(tasks.get(id)!);
    for (const id of newActions) this.actions.push(actions.get(id)!); // no spread: with-items may make 100,000s
    for (const job of jobs) this.jobs.push({ job, after });
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
