import { randomUUID } from 'node:crypto';
import { EntityManager, In } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { ActionCatalog } from '../actions/action-catalog';
import { ActionFailure, ActionInputError, type ActionHandler } from '../actions/action.types';
import type { ExpressionEvaluator } from '../expressions/expression-evaluator';
import type { EvaluationSite, ExpressionScope, TaskView } from '../expressions/expression-scope';
import type { TaskSpec, Transition, WorkflowSpec } from '../workflows/language';
import { ActionExecutionEntity } from './action-execution.entity';
import { boundedSeconds, checkWithItemsCount, type RunLimits } from './run-limits';
import { DelayedJobEntity, type DelayedJobKind } from './delayed-job.entity';
import type { ActionOutcome, EngineEvent } from './engine-events';
import { ACTIVE_TASK_STATES, type ExecutionState, isTerminal } from './execution-states';
import { TaskExecutionEntity, type TaskRuntimeContext } from './task-execution.entity';
import { WorkflowExecutionEntity } from './workflow-execution.entity';

/** What the engine needs from its surroundings while it applies events. */
export interface ExecutionRunDeps {
  evaluator: ExpressionEvaluator;
  actions: ActionCatalog;
  instanceId: string;
  leaseSeconds: number;
  /** instant actions run inside the transaction up to this many per batch; the rest are dispatched */
  maxInlineActions: number;
  limits: RunLimits;
}

/** Work to hand over once the transaction committed. */
export interface AfterCommit {
  /** actions this instance runs now (it holds their lease) */
  actions: ActionExecutionEntity[];
  /** jobs this instance claimed: run them at their time */
  jobs: DelayedJobEntity[];
  /** actions to abort (their task timed out or the execution was cancelled) */
  abort: string[];
}

const now = (): Date => new Date();
const addSeconds = (date: Date, seconds: number): Date => new Date(date.getTime() + seconds * 1000);

/** Mistral's message for a failed workflow, listing each failed task and its action runs. */
function failureSummary(tasks: TaskExecutionEntity[], actionsByTask: Map<string, ActionExecutionEntity[]>): string {
  const names = tasks.map((task) => task.name).join(', ');
  let text = `Failure caused by error in tasks: ${names}\n\n`;
  for (const task of tasks) {
    text += `  ${task.name} [task_ex_id=${task.id}] -> ${task.stateInfo ?? ''}\n`;
    for (const action of actionsByTask.get(task.id) ?? []) {
      if (action.state !== 'ERROR') continue;
      text += `    [action_ex_id=${action.id}, idx=${action.itemIndex ?? 0}]: ${action.stateInfo ?? ''}\n`;
    }
  }
  return text;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/**
 * One transaction's worth of engine work on one workflow execution, holding its row lock: loads
 * what it needs, applies events (the Mistral state machine), and writes every change at flush.
 * Tasks and actions created and finished in the same transaction are inserted once, finished.
 */
export class ExecutionRun {
  readonly afterCommit: AfterCommit = { actions: [], jobs: [], abort: [] };
  private readonly tasks = new Map<string, TaskExecutionEntity>();
  private readonly newTasks = new Set<string>();
  private readonly dirtyTasks = new Set<string>();
  private readonly actionsById = new Map<string, ActionExecutionEntity>();
  private readonly newActions = new Set<string>();
  private readonly dirtyActions = new Set<string>();
  private readonly newJobs: DelayedJobEntity[] = [];
  private readonly deletedJobs: string[] = [];
  private readonly newExecutions: WorkflowExecutionEntity[] = [];
  /** work items run one after another, so a long chain of instant tasks needs no deep recursion */
  private readonly work: Array<() => Promise<void>> = [];
  private inlineActions = 0;
  private executionDirty = false;
  private readonly spec: WorkflowSpec;

  private constructor(
    private readonly manager: EntityManager,
    readonly execution: WorkflowExecutionEntity,
    private readonly deps: ExecutionRunDeps,
  ) {
    this.spec = execution.spec;
  }

  /**
   * True while the execution was created in this very transaction: then every row it has is in
   * memory, and the reads that look for rows of earlier transactions are skipped.
   */
  private fresh = false;
  private freshInserted = false;

  /** A run of a new execution, not yet stored: flush() inserts it as the first transition left it. */
  static forNew(manager: EntityManager, execution: WorkflowExecutionEntity, deps: ExecutionRunDeps): ExecutionRun {
    const run = new ExecutionRun(manager, execution, deps);
    run.fresh = true;
    return run;
  }

  /** Locks the execution row; undefined when it does not exist (deleted). */
  static async open(manager: EntityManager, executionId: string, deps: ExecutionRunDeps): Promise<ExecutionRun | undefined> {
    const execution = await manager.findOne(WorkflowExecutionEntity, {
      where: { id: executionId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!execution) return undefined;
    const run = new ExecutionRun(manager, execution, deps);
    const active = await manager.find(TaskExecutionEntity, {
      where: { workflowExecutionId: executionId, state: In([...ACTIVE_TASK_STATES]) },
    });
    for (const task of active) run.tasks.set(task.id, task);
    return run;
  }

  async apply(event: EngineEvent): Promise<void> {
    switch (event.kind) {
      case 'job':
        if (!(await this.takeJob(event.jobId))) return;
        await this.applyJob(event.jobKind, event.payload);
        break;
      case 'action_finished':
        await this.onActionFinished(event.actionExecutionId, event.outcome);
        break;
      case 'action_orphaned':
        await this.onActionOrphaned(event.actionExecutionId);
        break;
      case 'pause':
        this.pause(null);
        break;
      case 'resume':
        await this.resume();
        break;
      case 'cancel':
        await this.stopExecution('CANCELLED', event.stateInfo);
        break;
      case 'force_state':
        await this.forceState(event.state, event.stateInfo);
        break;
      case 'rerun_task':
        await this.rerunTask(event.taskExecutionId, event.reset);
        break;
      case 'skip_task':
        await this.skipTask(event.taskExecutionId);
        break;
    }
    await this.drainWork();
  }

  /** Ends the execution when nothing is left to do. Called once per batch, before flush. */
  async checkCompletion(): Promise<void> {
    if (this.execution.state !== 'RUNNING') return;
    const active = [...this.tasks.values()].filter((task) => ACTIVE_TASK_STATES.includes(task.state));
    if (active.some((task) => task.state !== 'WAITING')) return;
    // Only joins that can no longer be satisfied are left waiting.
    for (const join of active) {
      const arrived = join.runtimeContext.join_arrivals?.length ?? 0;
      this.finishTaskRow(join, 'ERROR', `join could not complete: ${arrived} of its inbound tasks reached it`);
      join.processed = true;
    }
    if (await this.hasDeferredWork()) return;
    const failed = await this.unhandledFailures();
    if (failed.length > 0) {
      const failedIds = new Set(failed.map((task) => task.id));
      const actions = this.fresh
        ? [...this.actionsById.values()].filter((action) => action.taskExecutionId !== null && failedIds.has(action.taskExecutionId))
        : await this.manager.find(ActionExecutionEntity, {
            where: { taskExecutionId: In([...failedIds]) },
            order: { createdAt: 'ASC' },
          });
      const byTask = new Map<string, ActionExecutionEntity[]>();
      for (const action of actions) byTask.set(action.taskExecutionId!, [...(byTask.get(action.taskExecutionId!) ?? []), action]);
      await this.finishExecution('ERROR', failureSummary(failed, byTask));
    } else {
      await this.finishExecution('SUCCESS', null);
    }
  }

  /** Writes every change of this transaction. */
  async flush(sink?: FreshRunSink): Promise<void> {
    const m = this.manager;
    if (this.fresh && sink) {
      // a new execution's rows, written with those of the other new executions of the transaction
      this.fresh = false;
      sink.executions.push(this.execution, ...this.newExecutions);
      for (const id of this.newTasks) sink.tasks.push(this.tasks.get(id)!);
      for (const id of this.newActions) sink.actions.push(this.actionsById.get(id)!); // no spread: with-items may make 100,000s
      for (const job of this.newJobs) sink.jobs.push({ job, after: this.afterCommit });
      return;
    }
    if (this.fresh) {
      // a new execution is written once, as it stands at the end of its first transition
      this.fresh = false;
      this.executionDirty = false;
      await m.insert(WorkflowExecutionEntity, this.execution as unknown as QueryDeepPartialEntity<WorkflowExecutionEntity>);
      this.freshInserted = true;
    }
    if (this.newExecutions.length > 0) await m.insert(WorkflowExecutionEntity, this.newExecutions as QueryDeepPartialEntity<WorkflowExecutionEntity>[]);
    const inserts = [...this.newTasks].map((id) => this.tasks.get(id)!);
    if (inserts.length > 0) await m.insert(TaskExecutionEntity, inserts as QueryDeepPartialEntity<TaskExecutionEntity>[]);
    for (const id of this.dirtyTasks) {
      if (this.newTasks.has(id)) continue;
      const task = this.tasks.get(id)!;
      await m.update(TaskExecutionEntity, id, {
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
    const actionInserts = [...this.newActions].map((id) => this.actionsById.get(id)!);
    for (let i = 0; i < actionInserts.length; i += 500) await m.insert(ActionExecutionEntity, actionInserts.slice(i, i + 500) as QueryDeepPartialEntity<ActionExecutionEntity>[]);
    for (const id of this.dirtyActions) {
      if (this.newActions.has(id)) continue;
      const action = this.actionsById.get(id)!;
      await m.update(ActionExecutionEntity, id, {
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
      const saved = await m.save(DelayedJobEntity, this.newJobs);
      for (const job of saved) if (job.claimedBy === this.deps.instanceId) this.afterCommit.jobs.push(job);
    }
    if (!this.freshInserted && (this.executionDirty || inserts.length > 0 || this.dirtyTasks.size > 0)) {
      this.execution.updatedAt = now();
      await m.update(WorkflowExecutionEntity, this.execution.id, {
        state: this.execution.state,
        stateInfo: this.execution.stateInfo,
        output: this.execution.output as object,
        context: this.execution.context,
        updatedAt: this.execution.updatedAt,
      } as QueryDeepPartialEntity<WorkflowExecutionEntity>);
    }
    if (this.newJobs.some((job) => job.claimedBy === null)) await m.query(`NOTIFY sirocco_jobs`);
  }

  // ---- starting -------------------------------------------------------------------------------

  private async applyJob(kind: DelayedJobKind, payload: Record<string, unknown>): Promise<void> {
    switch (kind) {
      case 'start_execution':
        await this.startExecution();
        return;
      case 'run_task': {
        const task = await this.taskById(String(payload.taskExecutionId));
        if (task && task.state === 'RUNNING_DELAYED') this.queue(() => this.runTask(task));
        return;
      }
      case 'complete_task': {
        const task = await this.taskById(String(payload.taskExecutionId));
        const outcome = task?.runtimeContext.pending_outcome;
        if (task && task.state === 'RUNNING_DELAYED' && outcome) {
          delete task.runtimeContext.pending_outcome;
          this.queue(() => this.completeTask(task, outcome.ok, outcome.result, outcome.ok ? null : errorMessage(outcome.result)));
        }
        return;
      }
      case 'task_timeout': {
        const task = await this.taskById(String(payload.taskExecutionId));
        const attempt = Number(payload.attempt ?? 0);
        if (task && task.state === 'RUNNING' && (task.runtimeContext.retry_no ?? 0) === attempt) {
          await this.timeOutTask(task, Number(payload.seconds));
        }
        return;
      }
      case 'child_finished':
        await this.onChildFinished(String(payload.childExecutionId));
        return;
      case 'cancel_execution':
        await this.stopExecution('CANCELLED', (payload.stateInfo as string | null) ?? null);
        return;
      case 'check_completion':
        return;
    }
  }

  /** Starts a new execution in the transaction that created it (see WorkflowEngine.startInTransaction). */
  async start(): Promise<void> {
    await this.startExecution();
    await this.drainWork();
  }

  private async startExecution(): Promise<void> {
    if (this.execution.state !== 'RUNNING' || (await this.hasAnyTask())) return;
    const scope = this.scope(undefined);
    try {
      const vars = (await this.deps.evaluator.render(this.spec.vars, scope, { field: 'vars' })) as Record<string, unknown>;
      this.execution.context = { ...this.execution.context, ...vars };
      this.executionDirty = true;
    } catch (error) {
      await this.finishExecution('ERROR', errorMessage(error));
      return;
    }
    if (this.spec.startTasks.length === 0) return;
    for (const name of this.spec.startTasks) this.queue(() => this.arrive(name, null));
  }

  /** A transition (or the start) leads to task `name`; `from` is the task it came from. */
  private async arrive(name: string, from: string | null): Promise<void> {
    const spec = this.spec.tasks[name];
    if (spec.join !== undefined) {
      let join = [...this.tasks.values()].find((task) => task.name === name && task.state === 'WAITING');
      // A join runs once: arrivals after it fired (the other branches of `join: one`) are ignored.
      if (!join && (await this.joinHasFired(name))) return;
      if (!join) {
        join = this.newTask(spec, 'WAITING');
        join.runtimeContext.join_arrivals = [];
      }
      const arrivals = join.runtimeContext.join_arrivals!;
      if (from !== null && !arrivals.includes(from)) arrivals.push(from);
      this.touchTask(join);
      const needed = spec.join === 'all' ? this.inboundCount(name) : spec.join === 'one' ? 1 : spec.join;
      if (arrivals.length >= needed) await this.startTask(join);
      return;
    }
    const task = this.newTask(spec, 'IDLE');
    await this.startTask(task);
  }

  private async joinHasFired(name: string): Promise<boolean> {
    if ([...this.tasks.values()].some((task) => task.name === name)) return true;
    if (this.fresh) return false;
    const rows: unknown[] = await this.manager.query(
      'SELECT 1 FROM task_executions WHERE workflow_execution_id = $1 AND name = $2 LIMIT 1',
      [this.execution.id, name],
    );
    return rows.length > 0;
  }

  private inboundCount(name: string): number {
    let count = 0;
    for (const task of Object.values(this.spec.tasks)) {
      const clauses = [...task.onSuccess, ...task.onError, ...task.onComplete];
      if (clauses.some((t) => t.kind === 'task' && t.task === name)) count += 1;
    }
    return Math.max(count, 1);
  }

  private async startTask(task: TaskExecutionEntity): Promise<void> {
    const spec = this.spec.tasks[task.name];
    const rc = task.runtimeContext;
    if (this.execution.state === 'PAUSED') {
      rc.deferred = true;
      this.setTaskState(task, 'IDLE');
      return;
    }
    try {
      if (spec.pauseBefore !== undefined && !rc.paused_before) {
        const pause = this.deps.evaluator.isTruthy(await this.render(task, spec.pauseBefore, 'pause-before'));
        if (pause) {
          rc.paused_before = true;
          rc.deferred = true;
          this.setTaskState(task, 'IDLE');
          this.pause(`paused before task '${task.name}'`);
          return;
        }
      }
      if (spec.waitBefore !== undefined && task.state !== 'RUNNING_DELAYED') {
        const seconds = boundedSeconds(await this.render(task, spec.waitBefore, 'wait-before'), 'wait-before', this.deps.limits);
        if (seconds > 0) {
          this.setTaskState(task, 'RUNNING_DELAYED');
          this.addJob('run_task', { taskExecutionId: task.id }, seconds);
          return;
        }
      }
    } catch (error) {
      await this.completeTask(task, false, errorMessage(error), errorMessage(error));
      return;
    }
    await this.runTask(task);
  }

  /** Runs the task's action(s) or sub-workflow: the start of one attempt. */
  private async runTask(task: TaskExecutionEntity): Promise<void> {
    if (this.execution.state !== 'RUNNING') return;
    const spec = this.spec.tasks[task.name];
    this.setTaskState(task, 'RUNNING');
    task.startedAt ??= now();
    try {
      if (spec.timeout !== undefined) {
        const seconds = boundedSeconds(await this.render(task, spec.timeout, 'timeout'), 'timeout', this.deps.limits);
        if (seconds > 0) this.addJob('task_timeout', { taskExecutionId: task.id, attempt: task.runtimeContext.retry_no ?? 0, seconds }, seconds);
      }
      if (spec.kind === 'workflow') {
        await this.startSubWorkflow(task, spec);
      } else if (spec.withItems) {
        await this.startWithItems(task, spec);
      } else {
        const input = (await this.render(task, spec.input, 'input')) as Record<string, unknown>;
        await this.launchAction(task, spec, input, null);
      }
    } catch (error) {
      await this.completeTask(task, false, errorMessage(error), errorMessage(error));
    }
  }

  private async startWithItems(task: TaskExecutionEntity, spec: TaskSpec): Promise<void> {
    const lists: unknown[][] = [];
    for (const [index, item] of spec.withItems!.entries()) {
      const list = typeof item.source === 'string' ? await this.render(task, item.source, `with-items[${index}]`) : item.source;
      if (!Array.isArray(list)) throw new Error(`with-items: '${item.variable}' must be a list, got ${list === null ? 'null' : typeof list}`);
      lists.push(list);
    }
    const count = lists.reduce((least, list) => Math.min(least, list.length), Number.POSITIVE_INFINITY);
    checkWithItemsCount(count, this.deps.limits);
    const concurrency = spec.concurrency === undefined ? count : Number(await this.render(task, spec.concurrency, 'concurrency'));
    task.runtimeContext.with_items = {
      count,
      next: 0,
      running: 0,
      concurrency: Math.max(1, concurrency || count),
      results: new Array<unknown>(count).fill(null),
      failed: false,
      // rendered once: later items see the same lists even if the data context changes meanwhile
      lists,
    };
    if (count === 0) {
      await this.finishAttempt(task, { ok: true, result: [] });
      return;
    }
    await this.launchItems(task, spec);
  }

  private itemVariables(task: TaskExecutionEntity, spec: TaskSpec, index: number): Record<string, unknown> {
    const lists = task.runtimeContext.with_items!.lists;
    const variables: Record<string, unknown> = {};
    spec.withItems!.forEach((item, i) => (variables[item.variable] = lists[i][index]));
    return variables;
  }

  private async launchItems(task: TaskExecutionEntity, spec: TaskSpec): Promise<void> {
    const items = task.runtimeContext.with_items!;
    while (!items.failed && items.next < items.count && items.running < items.concurrency) {
      const index = items.next;
      items.next += 1;
      items.running += 1;
      this.touchTask(task);
      const variables = this.itemVariables(task, spec, index);
      const input = (await this.render(task, spec.input, 'input', variables)) as Record<string, unknown>;
      await this.launchAction(task, spec, input, index);
      if (task.state !== 'RUNNING') return;
    }
  }

  private async launchAction(task: TaskExecutionEntity, spec: TaskSpec, rawInput: Record<string, unknown>, itemIndex: number | null): Promise<void> {
    const name = spec.action!;
    const handler = this.deps.actions.get(name);
    let input: Record<string, unknown>;
    try {
      if (!handler) throw new ActionInputError(`unknown action '${name}'`);
      input = this.deps.actions.prepareInput(name, rawInput);
    } catch (error) {
      const action = this.newAction(task, name, rawInput, itemIndex);
      this.endAction(action, { ok: false, error: errorMessage(error), message: errorMessage(error) });
      await this.onActionOutcome(task, action, { ok: false, error: errorMessage(error), message: errorMessage(error) });
      return;
    }
    const action = this.newAction(task, name, input, itemIndex);
    if (handler.isInstant?.(input) && this.inlineActions < this.deps.maxInlineActions) {
      this.inlineActions += 1;
      const outcome = await runInline(handler, input, action);
      this.endAction(action, outcome);
      await this.onActionOutcome(task, action, outcome);
      return;
    }
    this.afterCommit.actions.push(action);
  }

  private async startSubWorkflow(task: TaskExecutionEntity, spec: TaskSpec): Promise<void> {
    const input = (await this.render(task, spec.input, 'input')) as Record<string, unknown>;
    const definition = await this.manager.query(
      `SELECT id, name, namespace, spec, tags FROM workflow_definitions
        WHERE name = $1 AND (project_id = $2 OR scope = 'public')
        ORDER BY (project_id = $2) DESC LIMIT 1`,
      [spec.workflow, this.execution.projectId],
    );
    if (definition.length === 0) throw new Error(`workflow '${spec.workflow}' not found`);
    const childSpec = definition[0].spec as WorkflowSpec;
    const childInput = resolveWorkflowInput(childSpec, input);
    const child = Object.assign(new WorkflowExecutionEntity(), {
      id: randomUUID(),
      workflowId: definition[0].id,
      workflowName: definition[0].name,
      workflowNamespace: definition[0].namespace,
      projectId: this.execution.projectId,
      description: `sub-workflow of task ${task.name}`,
      tags: definition[0].tags ?? [],
      spec: childSpec,
      params: { env: this.execution.params.env ?? {}, namespace: this.execution.workflowNamespace },
      input: childInput,
      output: null,
      context: { ...childInput },
      state: 'RUNNING' as ExecutionState,
      stateInfo: null,
      taskExecutionId: task.id,
      rootExecutionId: this.execution.rootExecutionId ?? this.execution.id,
      triggerId: this.execution.triggerId,
      createdAt: now(),
      updatedAt: null,
    });
    this.newExecutions.push(child);
    this.addJob('start_execution', {}, 0, child.id);
  }

  // ---- finishing ------------------------------------------------------------------------------

  private async onActionFinished(actionId: string, outcome: ActionOutcome): Promise<void> {
    const action = await this.actionById(actionId);
    if (!action || action.state !== 'RUNNING') return; // timed out or cancelled meanwhile
    this.endAction(action, outcome);
    if (!action.taskExecutionId) return;
    const task = await this.taskById(action.taskExecutionId);
    if (task) await this.onActionOutcome(task, action, outcome);
  }

  private async onActionOrphaned(actionId: string): Promise<void> {
    const action = await this.actionById(actionId);
    if (!action || action.state !== 'RUNNING') return;
    const task = action.taskExecutionId ? await this.taskById(action.taskExecutionId) : undefined;
    const handler = this.deps.actions.get(action.name);
    const spec = task ? this.spec.tasks[task.name] : undefined;
    const safe = spec?.safeRerun !== undefined ? this.deps.evaluator.isTruthy(spec.safeRerun) : handler?.isIdempotent(action.input) === true;
    if (safe && handler && this.execution.state !== 'CANCELLED') {
      action.attempt += 1;
      action.leaseOwner = this.deps.instanceId;
      action.leaseExpiresAt = addSeconds(now(), this.deps.leaseSeconds);
      action.updatedAt = now();
      this.dirtyActions.add(action.id);
      this.afterCommit.actions.push(action);
      return;
    }
    const message =
      `the Sirocco instance running action '${action.name}' stopped before it finished; it was not run again ` +
      `because running it twice may not be safe (set 'safe-rerun: true' on the task if it is)`;
    const outcome: ActionOutcome = { ok: false, error: message, message };
    this.endAction(action, outcome);
    if (task) await this.onActionOutcome(task, action, outcome);
  }

  private async onActionOutcome(task: TaskExecutionEntity, action: ActionExecutionEntity, outcome: ActionOutcome): Promise<void> {
    if (task.state !== 'RUNNING') return;
    const items = task.runtimeContext.with_items;
    if (items && action.itemIndex !== null) {
      items.running -= 1;
      items.results[action.itemIndex] = outcome.ok ? outcome.result : outcome.error;
      if (!outcome.ok) {
        items.failed = true;
        task.stateInfo = outcome.message;
      }
      this.touchTask(task);
      if (items.running > 0) return;
      if (!items.failed && items.next < items.count) {
        const spec = this.spec.tasks[task.name];
        this.queue(() => this.launchItems(task, spec));
        return;
      }
      await this.finishAttempt(task, items.failed ? { ok: false, error: items.results, message: task.stateInfo ?? 'an item failed' } : { ok: true, result: items.results });
      return;
    }
    await this.finishAttempt(task, outcome);
  }

  /** One attempt of the task ended: retry it, wait after it, or complete it. */
  private async finishAttempt(task: TaskExecutionEntity, outcome: ActionOutcome): Promise<void> {
    const spec = this.spec.tasks[task.name];
    const result = outcome.ok ? outcome.result : outcome.error;
    try {
      if (spec.retry) {
        const view = this.taskView(task, outcome.ok ? 'SUCCESS' : 'ERROR', result);
        const count = Number(await this.render(task, spec.retry.count, 'retry.count', undefined, view));
        const delay = boundedSeconds(await this.render(task, spec.retry.delay, 'retry.delay', undefined, view), 'retry delay', this.deps.limits);
        let again = !outcome.ok;
        if (spec.retry.continueOn !== undefined) {
          again = again || this.deps.evaluator.isTruthy(await this.render(task, spec.retry.continueOn, 'retry.continue-on', undefined, view));
        }
        if (again && spec.retry.breakOn !== undefined) {
          again = !this.deps.evaluator.isTruthy(await this.render(task, spec.retry.breakOn, 'retry.break-on', undefined, view));
        }
        const done = task.runtimeContext.retry_no ?? 0;
        if (again && done < count) {
          task.runtimeContext.retry_no = done + 1;
          delete task.runtimeContext.with_items;
          this.setTaskState(task, 'RUNNING_DELAYED');
          if (delay > 0) this.addJob('run_task', { taskExecutionId: task.id }, delay);
          else this.queue(() => this.runTask(task));
          return;
        }
      }
      if (spec.waitAfter !== undefined) {
        const seconds = boundedSeconds(await this.render(task, spec.waitAfter, 'wait-after'), 'wait-after', this.deps.limits);
        if (seconds > 0) {
          task.runtimeContext.pending_outcome = { ok: outcome.ok, result };
          this.setTaskState(task, 'RUNNING_DELAYED');
          this.addJob('complete_task', { taskExecutionId: task.id }, seconds);
          return;
        }
      }
    } catch (error) {
      await this.completeTask(task, false, errorMessage(error), errorMessage(error));
      return;
    }
    await this.completeTask(task, outcome.ok, result, outcome.ok ? null : outcome.message);
  }

  /** The task is done: publish, then take its transitions (Mistral: guards see the published values). */
  private async completeTask(task: TaskExecutionEntity, ok: boolean, result: unknown, stateInfo: string | null): Promise<void> {
    const spec = this.spec.tasks[task.name];
    let state: ExecutionState = ok ? 'SUCCESS' : 'ERROR';
    let info = stateInfo;
    let published: Record<string, unknown> = {};
    // publish-on-error reads why the task failed as $task().state_info
    const view = { ...this.taskView(task, state, result), state_info: ok ? task.stateInfo : info };
    try {
      published = (await this.render(task, ok ? spec.publish : spec.publishOnError, ok ? 'publish' : 'publish-on-error', undefined, view)) as Record<string, unknown>;
    } catch (error) {
      state = 'ERROR';
      info = errorMessage(error);
      published = {};
      if (ok) {
        // a failed publish fails the task: its publish-on-error then says what the failure handler needs
        try {
          const failedView = { ...this.taskView(task, state, result), state_info: info };
          published = (await this.render(task, spec.publishOnError, 'publish-on-error', undefined, failedView)) as Record<string, unknown>;
        } catch {
          published = {};
        }
      }
    }
    const keep = this.deps.evaluator.isTruthy(spec.keepResult);
    task.result = keep ? (result ?? null) : null;
    task.published = published;
    this.finishTaskRow(task, state, info);
    if (Object.keys(published).length > 0) {
      this.execution.context = { ...this.execution.context, ...published };
      this.executionDirty = true;
    }
    const clauses: Array<{ transition: Transition; onError: boolean }> = [
      ...(state === 'SUCCESS' ? spec.onSuccess : spec.onError).map((transition) => ({ transition, onError: state === 'ERROR' })),
      ...spec.onComplete.map((transition) => ({ transition, onError: false })),
    ];
    const finalView = this.taskView(task, state, result);
    for (const { transition, onError } of clauses) {
      if (this.execution.state !== 'RUNNING' && this.execution.state !== 'PAUSED') break;
      let taken = true;
      if (transition.guard !== undefined) {
        try {
          taken = this.deps.evaluator.isTruthy(await this.render(task, transition.guard, 'transition guard', undefined, finalView));
        } catch (error) {
          await this.finishExecution('ERROR', errorMessage(error));
          break;
        }
      }
      if (!taken) continue;
      if (onError) task.errorHandled = true;
      if (transition.kind === 'task') {
        const target = transition.task;
        this.queue(() => this.arrive(target, task.name));
        continue;
      }
      let message: string | null = null;
      if (transition.message !== undefined) message = String(await this.render(task, transition.message, 'msg', undefined, finalView).catch(errorMessage));
      if (transition.command === 'fail') {
        await this.stopExecution('ERROR', message ?? `Failed by task '${task.name}'`);
      } else if (transition.command === 'succeed') {
        await this.finishExecution('SUCCESS', message);
      } else if (transition.command === 'pause') {
        this.pause(message);
      }
    }
    task.processed = true;
    this.touchTask(task);
  }

  private async timeOutTask(task: TaskExecutionEntity, seconds: number): Promise<void> {
    const running = await this.manager.find(ActionExecutionEntity, { where: { taskExecutionId: task.id, state: 'RUNNING' } });
    const message = `task '${task.name}' timed out after ${seconds} s`;
    for (const action of running) {
      const cached = this.cacheAction(action);
      this.endAction(cached, { ok: false, error: message, message });
      this.afterCommit.abort.push(cached.id);
    }
    await this.cancelChildren(task, message);
    delete task.runtimeContext.with_items;
    await this.finishAttempt(task, { ok: false, error: message, message });
  }

  private async onChildFinished(childId: string): Promise<void> {
    const child = await this.manager.findOne(WorkflowExecutionEntity, { where: { id: childId } });
    if (!child || !child.taskExecutionId) return;
    const task = await this.taskById(child.taskExecutionId);
    if (!task || task.state !== 'RUNNING') return;
    if (child.state === 'SUCCESS') await this.finishAttempt(task, { ok: true, result: child.output });
    else await this.finishAttempt(task, { ok: false, error: child.output, message: child.stateInfo ?? `sub-workflow ${child.state}` });
  }

  /** Ends the execution with its output (or output-on-error); tells the parent task, if any. */
  private async finishExecution(state: 'SUCCESS' | 'ERROR', stateInfo: string | null): Promise<void> {
    if (isTerminal(this.execution.state)) return;
    const exec = this.execution;
    exec.state = state;
    exec.stateInfo = stateInfo;
    const outputSpec = state === 'SUCCESS' ? this.spec.output : this.spec.outputOnError;
    try {
      if (outputSpec !== undefined) {
        exec.output = await this.deps.evaluator.render(outputSpec, this.scope(undefined), { field: state === 'SUCCESS' ? 'output' : 'output-on-error' });
      } else {
        exec.output = state === 'SUCCESS' ? { ...exec.context } : { result: stateInfo };
      }
    } catch (error) {
      exec.state = 'ERROR';
      exec.stateInfo = errorMessage(error);
      exec.output = { result: exec.stateInfo };
    }
    this.executionDirty = true;
    await this.settleLeftovers();
    if (exec.taskExecutionId) {
      const parent = await this.manager.query(`SELECT workflow_execution_id FROM task_executions WHERE id = $1`, [exec.taskExecutionId]);
      if (parent.length > 0) this.addJob('child_finished', { childExecutionId: exec.id }, 0, parent[0].workflow_execution_id);
    }
  }

  /** fail command, cancel, or PUT ERROR: the execution stops; running work is abandoned. */
  private async stopExecution(state: 'ERROR' | 'CANCELLED', stateInfo: string | null): Promise<void> {
    if (isTerminal(this.execution.state)) return;
    if (state === 'ERROR') {
      await this.finishExecution('ERROR', stateInfo);
      return;
    }
    this.execution.state = 'CANCELLED';
    this.execution.stateInfo = stateInfo;
    this.executionDirty = true;
    await this.settleLeftovers();
    if (this.execution.taskExecutionId) {
      const parent = await this.manager.query(`SELECT workflow_execution_id FROM task_executions WHERE id = $1`, [this.execution.taskExecutionId]);
      if (parent.length > 0) this.addJob('child_finished', { childExecutionId: this.execution.id }, 0, parent[0].workflow_execution_id);
    }
  }

  /** Nothing stays RUNNING: unfinished tasks and actions of a finished execution are cancelled. */
  private async settleLeftovers(): Promise<void> {
    const reason = `workflow execution ended ${this.execution.state}`;
    for (const task of this.tasks.values()) {
      if (!ACTIVE_TASK_STATES.includes(task.state)) continue;
      this.finishTaskRow(task, 'CANCELLED', reason);
      task.processed = true;
      await this.cancelChildren(task, reason);
    }
    const running = this.fresh
      ? [...this.actionsById.values()].filter((action) => action.state === 'RUNNING' && !this.newActions.has(action.id))
      : await this.manager.find(ActionExecutionEntity, { where: { workflowExecutionId: this.execution.id, state: 'RUNNING' } });
    for (const action of running) {
      const cached = this.cacheAction(action);
      if (cached.state !== 'RUNNING') continue; // ended earlier in this transition, not yet written
      cached.state = 'CANCELLED';
      cached.stateInfo = reason;
      cached.leaseOwner = null;
      cached.leaseExpiresAt = null;
      cached.updatedAt = now();
      this.dirtyActions.add(cached.id);
      this.afterCommit.abort.push(cached.id);
    }
    for (const action of this.afterCommit.actions) {
      if (action.workflowExecutionId === this.execution.id && action.state === 'RUNNING') {
        action.state = 'CANCELLED';
        action.stateInfo = reason;
        this.dirtyActions.add(action.id);
      }
    }
    this.afterCommit.actions = this.afterCommit.actions.filter((action) => action.state === 'RUNNING');
    this.work.length = 0;
  }

  private async cancelChildren(task: TaskExecutionEntity, reason: string): Promise<void> {
    if (task.type !== 'WORKFLOW') return;
    const children = await this.manager.query(
      `SELECT id FROM workflow_executions WHERE task_execution_id = $1 AND state IN ('RUNNING', 'PAUSED', 'IDLE')`,
      [task.id],
    );
    for (const child of children) this.addJob('cancel_execution', { stateInfo: reason }, 0, child.id);
  }

  // ---- state changes from the API -------------------------------------------------------------

  private pause(stateInfo: string | null): void {
    if (this.execution.state !== 'RUNNING') return;
    this.execution.state = 'PAUSED';
    this.execution.stateInfo = stateInfo;
    this.executionDirty = true;
  }

  private async resume(): Promise<void> {
    if (this.execution.state !== 'PAUSED') return;
    this.execution.state = 'RUNNING';
    this.execution.stateInfo = null;
    this.executionDirty = true;
    for (const task of [...this.tasks.values()]) {
      if (task.state === 'IDLE' && task.runtimeContext.deferred) {
        delete task.runtimeContext.deferred;
        this.queue(() => this.startTask(task));
      }
    }
  }

  private async forceState(state: 'SUCCESS' | 'ERROR', stateInfo: string | null): Promise<void> {
    if (isTerminal(this.execution.state)) return;
    await this.finishExecution(state, stateInfo);
    await this.settleLeftovers();
  }

  private async rerunTask(taskId: string, reset: boolean): Promise<void> {
    const task = await this.taskById(taskId);
    if (!task || task.state !== 'ERROR') return;
    this.tasks.set(task.id, task);
    if (reset || !task.runtimeContext.with_items) delete task.runtimeContext.with_items;
    task.runtimeContext.retry_no = 0;
    task.processed = false;
    task.errorHandled = false;
    task.finishedAt = null;
    task.stateInfo = null;
    if (isTerminal(this.execution.state)) {
      this.execution.state = 'RUNNING';
      this.execution.stateInfo = null;
      this.execution.output = null;
      this.executionDirty = true;
    }
    this.setTaskState(task, 'RUNNING_DELAYED');
    this.queue(() => this.runTask(task));
  }

  private async skipTask(taskId: string): Promise<void> {
    const task = await this.taskById(taskId);
    if (!task || task.state !== 'ERROR') return;
    this.tasks.set(task.id, task);
    if (isTerminal(this.execution.state)) {
      this.execution.state = 'RUNNING';
      this.execution.stateInfo = null;
      this.execution.output = null;
      this.executionDirty = true;
    }
    this.finishTaskRow(task, 'SKIPPED', null);
    const spec = this.spec.tasks[task.name];
    for (const transition of [...spec.onSuccess, ...spec.onComplete]) {
      if (transition.kind === 'task') {
        const target = transition.task;
        this.queue(() => this.arrive(target, task.name));
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private queue(step: () => Promise<void>): void {
    this.work.push(step);
  }

  private async drainWork(): Promise<void> {
    while (this.work.length > 0) {
      const step = this.work.shift()!;
      await step();
    }
  }

  private newTask(spec: TaskSpec, state: ExecutionState): TaskExecutionEntity {
    const at = now();
    const task = Object.assign(new TaskExecutionEntity(), {
      id: randomUUID(),
      workflowExecutionId: this.execution.id,
      workflowId: this.execution.workflowId,
      workflowName: this.execution.workflowName,
      workflowNamespace: this.execution.workflowNamespace,
      projectId: this.execution.projectId,
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

  private newAction(task: TaskExecutionEntity, name: string, input: Record<string, unknown>, itemIndex: number | null): ActionExecutionEntity {
    const at = now();
    const action = Object.assign(new ActionExecutionEntity(), {
      id: randomUUID(),
      taskExecutionId: task.id,
      workflowExecutionId: this.execution.id,
      workflowName: this.execution.workflowName,
      workflowNamespace: this.execution.workflowNamespace,
      taskName: task.name,
      projectId: this.execution.projectId,
      name,
      description: '',
      state: 'RUNNING' as ExecutionState,
      stateInfo: null,
      accepted: false,
      input,
      output: null,
      itemIndex,
      attempt: task.runtimeContext.retry_no ?? 0,
      leaseOwner: this.deps.instanceId,
      leaseExpiresAt: addSeconds(at, this.deps.leaseSeconds),
      createdAt: at,
      updatedAt: at,
    } satisfies Partial<ActionExecutionEntity>);
    this.actionsById.set(action.id, action);
    this.newActions.add(action.id);
    return action;
  }

  private endAction(action: ActionExecutionEntity, outcome: ActionOutcome): void {
    action.state = outcome.ok ? 'SUCCESS' : 'ERROR';
    action.stateInfo = outcome.ok ? null : outcome.message;
    action.output = { result: outcome.ok ? outcome.result : outcome.error };
    action.accepted = true;
    action.leaseOwner = null;
    action.leaseExpiresAt = null;
    action.updatedAt = now();
    this.dirtyActions.add(action.id);
  }

  private cacheAction(action: ActionExecutionEntity): ActionExecutionEntity {
    const cached = this.actionsById.get(action.id);
    if (cached) return cached;
    this.actionsById.set(action.id, action);
    return action;
  }

  private async actionById(id: string): Promise<ActionExecutionEntity | undefined> {
    const cached = this.actionsById.get(id);
    if (cached) return cached;
    const action = await this.manager.findOne(ActionExecutionEntity, { where: { id } });
    return action ? this.cacheAction(action) : undefined;
  }

  private async taskById(id: string): Promise<TaskExecutionEntity | undefined> {
    const cached = this.tasks.get(id);
    if (cached) return cached;
    const task = await this.manager.findOne(TaskExecutionEntity, { where: { id, workflowExecutionId: this.execution.id } });
    if (task) this.tasks.set(task.id, task);
    return task ?? undefined;
  }

  private setTaskState(task: TaskExecutionEntity, state: ExecutionState): void {
    task.state = state;
    this.touchTask(task);
  }

  private finishTaskRow(task: TaskExecutionEntity, state: ExecutionState, stateInfo: string | null): void {
    task.state = state;
    task.stateInfo = stateInfo;
    task.finishedAt = now();
    this.touchTask(task);
  }

  private touchTask(task: TaskExecutionEntity): void {
    task.updatedAt = now();
    this.dirtyTasks.add(task.id);
  }

  /** A job for this execution (or another one, e.g. the parent), due in `seconds`. */
  private addJob(kind: DelayedJobKind, payload: Record<string, unknown>, seconds: number, executionId = this.execution.id): void {
    const runAt = addSeconds(now(), seconds);
    const job = Object.assign(new DelayedJobEntity(), {
      workflowExecutionId: executionId,
      kind,
      payload,
      runAt,
      // claimed by this instance, which runs it at its time; if this instance dies, the claim
      // lapses and another instance's poller takes it
      claimedBy: this.deps.instanceId,
      claimedUntil: addSeconds(runAt, this.deps.leaseSeconds),
    });
    this.newJobs.push(job);
  }

  private async takeJob(jobId: string): Promise<boolean> {
    const deleted = await this.manager.query(`DELETE FROM delayed_jobs WHERE id = $1 RETURNING id`, [jobId]);
    // pg returns [rows, count] for DELETE ... RETURNING through TypeORM
    const rows = Array.isArray(deleted[0]) ? deleted[0] : deleted;
    if (rows.length > 0) this.deletedJobs.push(jobId);
    return rows.length > 0;
  }

  private async hasAnyTask(): Promise<boolean> {
    if (this.tasks.size > 0 || this.fresh) return this.tasks.size > 0;
    const rows = await this.manager.query(`SELECT 1 FROM task_executions WHERE workflow_execution_id = $1 LIMIT 1`, [this.execution.id]);
    return rows.length > 0;
  }

  /** Jobs still due for this execution (e.g. a start job) mean it is not finished. */
  private async hasDeferredWork(): Promise<boolean> {
    if (this.newJobs.some((job) => job.workflowExecutionId === this.execution.id && job.kind !== 'check_completion')) return true;
    if (this.fresh) return false;
    const rows = await this.manager.query(
      `SELECT 1 FROM delayed_jobs WHERE workflow_execution_id = $1 AND kind = 'start_execution' AND NOT (id = ANY($2::bigint[])) LIMIT 1`,
      [this.execution.id, this.deletedJobs],
    );
    return rows.length > 0;
  }

  private async unhandledFailures(): Promise<TaskExecutionEntity[]> {
    const stored = this.fresh
      ? []
      : await this.manager.find(TaskExecutionEntity, {
          where: { workflowExecutionId: this.execution.id, state: 'ERROR', errorHandled: false },
          order: { createdAt: 'ASC' },
        });
    const byId = new Map(stored.map((task) => [task.id, task]));
    for (const task of this.tasks.values()) {
      if (task.state === 'ERROR' && !task.errorHandled) byId.set(task.id, task);
      else byId.delete(task.id);
    }
    return [...byId.values()];
  }

  private taskView(task: TaskExecutionEntity, state: ExecutionState, result: unknown): TaskView {
    return { id: task.id, name: task.name, state, state_info: task.stateInfo, result, published: task.published };
  }

  private scope(currentTask: TaskView | undefined, extra?: Record<string, unknown>): ExpressionScope {
    const exec = this.execution;
    return {
      data: extra ? { ...exec.context, ...extra } : exec.context,
      task: {
        current: currentTask?.name,
        lookup: (name) => (currentTask && name === currentTask.name ? currentTask : this.lookupTask(name)),
      },
      execution: {
        id: exec.id,
        name: exec.workflowName,
        input: exec.input,
        params: exec.params,
        created_at: exec.createdAt.toISOString(),
      },
      env: (exec.params.env as Record<string, unknown> | undefined) ?? {},
    };
  }

  private async lookupTask(name: string): Promise<TaskView | undefined> {
    let latest: TaskExecutionEntity | undefined;
    for (const task of this.tasks.values()) {
      if (task.name === name && (!latest || task.createdAt >= latest.createdAt)) latest = task;
    }
    if (!latest && !this.fresh) {
      latest =
        (await this.manager.findOne(TaskExecutionEntity, {
          where: { workflowExecutionId: this.execution.id, name },
          order: { createdAt: 'DESC' },
        })) ?? undefined;
    }
    return latest ? this.taskView(latest, latest.state, latest.result) : undefined;
  }

  private render(
    task: TaskExecutionEntity,
    value: unknown,
    field: string,
    variables?: Record<string, unknown>,
    view?: TaskView,
  ): Promise<unknown> {
    const site: EvaluationSite = { task: task.name, field };
    const current = view ?? this.taskView(task, task.state, task.result);
    return this.deps.evaluator.render(value, this.scope(current, variables), site);
  }
}

async function runInline(handler: ActionHandler, input: Record<string, unknown>, action: ActionExecutionEntity): Promise<ActionOutcome> {
  try {
    const result = await handler.run(input, {
      workflowExecutionId: action.workflowExecutionId ?? undefined,
      taskExecutionId: action.taskExecutionId ?? undefined,
      actionExecutionId: action.id,
      signal: new AbortController().signal,
    });
    return { ok: true, result: result ?? null };
  } catch (error) {
    return actionErrorOutcome(error);
  }
}

/** An action's exception as the task sees it: ActionFailure data, or the message. */
export function actionErrorOutcome(error: unknown): ActionOutcome {
  if (error instanceof ActionFailure) return { ok: false, error: error.data ?? error.message, message: error.message };
  return { ok: false, error: errorMessage(error), message: errorMessage(error) };
}

/**
 * The rows of new executions started in one transaction (a batch of cron trigger firings),
 * written together: a few multi-row inserts instead of a few statements per execution.
 */
export class FreshRunSink {
  readonly executions: WorkflowExecutionEntity[] = [];
  readonly tasks: TaskExecutionEntity[] = [];
  readonly actions: ActionExecutionEntity[] = [];
  readonly jobs: Array<{ job: DelayedJobEntity; after: AfterCommit }> = [];

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

/**
 * Checks an execution's input against the workflow's: unknown or missing names are refused
 * (Mistral's message), defaults are filled in.
 */
export function resolveWorkflowInput(spec: WorkflowSpec, input: Record<string, unknown>): Record<string, unknown> {
  const declared = new Set(spec.input.map((entry) => entry.name));
  const unknown = Object.keys(input).filter((name) => !declared.has(name));
  const missing = spec.input.filter((entry) => entry.required && !(entry.name in input)).map((entry) => entry.name);
  if (missing.length > 0 || unknown.length > 0) {
    const parts = [`name=${spec.name}`, 'class=DirectWorkflowSpec'];
    if (missing.length > 0) parts.push(`missing=[${missing.map((name) => `'${name}'`).join(', ')}]`);
    if (unknown.length > 0) parts.push(`unexpected=[${unknown.map((name) => `'${name}'`).join(', ')}]`);
    throw new InvalidWorkflowInput(`Invalid input [${parts.join(', ')}]`);
  }
  const resolved: Record<string, unknown> = {};
  for (const entry of spec.input) resolved[entry.name] = entry.name in input ? input[entry.name] : entry.default;
  return resolved;
}

export class InvalidWorkflowInput extends Error {}
