import type { ActionOutcome } from '../engine-events';
import type { ExecutionState } from '../execution-states';
import { boundedSeconds } from './run-limits';
import type { TaskExecutionEntity } from '../task-execution.entity';
import { errorMessage } from './action-outcome';
import type { RunControl, RunParts } from './run-parts';
import { taskView } from './run-scope';
import { candidateTransitions, type RetryVerdict, shouldRetry, wantsRetry } from './task-rules';

/**
 * The end of a task attempt: the retry policy, wait-after, then completion (publish and the
 * transitions, Mistral's order: guards see the published values).
 */
export class TaskCompletion {
  constructor(
    private readonly run: RunParts,
    private readonly control: RunControl,
  ) {}

  /** One attempt of the task ended: retry it, wait after it, or complete it. */
  async finishAttempt(task: TaskExecutionEntity, outcome: ActionOutcome): Promise<void> {
    const spec = this.run.spec.tasks[task.name];
    const { scope, changes, deps } = this.run;
    const result = outcome.ok ? outcome.result : outcome.error;
    try {
      if (spec.retry) {
        const view = taskView(task, outcome.ok ? 'SUCCESS' : 'ERROR', result);
        const render = (value: unknown, field: string) => scope.renderForTask(task, value, field, undefined, view);
        const count = Number(await render(spec.retry.count, 'retry.count'));
        const delay = boundedSeconds(await render(spec.retry.delay, 'retry.delay'), 'retry delay', deps.limits);
        const verdict: RetryVerdict = { failed: !outcome.ok, count, retriesDone: task.runtimeContext.retry_no ?? 0 };
        if (spec.retry.continueOn !== undefined) verdict.continueOn = scope.isTruthy(await render(spec.retry.continueOn, 'retry.continue-on'));
        // break-on is only evaluated when the attempt would be retried
        if (wantsRetry(verdict) && spec.retry.breakOn !== undefined) verdict.breakOn = scope.isTruthy(await render(spec.retry.breakOn, 'retry.break-on'));
        if (shouldRetry(verdict)) {
          task.runtimeContext.retry_no = verdict.retriesDone + 1;
          delete task.runtimeContext.with_items;
          changes.setTaskState(task, 'RUNNING_DELAYED');
          if (delay > 0) changes.addJob('run_task', { taskExecutionId: task.id }, delay);
          else this.control.queue(() => this.control.runTask(task));
          return;
        }
      }
      if (spec.waitAfter !== undefined) {
        const seconds = boundedSeconds(await scope.renderForTask(task, spec.waitAfter, 'wait-after'), 'wait-after', deps.limits);
        if (seconds > 0) {
          task.runtimeContext.pending_outcome = { ok: outcome.ok, result };
          changes.setTaskState(task, 'RUNNING_DELAYED');
          changes.addJob('complete_task', { taskExecutionId: task.id }, seconds);
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
  async completeTask(task: TaskExecutionEntity, ok: boolean, result: unknown, stateInfo: string | null): Promise<void> {
    const { spec: workflow, scope, changes, execution } = this.run;
    const spec = workflow.tasks[task.name];
    let state: ExecutionState = ok ? 'SUCCESS' : 'ERROR';
    let info = stateInfo;
    let published: Record<string, unknown> = {};
    const publish = async (publishing: unknown, field: string) =>
      // publish-on-error reads why the task failed as $task().state_info
      (await scope.renderForTask(task, publishing, field, undefined, { ...taskView(task, state, result), state_info: state === 'ERROR' ? info : task.stateInfo })) as Record<string, unknown>;
    try {
      published = ok ? await publish(spec.publish, 'publish') : await publish(spec.publishOnError, 'publish-on-error');
    } catch (error) {
      state = 'ERROR';
      info = errorMessage(error);
      published = {};
      // a failed publish fails the task: its publish-on-error then says what the failure handler needs
      if (ok) published = await publish(spec.publishOnError, 'publish-on-error').catch(() => ({}));
    }
    task.result = scope.isTruthy(spec.keepResult) ? (result ?? null) : null;
    task.published = published;
    changes.finishTask(task, state, info);
    if (Object.keys(published).length > 0) {
      execution.context = { ...execution.context, ...published };
      changes.markExecution();
    }
    const finalView = taskView(task, state, result);
    for (const { transition, handlesError } of candidateTransitions(spec, state)) {
      if (execution.state !== 'RUNNING' && execution.state !== 'PAUSED') break;
      if (transition.guard !== undefined) {
        let taken: boolean;
        try {
          taken = scope.isTruthy(await scope.renderForTask(task, transition.guard, 'transition guard', undefined, finalView));
        } catch (error) {
          await this.control.finishExecution('ERROR', errorMessage(error));
          break;
        }
        if (!taken) continue;
      }
      if (handlesError) task.errorHandled = true;
      if (transition.kind === 'task') {
        const target = transition.task;
        this.control.queue(() => this.control.arrive(target, task.name));
        continue;
      }
      let message: string | null = null;
      if (transition.message !== undefined) {
        message = String(await scope.renderForTask(task, transition.message, 'msg', undefined, finalView).catch(errorMessage));
      }
      if (transition.command === 'fail') await this.control.stopExecution('ERROR', message ?? `Failed by task '${task.name}'`);
      else if (transition.command === 'succeed') await this.control.finishExecution('SUCCESS', message);
      else if (transition.command === 'pause') this.control.pause(message);
    }
    // a reverse workflow goes on from what succeeded; a failure stops it
    if (workflow.type === 'reverse' && state === 'SUCCESS') this.control.queue(() => this.control.advanceReverse());
    task.processed = true;
    changes.touchTask(task);
  }
}
