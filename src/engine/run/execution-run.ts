import type { EntityManager } from 'typeorm';
import type { DelayedJobKind } from '../delayed-job.entity';
import type { EngineEvent } from '../engine-events';
import { ACTIVE_TASK_STATES, ENV_UPDATABLE_STATES, isTerminal } from '../execution-states';
import type { TaskExecutionEntity } from '../task-execution.entity';
import type { WorkflowExecutionEntity } from '../workflow-execution.entity';
import { errorMessage } from './action-outcome';
import type { AfterCommit } from './after-commit';
import { RunChanges } from './run-changes';
import type { ExecutionRunDeps, RunControl, RunParts } from './run-parts';
import { RunReads } from './run-reads';
import { readyTasks, targetTask } from './reverse-graph';
import { RunScope } from './run-scope';
import type { StartedRows } from './started-rows';
import { failureSummary, prepareItemsRerun, transitionsAfterSkip } from './task-rules';
import { TaskRunner } from './task-runner';

/**
 * One transaction's worth of engine work on one workflow execution, holding its row lock: the
 * Mistral state machine at the level of the execution (start, events, commands, completion).
 * Tasks are TaskRunner's, the rules task-rules', the rows RunChanges' (written at flush) and
 * RunReads' (what earlier transactions stored).
 */
export class ExecutionRun implements RunControl {
  private readonly changes: RunChanges;
  private readonly reads: RunReads;
  private readonly scope: RunScope;
  private readonly tasks: TaskRunner;
  /** work items run one after another, so a long chain of instant tasks needs no deep recursion */
  private readonly work: Array<() => Promise<void>> = [];

  private constructor(
    private readonly manager: EntityManager,
    readonly execution: WorkflowExecutionEntity,
    deps: ExecutionRunDeps,
    isNew: boolean,
  ) {
    this.changes = new RunChanges(execution, { instanceId: deps.instanceId, leaseSeconds: deps.leaseSeconds }, isNew);
    this.reads = new RunReads(manager, this.changes);
    this.scope = new RunScope(deps.evaluator, execution, this.reads);
    const parts: RunParts = { execution, spec: execution.spec, changes: this.changes, reads: this.reads, scope: this.scope, deps };
    this.tasks = new TaskRunner(parts, this);
  }

  /** A run of a new execution, not yet stored: flush() inserts it as the first transition left it. */
  static forNew(manager: EntityManager, execution: WorkflowExecutionEntity, deps: ExecutionRunDeps): ExecutionRun {
    return new ExecutionRun(manager, execution, deps, true);
  }

  /** Locks the execution row; undefined when it does not exist (deleted). */
  static async open(manager: EntityManager, executionId: string, deps: ExecutionRunDeps): Promise<ExecutionRun | undefined> {
    const locked = await RunReads.lockExecution(manager, executionId, deps.specs);
    if (!locked) return undefined;
    const run = new ExecutionRun(manager, locked.execution, deps, false);
    for (const task of locked.activeTasks) run.changes.keepTask(task);
    return run;
  }

  get afterCommit(): AfterCommit {
    return this.changes.afterCommit;
  }

  async apply(event: EngineEvent): Promise<void> {
    switch (event.kind) {
      case 'job':
        if (await this.reads.takeJob(event.jobId)) await this.applyJob(event.jobKind, event.payload);
        break;
      case 'action_finished':
        await this.tasks.onActionFinished(event.actionExecutionId, event.outcome);
        break;
      case 'action_waiting':
        await this.tasks.onActionWaiting(event.actionExecutionId);
        break;
      case 'action_orphaned':
        await this.tasks.onActionOrphaned(event.actionExecutionId);
        break;
      case 'pause':
        this.pause(null);
        break;
      case 'resume':
        if (event.env && this.execution.state === 'PAUSED') this.updateEnv(event.env);
        await this.resume();
        break;
      case 'update_env':
        this.updateEnv(event.env);
        break;
      case 'cancel':
        await this.stopExecution('CANCELLED', event.stateInfo);
        break;
      case 'force_state':
        await this.forceState(event.state, event.stateInfo);
        break;
      case 'rerun_task':
        if (event.env) this.updateEnv(event.env);
        await this.rerunTask(event.taskExecutionId, event.reset);
        break;
      case 'skip_task':
        await this.skipTask(event.taskExecutionId);
        break;
    }
    await this.drainWork();
  }

  /** Starts a new execution in the transaction that created it (see WorkflowEngine.startInTransaction). */
  async start(): Promise<void> {
    await this.startExecution();
    await this.drainWork();
  }

  /** Ends the execution when nothing is left to do. Called once per batch, before flush. */
  async checkCompletion(): Promise<void> {
    if (this.execution.state !== 'RUNNING') return;
    const active = [...this.changes.tasks.values()].filter((task) => ACTIVE_TASK_STATES.includes(task.state));
    if (active.some((task) => task.state !== 'WAITING')) return;
    // Only joins that can no longer be satisfied are left waiting.
    for (const join of active) {
      const arrived = join.runtimeContext.join_arrivals?.length ?? 0;
      this.changes.finishTask(join, 'ERROR', `join could not complete: ${arrived} of its inbound tasks reached it`);
      join.processed = true;
    }
    if (await this.reads.hasDeferredWork()) return;
    const failed = await this.reads.unhandledFailures();
    if (failed.length === 0) {
      await this.finishExecution('SUCCESS', null);
      return;
    }
    const actions = await this.reads.actionsOfTasks(failed.map((task) => task.id));
    await this.finishExecution('ERROR', failureSummary(failed, (taskId) => actions.filter((action) => action.taskExecutionId === taskId)));
  }

  /** Writes every change of this transaction (a new execution's rows into `started`, when given). */
  flush(started?: StartedRows): Promise<void> {
    return this.changes.flush(this.manager, started);
  }

  // ---- RunControl: what task steps ask of the execution ----------------------------------------

  queue(step: () => Promise<void>): void {
    this.work.push(step);
  }

  arrive(name: string, from: string | null): Promise<void> {
    return this.tasks.arrive(name, from);
  }

  runTask(task: TaskExecutionEntity): Promise<void> {
    return this.tasks.runTask(task);
  }

  /** Reverse workflows: the tasks the target needs whose requirements are met start (together). */
  async advanceReverse(): Promise<void> {
    const { spec, params } = this.execution;
    if (this.execution.state !== 'RUNNING' && this.execution.state !== 'PAUSED') return;
    let target: string;
    try {
      target = targetTask(spec, params);
    } catch (error) {
      // checked when the execution was asked for; a trigger's or a sub-workflow's may still lack it
      await this.finishExecution('ERROR', errorMessage(error));
      return;
    }
    // started here, not queued: a later step must see them started
    for (const name of readyTasks(spec, target, await this.reads.taskStatesByName())) await this.tasks.arrive(name, null);
  }

  /** Ends the execution with its output (or output-on-error); tells the parent task, if any. */
  async finishExecution(state: 'SUCCESS' | 'ERROR', stateInfo: string | null): Promise<void> {
    const exec = this.execution;
    if (isTerminal(exec.state)) return;
    exec.state = state;
    exec.stateInfo = stateInfo;
    const outputSpec = state === 'SUCCESS' ? exec.spec.output : exec.spec.outputOnError;
    try {
      if (outputSpec !== undefined) exec.output = await this.scope.renderForExecution(outputSpec, state === 'SUCCESS' ? 'output' : 'output-on-error');
      else exec.output = state === 'SUCCESS' ? { ...exec.context } : { result: stateInfo };
    } catch (error) {
      exec.state = 'ERROR';
      exec.stateInfo = errorMessage(error);
      exec.output = { result: exec.stateInfo };
    }
    this.changes.markExecution();
    await this.settleLeftovers();
    await this.tellParent();
  }

  /** fail command, cancel, or PUT ERROR: the execution stops; running work is abandoned. */
  async stopExecution(state: 'ERROR' | 'CANCELLED', stateInfo: string | null): Promise<void> {
    if (isTerminal(this.execution.state)) return;
    if (state === 'ERROR') {
      await this.finishExecution('ERROR', stateInfo);
      return;
    }
    this.execution.state = 'CANCELLED';
    this.execution.stateInfo = stateInfo;
    this.changes.markExecution();
    await this.settleLeftovers();
    await this.tellParent();
  }

  pause(stateInfo: string | null): void {
    if (this.execution.state !== 'RUNNING') return;
    this.execution.state = 'PAUSED';
    this.execution.stateInfo = stateInfo;
    this.changes.markExecution();
  }

  async cancelChildren(task: TaskExecutionEntity, reason: string): Promise<void> {
    if (task.type !== 'WORKFLOW') return;
    for (const child of await this.reads.activeChildren(task.id)) this.changes.addJob('cancel_execution', { stateInfo: reason }, 0, child);
  }

  // ---- the execution's own steps ------------------------------------------------------------------

  private async applyJob(kind: DelayedJobKind, payload: Record<string, unknown>): Promise<void> {
    const task = typeof payload.taskExecutionId === 'string' ? await this.reads.task(payload.taskExecutionId) : undefined;
    switch (kind) {
      case 'start_execution':
        return this.startExecution();
      case 'run_task':
        if (task && task.state === 'RUNNING_DELAYED') this.queue(() => this.tasks.runTask(task));
        return;
      case 'complete_task': {
        const outcome = task?.runtimeContext.pending_outcome;
        if (task && task.state === 'RUNNING_DELAYED' && outcome) {
          delete task.runtimeContext.pending_outcome;
          this.queue(() => this.tasks.completion.completeTask(task, outcome.ok, outcome.result, outcome.ok ? null : errorMessage(outcome.result)));
        }
        return;
      }
      case 'task_timeout':
        if (task && task.state === 'RUNNING' && (task.runtimeContext.retry_no ?? 0) === Number(payload.attempt ?? 0)) {
          await this.tasks.timeOutTask(task, Number(payload.seconds));
        }
        return;
      case 'child_finished':
        return this.tasks.onChildFinished(String(payload.childExecutionId));
      case 'cancel_execution':
        return this.stopExecution('CANCELLED', (payload.stateInfo as string | null) ?? null);
      case 'check_completion':
        return;
    }
  }

  private async startExecution(): Promise<void> {
    if (this.execution.state !== 'RUNNING' || (await this.reads.hasAnyTask())) return;
    try {
      const vars = (await this.scope.renderForExecution(this.execution.spec.vars, 'vars')) as Record<string, unknown>;
      this.execution.context = { ...this.execution.context, ...vars };
      this.changes.markExecution();
    } catch (error) {
      await this.finishExecution('ERROR', errorMessage(error));
      return;
    }
    if (this.execution.spec.type === 'reverse') this.queue(() => this.advanceReverse());
    else for (const name of this.execution.spec.startTasks) this.queue(() => this.tasks.arrive(name, null));
  }

  /** The parent's task learns that this sub-workflow ended. */
  private async tellParent(): Promise<void> {
    if (!this.execution.taskExecutionId) return;
    const parent = await this.reads.executionOfTask(this.execution.taskExecutionId);
    if (parent) this.changes.addJob('child_finished', { childExecutionId: this.execution.id }, 0, parent);
  }

  /** Nothing stays RUNNING: unfinished tasks and actions of a finished execution are cancelled. */
  private async settleLeftovers(): Promise<void> {
    const reason = `workflow execution ended ${this.execution.state}`;
    for (const task of this.changes.tasks.values()) {
      if (!ACTIVE_TASK_STATES.includes(task.state)) continue;
      this.changes.finishTask(task, 'CANCELLED', reason);
      task.processed = true;
      await this.cancelChildren(task, reason);
    }
    for (const action of await this.reads.runningStoredActions()) {
      if (action.state !== 'RUNNING') continue; // ended earlier in this transition, not yet written
      this.changes.cancelAction(action, reason);
      this.afterCommit.abort.push(action.id);
    }
    for (const action of this.afterCommit.actions) {
      if (action.workflowExecutionId === this.execution.id && action.state === 'RUNNING') this.changes.cancelAction(action, reason);
    }
    this.afterCommit.actions = this.afterCommit.actions.filter((action) => action.state === 'RUNNING');
    this.work.length = 0;
  }

  // ---- state changes from the API -------------------------------------------------------------

  private async resume(): Promise<void> {
    if (this.execution.state !== 'PAUSED') return;
    this.execution.state = 'RUNNING';
    this.execution.stateInfo = null;
    this.changes.markExecution();
    // paused before its start job ran (a sub-workflow paused with its parent): start it now
    if (!(await this.reads.hasAnyTask())) await this.startExecution();
    for (const task of [...this.changes.tasks.values()]) {
      if (!task.runtimeContext.deferred) continue;
      // IDLE: not started yet (pause-before, or created while paused); RUNNING_DELAYED: its wait ended while paused
      if (task.state === 'IDLE') this.queue(() => this.tasks.startTask(task));
      else if (task.state === 'RUNNING_DELAYED') this.queue(() => this.tasks.runTask(task));
      else continue;
      delete task.runtimeContext.deferred;
      this.changes.touchTask(task);
    }
  }

  /** Mistral's rule: the environment changes only while nothing runs (IDLE, PAUSED or ERROR); merged key by key. */
  private updateEnv(env: Record<string, unknown>): void {
    if (!ENV_UPDATABLE_STATES.includes(this.execution.state)) return;
    const params = this.execution.params;
    this.execution.params = { ...params, env: mergeDeep((params.env as Record<string, unknown> | undefined) ?? {}, env) };
    this.changes.markExecution();
  }

  private async forceState(state: 'SUCCESS' | 'ERROR', stateInfo: string | null): Promise<void> {
    if (isTerminal(this.execution.state)) return;
    await this.finishExecution(state, stateInfo);
    await this.settleLeftovers();
  }

  private async rerunTask(taskId: string, reset: boolean): Promise<void> {
    const task = await this.reads.task(taskId);
    if (!task || task.state !== 'ERROR') return;
    const items = task.runtimeContext.with_items;
    if (reset || !items || !prepareItemsRerun(items)) delete task.runtimeContext.with_items;
    task.runtimeContext.retry_no = 0;
    task.processed = false;
    task.errorHandled = false;
    task.finishedAt = null;
    task.stateInfo = null;
    this.reopen();
    this.changes.setTaskState(task, 'RUNNING_DELAYED');
    this.queue(() => this.tasks.runTask(task));
  }

  private async skipTask(taskId: string): Promise<void> {
    const task = await this.reads.task(taskId);
    if (!task || task.state !== 'ERROR') return;
    this.reopen();
    this.changes.finishTask(task, 'SKIPPED', null);
    if (this.execution.spec.type === 'reverse') this.queue(() => this.advanceReverse());
    else for (const target of transitionsAfterSkip(this.execution.spec.tasks[task.name])) this.queue(() => this.tasks.arrive(target, task.name));
  }

  /** A command on a task of an ended execution runs the execution again. */
  private reopen(): void {
    if (!isTerminal(this.execution.state)) return;
    this.execution.state = 'RUNNING';
    this.execution.stateInfo = null;
    this.execution.output = null;
    this.changes.markExecution();
  }

  private async drainWork(): Promise<void> {
    while (this.work.length > 0) {
      const step = this.work.shift()!;
      await step();
    }
  }
}

/** `base` with `changes` merged in: objects key by key, anything else replaced. */
function mergeDeep(base: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    const old = merged[key];
    const bothObjects = [old, value].every((item) => item !== null && typeof item === 'object' && !Array.isArray(item));
    const next = bothObjects ? mergeDeep(old as Record<string, unknown>, value as Record<string, unknown>) : value;
    // defined, not assigned: a key named __proto__ stays a plain key
    Object.defineProperty(merged, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return merged;
}
