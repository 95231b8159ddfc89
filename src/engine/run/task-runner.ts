import { ActionInputError } from '../../actions/action.types';
import type { TaskSpec } from '../../workflows/language';
import type { ActionOutcome } from '../engine-events';
import type { ActionExecutionEntity } from '../action-execution.entity';
import { boundedSeconds, checkWithItemsCount } from './run-limits';
import type { TaskExecutionEntity } from '../task-execution.entity';
import { errorMessage, runActionHandler } from './action-outcome';
import type { RunControl, RunParts } from './run-parts';
import { splitTargetFromInput } from './reverse-graph';
import { executionNamespace, namesInWorkbook, newChildExecution, type RunnableWorkflow } from './sub-workflows';
import { TaskCompletion } from './task-completion';
import { itemVariables, joinThreshold, recordItemOutcome, startWithItems, takeNextItem } from './task-rules';
import { resolveWorkflowInput } from './workflow-input';

/**
 * A task's life up to the end of an attempt: arriving (joins), pause-before and wait-before, its
 * action(s), with-items or sub-workflow, and what comes back from them (results, orphaned
 * actions, timeouts, finished children). The end of an attempt is TaskCompletion's.
 */
export class TaskRunner {
  readonly completion: TaskCompletion;
  private inlineActions = 0;
  private readonly waitingJoins = new Map<string, TaskExecutionEntity>();
  /** join_arrivals as a set, for the duplicate check */
  private readonly arrivalSets = new WeakMap<TaskExecutionEntity, Set<string>>();

  constructor(
    private readonly run: RunParts,
    private readonly control: RunControl,
  ) {
    this.completion = new TaskCompletion(run, control);
  }

  /** A transition (or the start) leads to task `name`; `from` is the task it came from. */
  async arrive(name: string, from: string | null): Promise<void> {
    const { spec: workflow, changes, reads } = this.run;
    const spec = workflow.tasks[name];
    if (spec.join === undefined) {
      await this.startTask(changes.newTask(spec, 'IDLE'));
      return;
    }
    let join = this.waitingJoin(name);
    // A join runs once: arrivals after it fired (the other branches of `join: one`) are ignored.
    if (!join && (await reads.taskNameUsed(name))) return;
    if (!join) {
      join = changes.newTask(spec, 'WAITING');
      join.runtimeContext.join_arrivals = [];
      this.waitingJoins.set(name, join);
    }
    const arrivals = join.runtimeContext.join_arrivals!;
    let arrived = this.arrivalSets.get(join);
    if (!arrived) this.arrivalSets.set(join, (arrived = new Set(arrivals)));
    if (from !== null && !arrived.has(from)) {
      arrived.add(from);
      arrivals.push(from);
    }
    changes.touchTask(join);
    if (arrivals.length >= joinThreshold(workflow, name)) await this.startTask(join);
  }

  /**
   * The join task `name` still waiting for arrivals, if any. Remembered per run, so that the
   * thousands of branches of a wide fan-out reaching one join do not each scan every task.
   */
  private waitingJoin(name: string): TaskExecutionEntity | undefined {
    const known = this.waitingJoins.get(name);
    if (known?.state === 'WAITING') return known;
    const found = [...this.run.changes.tasks.values()].find((task) => task.name === name && task.state === 'WAITING');
    if (found) this.waitingJoins.set(name, found);
    return found;
  }

  /** pause-before and wait-before, then the first attempt. */
  async startTask(task: TaskExecutionEntity): Promise<void> {
    const { spec: workflow, execution, changes, scope, deps } = this.run;
    const spec = workflow.tasks[task.name];
    const rc = task.runtimeContext;
    if (execution.state === 'PAUSED') {
      rc.deferred = true;
      changes.setTaskState(task, 'IDLE');
      return;
    }
    try {
      if (spec.pauseBefore !== undefined && !rc.paused_before) {
        if (scope.isTruthy(await scope.renderForTask(task, spec.pauseBefore, 'pause-before'))) {
          rc.paused_before = true;
          rc.deferred = true;
          changes.setTaskState(task, 'IDLE');
          this.control.pause(`paused before task '${task.name}'`);
          return;
        }
      }
      if (spec.waitBefore !== undefined && task.state !== 'RUNNING_DELAYED') {
        const seconds = boundedSeconds(await scope.renderForTask(task, spec.waitBefore, 'wait-before'), 'wait-before', deps.limits);
        if (seconds > 0) {
          changes.setTaskState(task, 'RUNNING_DELAYED');
          changes.addJob('run_task', { taskExecutionId: task.id }, seconds);
          return;
        }
      }
    } catch (error) {
      await this.completion.completeTask(task, false, errorMessage(error), errorMessage(error));
      return;
    }
    await this.runTask(task);
  }

  /** Runs the task's action(s) or sub-workflow: the start of one attempt. */
  async runTask(task: TaskExecutionEntity): Promise<void> {
    const { spec: workflow, execution, changes, scope, deps } = this.run;
    if (execution.state !== 'RUNNING') {
      // a delayed start (wait-before, retry delay) that came due while paused runs on resume
      if (execution.state === 'PAUSED') {
        task.runtimeContext.deferred = true;
        changes.touchTask(task);
      }
      return;
    }
    const spec = workflow.tasks[task.name];
    changes.setTaskState(task, 'RUNNING');
    task.startedAt ??= new Date(Math.max(Date.now(), task.createdAt.getTime()));
    try {
      if (spec.timeout !== undefined) {
        const seconds = boundedSeconds(await scope.renderForTask(task, spec.timeout, 'timeout'), 'timeout', deps.limits);
        if (seconds > 0) changes.addJob('task_timeout', { taskExecutionId: task.id, attempt: task.runtimeContext.retry_no ?? 0, seconds }, seconds);
      }
      if (spec.kind === 'workflow') {
        await this.startSubWorkflow(task, spec);
      } else if (spec.withItems && task.runtimeContext.with_items) {
        await this.launchItems(task, spec); // a re-run without reset: the items left to run
      } else if (spec.withItems) {
        await this.startItems(task, spec);
      } else {
        const input = (await scope.renderForTask(task, spec.input, 'input')) as Record<string, unknown>;
        await this.launchAction(task, spec, input, null);
      }
    } catch (error) {
      await this.completion.completeTask(task, false, errorMessage(error), errorMessage(error));
    }
  }

  private async startItems(task: TaskExecutionEntity, spec: TaskSpec): Promise<void> {
    const { scope, deps } = this.run;
    const lists: unknown[][] = [];
    for (const [index, item] of spec.withItems!.entries()) {
      const list = typeof item.source === 'string' ? await scope.renderForTask(task, item.source, `with-items[${index}]`) : item.source;
      if (!Array.isArray(list)) throw new Error(`with-items: '${item.variable}' must be a list, got ${list === null ? 'null' : typeof list}`);
      lists.push(list);
    }
    const count = lists.reduce((least, list) => Math.min(least, list.length), Number.POSITIVE_INFINITY);
    checkWithItemsCount(count, deps.limits);
    const concurrency = spec.concurrency === undefined ? undefined : Number(await scope.renderForTask(task, spec.concurrency, 'concurrency'));
    task.runtimeContext.with_items = startWithItems(lists, concurrency);
    if (count === 0) {
      await this.completion.finishAttempt(task, { ok: true, result: [] });
      return;
    }
    await this.launchItems(task, spec);
  }

  private async launchItems(task: TaskExecutionEntity, spec: TaskSpec): Promise<void> {
    const items = task.runtimeContext.with_items!;
    const names = spec.withItems!.map((item) => item.variable);
    for (let index = takeNextItem(items); index !== undefined; index = takeNextItem(items)) {
      this.run.changes.touchTask(task);
      const input = (await this.run.scope.renderForTask(task, spec.input, 'input', itemVariables(items, names, index))) as Record<string, unknown>;
      await this.launchAction(task, spec, input, index);
      if (task.state !== 'RUNNING') return;
    }
  }

  private async launchAction(task: TaskExecutionEntity, spec: TaskSpec, rawInput: Record<string, unknown>, itemIndex: number | null): Promise<void> {
    const { changes, deps } = this.run;
    const projectId = this.run.execution.projectId;
    // in a workbook's workflow, `greet` is the workbook's own `<workbook>.greet` first (Mistral's rule)
    const name = namesInWorkbook(this.run.execution, spec.action!).find((candidate) => deps.actions.has(candidate, projectId)) ?? spec.action!;
    const handler = deps.actions.get(name, projectId);
    let input: Record<string, unknown>;
    try {
      if (!handler) throw new ActionInputError(`unknown action '${name}'`);
      input = deps.actions.prepareInput(name, rawInput, projectId);
    } catch (error) {
      const refused: ActionOutcome = { ok: false, error: errorMessage(error), message: errorMessage(error) };
      const action = changes.newAction(task, name, rawInput, itemIndex);
      changes.endAction(action, refused);
      await this.onActionOutcome(task, action, refused);
      return;
    }
    const action = changes.newAction(task, name, input, itemIndex);
    if (handler.isInstant?.(input) && this.inlineActions < deps.maxInlineActions) {
      this.inlineActions += 1;
      const outcome = await runActionHandler(handler, input, {
        workflowExecutionId: action.workflowExecutionId ?? undefined,
        workflowName: action.workflowName ?? undefined,
        taskExecutionId: action.taskExecutionId ?? undefined,
        actionExecutionId: action.id,
        signal: new AbortController().signal,
      });
      changes.endAction(action, outcome);
      await this.onActionOutcome(task, action, outcome);
      return;
    }
    changes.afterCommit.actions.push(action);
  }

  private async startSubWorkflow(task: TaskExecutionEntity, spec: TaskSpec): Promise<void> {
    const { execution, changes, scope, deps, reads } = this.run;
    const input = (await scope.renderForTask(task, spec.input, 'input')) as Record<string, unknown>;
    // a name given by an expression is read when the task runs
    const wanted = spec.workflow!.startsWith('<%') ? String((await scope.renderForTask(task, spec.workflow, 'workflow')) ?? '') : spec.workflow!;
    let workflow: RunnableWorkflow | null = null;
    for (const name of wanted ? namesInWorkbook(execution, wanted) : []) {
      workflow = await deps.workflows.findForSubWorkflow(reads.manager, name, executionNamespace(execution), execution.projectId);
      if (workflow) break;
    }
    if (!workflow) throw new Error(`workflow '${wanted}' not found`);
    const given = splitTargetFromInput(workflow.spec, input);
    const child = newChildExecution(execution, task, workflow, resolveWorkflowInput(workflow.spec, given.input), given.params);
    changes.newChildExecution(child);
    changes.addJob('start_execution', {}, 0, child.id);
  }

  async onActionFinished(actionId: string, outcome: ActionOutcome): Promise<void> {
    const { changes, reads } = this.run;
    const action = await reads.action(actionId);
    if (!action || action.state !== 'RUNNING') return; // timed out or cancelled meanwhile
    changes.endAction(action, outcome);
    if (!action.taskExecutionId) return;
    const task = await reads.task(action.taskExecutionId);
    if (task) await this.onActionOutcome(task, action, outcome);
  }

  /** An asynchronous action started its work: it waits for its result without a lease (nobody takes it over). */
  async onActionWaiting(actionId: string): Promise<void> {
    const action = await this.run.reads.action(actionId);
    if (action && action.state === 'RUNNING') this.run.changes.releaseLease(action);
  }

  /** The instance running the action died: run it again if that is safe, else fail it saying why. */
  async onActionOrphaned(actionId: string): Promise<void> {
    const { execution, changes, reads, scope, deps, spec: workflow } = this.run;
    const action = await reads.action(actionId);
    if (!action || action.state !== 'RUNNING') return;
    const task = action.taskExecutionId ? await reads.task(action.taskExecutionId) : undefined;
    const handler = deps.actions.get(action.name, action.projectId);
    const spec = task ? workflow.tasks[task.name] : undefined;
    const safe = spec?.safeRerun !== undefined ? scope.isTruthy(spec.safeRerun) : handler?.isIdempotent(action.input) === true;
    if (safe && handler && execution.state !== 'CANCELLED') {
      changes.leaseAgain(action);
      changes.afterCommit.actions.push(action);
      return;
    }
    const message =
      `the Sirocco instance running action '${action.name}' stopped before it finished; it was not run again ` +
      `because running it twice may not be safe (set 'safe-rerun: true' on the task if it is)`;
    const outcome: ActionOutcome = { ok: false, error: message, message };
    changes.endAction(action, outcome);
    if (task) await this.onActionOutcome(task, action, outcome);
  }

  private async onActionOutcome(task: TaskExecutionEntity, action: ActionExecutionEntity, outcome: ActionOutcome): Promise<void> {
    if (task.state !== 'RUNNING') return;
    const items = task.runtimeContext.with_items;
    if (!items || action.itemIndex === null) {
      await this.completion.finishAttempt(task, outcome);
      return;
    }
    if (!outcome.ok) task.stateInfo = outcome.message;
    const step = recordItemOutcome(items, action.itemIndex, outcome);
    this.run.changes.touchTask(task);
    if (step.next === 'launch') {
      const spec = this.run.spec.tasks[task.name];
      this.control.queue(() => this.launchItems(task, spec));
    } else if (step.next === 'finish') {
      const ended = step.outcome;
      await this.completion.finishAttempt(task, ended.ok ? ended : { ...ended, message: task.stateInfo ?? 'an item failed' });
    }
  }

  /** The attempt's timeout came first: its running actions and sub-workflows are abandoned. */
  async timeOutTask(task: TaskExecutionEntity, seconds: number): Promise<void> {
    const message = `task '${task.name}' timed out after ${seconds} s`;
    for (const action of await this.run.reads.runningActionsOfTask(task.id)) {
      this.run.changes.endAction(action, { ok: false, error: message, message });
      this.run.changes.afterCommit.abort.push(action.id);
    }
    await this.control.cancelChildren(task, message);
    delete task.runtimeContext.with_items;
    await this.completion.finishAttempt(task, { ok: false, error: message, message });
  }

  async onChildFinished(childId: string): Promise<void> {
    const child = await this.run.reads.childExecution(childId);
    if (!child || !child.taskExecutionId) return;
    const task = await this.run.reads.task(child.taskExecutionId);
    if (!task || task.state !== 'RUNNING') return;
    if (child.state === 'SUCCESS') await this.completion.finishAttempt(task, { ok: true, result: child.output });
    else await this.completion.finishAttempt(task, { ok: false, error: child.output, message: child.stateInfo ?? `sub-workflow ${child.state}` });
  }
}
