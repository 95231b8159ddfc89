import type { ExpressionEvaluator } from '../../expressions/expression-evaluator';
import type { EvaluationSite, ExpressionScope, TaskView } from '../../expressions/expression-scope';
import type { ExecutionState } from '../execution-states';
import type { TaskExecutionEntity } from '../task-execution.entity';
import type { WorkflowExecutionEntity } from '../workflow-execution.entity';
import type { RunReads } from './run-reads';

/** A task as expressions see it (`$task()`, `task(name)`). */
export function taskView(task: TaskExecutionEntity, state: ExecutionState, result: unknown): TaskView {
  return { id: task.id, name: task.name, state, state_info: task.stateInfo, result, published: task.published };
}

/** What a run's expressions see: the data context, `$task()`, `$execution()`, `env()`. */
export class RunScope {
  constructor(
    private readonly evaluator: ExpressionEvaluator,
    private readonly execution: WorkflowExecutionEntity,
    private readonly reads: RunReads,
  ) {}

  /** Renders a value of the workflow (vars, output), outside any task. */
  renderForExecution(value: unknown, field: string): Promise<unknown> {
    return this.evaluator.render(value, this.scope(undefined), { field });
  }

  /** Renders a value of a task's definition; `view` overrides how `$task()` sees the task (e.g. as finished). */
  renderForTask(task: TaskExecutionEntity, value: unknown, field: string, variables?: Record<string, unknown>, view?: TaskView): Promise<unknown> {
    const site: EvaluationSite = { task: task.name, field };
    const current = view ?? taskView(task, task.state, task.result);
    return this.evaluator.render(value, this.scope(current, variables), site);
  }

  isTruthy(value: unknown): boolean {
    return this.evaluator.isTruthy(value);
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
    const latest = await this.reads.latestTask(name);
    return latest ? taskView(latest, latest.state, latest.result) : undefined;
  }
}
