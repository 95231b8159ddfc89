import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { noObservations, type RunObservations } from '../../metrics/run-observations';
import type { TaskSpec } from '../../workflows/language';
import { ActionExecutionEntity } from '../action-execution.entity';
import { DelayedJobEntity, type DelayedJobKind } from '../delayed-job.entity';
import type { ActionOutcome } from '../engine-events';
import { isTerminal, type ExecutionState } from '../execution-states';
import { TaskExecutionEntity, type TaskRuntimeContext } from '../task-execution.entity';
import { WorkflowExecutionEntity } from '../workflow-execution.entity';
import type { AfterCommit } from './after-commit';
import type { StartedRows } from './started-rows';

/** Who holds the leases and claims of what a run creates. */
export interface RunOwner {
  instanceId: string;
  leaseSeconds: number;
}

const now = (): Date => new Date();
const addSeconds = (date: Date, seconds: number): Date => new Date(date.getTime() + seconds * 1000);
/** Rows per INSERT: 19 columns a task row, well under PostgreSQL's 65,535 parameters a statement. */
const ROWS_PER_INSERT = 500;

/**
 * The unit of work of one transition: every row of the execution the run loaded, created or
 * changed, and `flush`, which writes them. Rows created and finished in the same transaction are
 * inserted once, finished. A new execution (`isNew`) has all its rows here, so reads of earlier
 * transactions can be skipped.
 */
export class RunChanges {
  readonly afterCommit: AfterCommit = { actions: [], jobs: [], abort: [] };
  readonly tasks = new Map<string, TaskExecutionEntity>();
  readonly actions = new Map<string, ActionExecutionEntity>();
  readonly newTasks = new Set<string>();
  readonly newActions = new Set<string>();
  readonly newJobs: DelayedJobEntity[] = [];
  /** jobs applied (deleted) in this transaction */
  readonly takenJobs: string[] = [];
  private readonly dirtyTasks = new Set<string>();
  private readonly dirtyActions = new Set<string>();
  private readonly newExecutions: WorkflowExecutionEntity[] = [];
  private executionDirty = false;
  /** the execution had ended before this transaction: it ends (for the metrics) only when re-run later */
  private readonly endedBefore: boolean;
  private observed = false;
  /** tasks and actions this transaction ended, for the metrics */
  private readonly endedTasks = new Map<string, TaskExecutionEntity>();
  private readonly endedActions = new Map<string, ActionExecutionEntity>();
  /** the created_at of the last task this transition made */
  private lastTaskCreatedAt = 0;
  private inserted = false;

  constructor(
    readonly execution: WorkflowExecutionEntity,
    private readonly owner: RunOwner,
    /** the execution was created in this transaction and is not stored yet */
    public isNew: boolean,
  ) {
    this.endedBefore = !isNew && isTerminal(execution.state);
    if (isNew) this.afterCommit.observed = { ...noObservations(), started: [execution.workflowName] };
  }

  markExecution(): void {
    this.executionDirty = true;
  }

  newTask(spec: TaskSpec, state: ExecutionState): TaskExecutionEntity {
    // strictly after the previous task of this transition: the tasks it starts together would
    // otherwise share one millisecond, and lists (by created_at, then id) show them out of order
    this.lastTaskCreatedAt = Math.max(Date.now(), this.lastTaskCreatedAt + 1);
    const at = new Date(this.lastTaskCreatedAt);
    const exec = this.execution;
    const task = Object.assign(new TaskExecutionEntity(), {
      id: randomUUID(),
      workflowExecutionId: exec.id,
      workflowId: exec.workflowId,
      workflowName: exec.workflowName,
      workflowNamespace: exec.workflowNamespace,
      projectId: exec.projectId,
      name: spec.name,
      type: spec.kind === 'workflow' ? 'WORKFLOW' : 'ACTION',
      state,
      stateInfo: null,
      result: null,
      published: {},
      runtimeContext: {} as TaskRuntimeContext,
      processed: false,
      errorHandled: false,
      createdAt: at,
      updatedAt: at,
      startedAt: null,
      finishedAt: null,
    } satisfies Partial<TaskExecutionEntity>);
    this.tasks.set(task.id, task);
    this.newTasks.add(task.id);
    return task;
  }

  /** A task of an earlier transaction, now part of this one (cached). */
  keepTask(task: TaskExecutionEntity): TaskExecutionEntity {
    const cached = this.tasks.get(task.id);
    if (cached) return cached;
    this.tasks.set(task.id, task);
    return task;
  }

  setTaskState(task: TaskExecutionEntity, state: ExecutionState): void {
    task.state = state;
    this.touchTask(task);
  }

  finishTask(task: TaskExecutionEntity, state: ExecutionState, stateInfo: string | null): void {
    task.state = state;
    task.stateInfo = stateInfo;
    task.finishedAt = now();
    this.touchTask(task);
    this.endedTasks.set(task.id, task);
  }

  touchTask(task: TaskExecutionEntity): void {
    task.updatedAt = now();
    this.dirtyTasks.add(task.id);
  }

  newAction(task: TaskExecutionEntity, name: string, input: Record<string, unknown>, itemIndex: number | null): ActionExecutionEntity {
    const at = now();
    const exec = this.execution;
    const action = Object.assign(new ActionExecutionEntity(), {
      id: randomUUID(),
      taskExecutionId: task.id,
      workflowExecutionId: exec.id,
      workflowName: exec.workflowName,
      workflowNamespace: exec.workflowNamespace,
      taskName: task.name,
      projectId: exec.projectId,
      name,
      description: '',
      state: 'RUNNING' as ExecutionState,
      stateInfo: null,
      accepted: false,
      input,
      output: null,
      itemIndex,
      attempt: task.runtimeContext.retry_no ?? 0,
      leaseOwner: this.owner.instanceId,
      leaseExpiresAt: addSeconds(at, this.owner.leaseSeconds),
      createdAt: at,
      updatedAt: at,
    } satisfies Partial<ActionExecutionEntity>);
    this.actions.set(action.id, action);
    this.newActions.add(action.id);
    return action;
  }

  /** An action of an earlier transaction, now part of this one (cached). */
  keepAction(action: ActionExecutionEntity): ActionExecutionEntity {
    const cached = this.actions.get(action.id);
    if (cached) return cached;
    this.actions.set(action.id, action);
    return action;
  }

  endAction(action: ActionExecutionEntity, outcome: ActionOutcome): void {
    action.state = outcome.ok ? 'SUCCESS' : 'ERROR';
    action.stateInfo = outcome.ok ? null : outcome.message;
    action.output = { result: outcome.ok ? outcome.result : outcome.error };
    action.accepted = true;
    action.leaseOwner = null;
    action.leaseExpiresAt = null;
    action.updatedAt = now();
    this.dirtyActions.add(action.id);
    this.endedActions.set(action.id, action);
  }

  cancelAction(action: ActionExecutionEntity, reason: string): void {
    action.state = 'CANCELLED';
    action.stateInfo = reason;
    action.leaseOwner = null;
    action.leaseExpiresAt = null;
    action.updatedAt = now();
    this.dirtyActions.add(action.id);
    this.endedActions.set(action.id, action);
  }

  /** An asynchronous action waits for its result: no instance holds it. */
  releaseLease(action: ActionExecutionEntity): void {
    action.leaseOwner = null;
    action.leaseExpiresAt = null;
    action.updatedAt = now();
    this.dirtyActions.add(action.id);
  }

  /** Takes over an orphaned action's lease to run it again. */
  leaseAgain(action: ActionExecutionEntity): void {
    action.attempt += 1;
    action.leaseOwner = this.owner.instanceId;
    action.leaseExpiresAt = addSeconds(now(), this.owner.leaseSeconds);
    action.updatedAt = now();
    this.dirtyActions.add(action.id);
  }

  newChildExecution(child: WorkflowExecutionEntity): void {
    this.newExecutions.push(child);
    (this.afterCommit.observed ??= noObservations()).started.push(child.workflowName);
  }

  /** A job for this execution (or another one, e.g. the parent), due in `seconds`. */
  addJob(kind: DelayedJobKind, payload: Record<string, unknown>, seconds: number, executionId = this.execution.id): void {
    const runAt = addSeconds(now(), seconds);
    const job = Object.assign(new DelayedJobEntity(), {
      workflowExecutionId: executionId,
      kind,
      payload,
      runAt,
      // claimed by this instance, which runs it at its time; if this instance dies, the claim
      // lapses and another instance's poller takes it
      claimedBy: this.owner.instanceId,
      claimedUntil: addSeconds(runAt, this.owner.leaseSeconds),
    });
    this.newJobs.push(job);
  }

  /** What this transaction did, for the metrics; handed over with afterCommit and recorded once it committed. */
  private observe(): void {
    if (this.observed) return;
    this.observed = true;
    const observed = (this.afterCommit.observed ??= noObservations());
    const exec = this.execution;
    if (isTerminal(exec.state) && !this.endedBefore) observed.finished.push({ workflow: exec.workflowName, state: exec.state });
    for (const task of this.endedTasks.values()) {
      const spec = exec.spec.tasks?.[task.name];
      const action = task.type === 'WORKFLOW' ? 'workflow' : (spec?.action ?? 'unknown');
      const seconds = ((task.finishedAt ?? now()).getTime() - (task.startedAt ?? task.createdAt).getTime()) / 1000;
      observed.tasks.push({ action, state: task.state, seconds });
    }
    for (const action of this.endedActions.values()) {
      observed.actions.push({ action: action.name, state: action.state, seconds: ((action.updatedAt ?? now()).getTime() - action.createdAt.getTime()) / 1000 });
    }
  }

  /** The new rows among `rows`, without building a copy of a list that may be 100,000s long. */
  private *newItems<T>(ids: Set<string>, rows: Map<string, T>): Iterable<T> {
    for (const id of ids) yield rows.get(id)!;
  }

  /** Writes every change of this transaction; a new execution's rows go to `started` when given (a batch of starts). */
  async flush(manager: EntityManager, started?: StartedRows): Promise<void> {
    this.observe();
    if (this.isNew && started) {
      this.isNew = false;
      started.add({
        execution: this.execution,
        children: this.newExecutions,
        tasks: this.newItems(this.newTasks, this.tasks),
        actions: this.newItems(this.newActions, this.actions),
        jobs: this.newJobs,
        after: this.afterCommit,
      });
      return;
    }
    if (this.isNew) {
      // a new execution is written once, as it stands at the end of its first transition
      this.isNew = false;
      this.executionDirty = false;
      await manager.insert(WorkflowExecutionEntity, this.execution as unknown as QueryDeepPartialEntity<WorkflowExecutionEntity>);
      this.inserted = true;
    }
    // in groups: one INSERT of thousands of rows would pass PostgreSQL's 65,535 parameters
    for (let i = 0; i < this.newExecutions.length; i += ROWS_PER_INSERT) {
      await manager.insert(WorkflowExecutionEntity, this.newExecutions.slice(i, i + ROWS_PER_INSERT) as QueryDeepPartialEntity<WorkflowExecutionEntity>[]);
    }
    const taskInserts = [...this.newTasks].map((id) => this.tasks.get(id)!);
    for (let i = 0; i < taskInserts.length; i += ROWS_PER_INSERT) {
      await manager.insert(TaskExecutionEntity, taskInserts.slice(i, i + ROWS_PER_INSERT) as QueryDeepPartialEntity<TaskExecutionEntity>[]);
    }
    for (const id of this.dirtyTasks) {
      if (this.newTasks.has(id)) continue;
      const task = this.tasks.get(id)!;
      await manager.update(TaskExecutionEntity, id, {
        state: task.state,
        stateInfo: task.stateInfo,
        result: task.result as object,
        published: task.published,
        runtimeContext: task.runtimeContext,
        processed: task.processed,
        errorHandled: task.errorHandled,
        updatedAt: task.updatedAt,
        startedAt: task.startedAt,
        finishedAt: task.finishedAt,
      } as QueryDeepPartialEntity<TaskExecutionEntity>);
    }
    const actionInserts = [...this.newActions].map((id) => this.actions.get(id)!);
    for (let i = 0; i < actionInserts.length; i += ROWS_PER_INSERT) {
      await manager.insert(ActionExecutionEntity, actionInserts.slice(i, i + ROWS_PER_INSERT) as QueryDeepPartialEntity<ActionExecutionEntity>[]);
    }
    for (const id of this.dirtyActions) {
      if (this.newActions.has(id)) continue;
      const action = this.actions.get(id)!;
      await manager.update(ActionExecutionEntity, id, {
        state: action.state,
        stateInfo: action.stateInfo,
        output: action.output as object,
        accepted: action.accepted,
        attempt: action.attempt,
        leaseOwner: action.leaseOwner,
        leaseExpiresAt: action.leaseExpiresAt,
        updatedAt: action.updatedAt,
      } as QueryDeepPartialEntity<ActionExecutionEntity>);
    }
    if (this.newJobs.length > 0) {
      const saved = await manager.save(DelayedJobEntity, this.newJobs);
      for (const job of saved) if (job.claimedBy === this.owner.instanceId) this.afterCommit.jobs.push(job);
    }
    if (!this.inserted && (this.executionDirty || taskInserts.length > 0 || this.dirtyTasks.size > 0)) {
      this.execution.updatedAt = now();
      await manager.update(WorkflowExecutionEntity, this.execution.id, {
        state: this.execution.state,
        stateInfo: this.execution.stateInfo,
        output: this.execution.output as object,
        context: this.execution.context,
        params: this.execution.params,
        updatedAt: this.execution.updatedAt,
      } as QueryDeepPartialEntity<WorkflowExecutionEntity>);
    }
    if (this.newJobs.some((job) => job.claimedBy === null)) await manager.query(`NOTIFY sirocco_jobs`);
  }
}
