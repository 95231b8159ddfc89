import { In, type EntityManager } from 'typeorm';
import { ActionExecutionEntity } from '../action-execution.entity';
import { ACTIVE_TASK_STATES, type ExecutionState } from '../execution-states';
import { TaskExecutionEntity } from '../task-execution.entity';
import { WorkflowExecutionEntity } from '../workflow-execution.entity';
import type { RunChanges } from './run-changes';
import type { SpecCache } from './spec-cache';
import { readSpec } from '../workflow-specs.repository';

/**
 * What a run reads of its execution's rows, in the transaction that holds the execution's lock.
 * Rows already in the unit of work win over stored ones; a new execution reads nothing stored.
 */
export class RunReads {
  constructor(
    /** the transaction (for the other features' reads the run needs, e.g. a sub-workflow's definition) */
    readonly manager: EntityManager,
    private readonly changes: RunChanges,
  ) {}

  /**
   * Locks the execution row and loads its active tasks; undefined when it does not exist (deleted).
   * The spec (large, and immutable) is read only when `specs` does not hold it: once per spec.
   */
  static async lockExecution(
    manager: EntityManager,
    executionId: string,
    specs: SpecCache,
  ): Promise<{ execution: WorkflowExecutionEntity; activeTasks: TaskExecutionEntity[] } | undefined> {
    const execution = await manager.findOne(WorkflowExecutionEntity, { where: { id: executionId }, lock: { mode: 'pessimistic_write' } });
    if (!execution) return undefined;
    const cached = specs.get(execution.specId);
    if (cached) execution.spec = cached;
    else {
      const spec = await readSpec(manager, execution.specId);
      if (!spec) throw new Error(`the spec ${execution.specId} of execution ${executionId} is missing`);
      execution.spec = spec;
      specs.set(execution.specId, spec);
    }
    const activeTasks = await manager.find(TaskExecutionEntity, {
      where: { workflowExecutionId: executionId, state: In([...ACTIVE_TASK_STATES]) },
    });
    return { execution, activeTasks };
  }

  private get executionId(): string {
    return this.changes.execution.id;
  }

  async task(id: string): Promise<TaskExecutionEntity | undefined> {
    const cached = this.changes.tasks.get(id);
    if (cached) return cached;
    const task = await this.manager.findOne(TaskExecutionEntity, { where: { id, workflowExecutionId: this.executionId } });
    return task ? this.changes.keepTask(task) : undefined;
  }

  async action(id: string): Promise<ActionExecutionEntity | undefined> {
    const cached = this.changes.actions.get(id);
    if (cached) return cached;
    const action = await this.manager.findOne(ActionExecutionEntity, { where: { id } });
    return action ? this.changes.keepAction(action) : undefined;
  }

  /** The latest task of that name (the one `task(name)` in an expression means). */
  async latestTask(name: string): Promise<TaskExecutionEntity | undefined> {
    let latest: TaskExecutionEntity | undefined;
    for (const task of this.changes.tasks.values()) {
      if (task.name === name && (!latest || task.createdAt >= latest.createdAt)) latest = task;
    }
    if (latest || this.changes.isNew) return latest;
    const stored = await this.manager.findOne(TaskExecutionEntity, { where: { workflowExecutionId: this.executionId, name }, order: { createdAt: 'DESC' } });
    return stored ?? undefined;
  }

  /** Whether a task of that name ever ran (a join fires once). */
  async taskNameUsed(name: string): Promise<boolean> {
    if ([...this.changes.tasks.values()].some((task) => task.name === name)) return true;
    if (this.changes.isNew) return false;
    const rows: unknown[] = await this.manager.query('SELECT 1 FROM task_executions WHERE workflow_execution_id = $1 AND name = $2 LIMIT 1', [
      this.executionId,
      name,
    ]);
    return rows.length > 0;
  }

  /** The state of the latest task of each name: what a reverse workflow's graph has done so far. */
  async taskStatesByName(): Promise<Map<string, ExecutionState>> {
    const states = new Map<string, ExecutionState>();
    if (!this.changes.isNew) {
      const rows: Array<{ name: string; state: ExecutionState }> = await this.manager.query(
        'SELECT DISTINCT ON (name) name, state FROM task_executions WHERE workflow_execution_id = $1 ORDER BY name, created_at DESC',
        [this.executionId],
      );
      for (const row of rows) states.set(row.name, row.state);
    }
    const latest = new Map<string, TaskExecutionEntity>();
    for (const task of this.changes.tasks.values()) {
      const known = latest.get(task.name);
      if (!known || task.createdAt >= known.createdAt) latest.set(task.name, task);
    }
    for (const [name, task] of latest) states.set(name, task.state);
    return states;
  }

  async hasAnyTask(): Promise<boolean> {
    if (this.changes.tasks.size > 0 || this.changes.isNew) return this.changes.tasks.size > 0;
    const rows: unknown[] = await this.manager.query(`SELECT 1 FROM task_executions WHERE workflow_execution_id = $1 LIMIT 1`, [this.executionId]);
    return rows.length > 0;
  }

  /** Jobs still due for this execution (e.g. a start job) mean it is not finished. */
  async hasDeferredWork(): Promise<boolean> {
    if (this.changes.newJobs.some((job) => job.workflowExecutionId === this.executionId && job.kind !== 'check_completion')) return true;
    if (this.changes.isNew) return false;
    const rows: unknown[] = await this.manager.query(
      `SELECT 1 FROM delayed_jobs WHERE workflow_execution_id = $1 AND kind = 'start_execution' AND NOT (id = ANY($2::bigint[])) LIMIT 1`,
      [this.executionId, this.changes.takenJobs],
    );
    return rows.length > 0;
  }

  /** Failed tasks no on-error transition handled, oldest first. */
  async unhandledFailures(): Promise<TaskExecutionEntity[]> {
    const stored = this.changes.isNew
      ? []
      : await this.manager.find(TaskExecutionEntity, {
          where: { workflowExecutionId: this.executionId, state: 'ERROR', errorHandled: false },
          order: { createdAt: 'ASC' },
        });
    const byId = new Map(stored.map((task) => [task.id, task]));
    for (const task of this.changes.tasks.values()) {
      if (task.state === 'ERROR' && !task.errorHandled) byId.set(task.id, task);
      else byId.delete(task.id);
    }
    return [...byId.values()];
  }

  /** The action runs of these tasks, oldest first. */
  async actionsOfTasks(taskIds: string[]): Promise<ActionExecutionEntity[]> {
    const ids = new Set(taskIds);
    if (this.changes.isNew) return [...this.changes.actions.values()].filter((action) => action.taskExecutionId !== null && ids.has(action.taskExecutionId));
    return this.manager.find(ActionExecutionEntity, { where: { taskExecutionId: In(taskIds) }, order: { createdAt: 'ASC' } });
  }

  /** Running actions of one task, cached in the unit of work. */
  async runningActionsOfTask(taskId: string): Promise<ActionExecutionEntity[]> {
    const running = await this.manager.find(ActionExecutionEntity, { where: { taskExecutionId: taskId, state: 'RUNNING' } });
    return running.map((action) => this.changes.keepAction(action));
  }

  /** Running actions of the execution stored by earlier transactions, cached in the unit of work. */
  async runningStoredActions(): Promise<ActionExecutionEntity[]> {
    const running = this.changes.isNew
      ? [...this.changes.actions.values()].filter((action) => action.state === 'RUNNING' && !this.changes.newActions.has(action.id))
      : await this.manager.find(ActionExecutionEntity, { where: { workflowExecutionId: this.executionId, state: 'RUNNING' } });
    return running.map((action) => this.changes.keepAction(action));
  }

  /** Deletes the job if it is still there; false when another transition applied it already. */
  async takeJob(jobId: string): Promise<boolean> {
    const deleted = await this.manager.query(`DELETE FROM delayed_jobs WHERE id = $1 RETURNING id`, [jobId]);
    // pg returns [rows, count] for DELETE ... RETURNING through TypeORM
    const rows = Array.isArray(deleted[0]) ? deleted[0] : deleted;
    if (rows.length > 0) this.changes.takenJobs.push(jobId);
    return rows.length > 0;
  }

  childExecution(id: string): Promise<WorkflowExecutionEntity | null> {
    return this.manager.findOne(WorkflowExecutionEntity, { where: { id } });
  }

  /** The execution that holds a task (a sub-workflow's parent). */
  async executionOfTask(taskId: string): Promise<string | undefined> {
    const rows: Array<{ workflow_execution_id: string }> = await this.manager.query(`SELECT workflow_execution_id FROM task_executions WHERE id = $1`, [taskId]);
    return rows[0]?.workflow_execution_id;
  }

  /** Sub-workflow executions of a task that have not ended. */
  async activeChildren(taskId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.manager.query(
      `SELECT id FROM workflow_executions WHERE task_execution_id = $1 AND state IN ('RUNNING', 'PAUSED', 'IDLE')`,
      [taskId],
    );
    return rows.map((row) => row.id);
  }
}
