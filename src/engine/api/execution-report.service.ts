import { Injectable } from '@nestjs/common';
import { formatMistralTime } from '../../common/mistral-time';
import { SecretMasker } from '../../common/secret-mask';
import type { RequestContext } from '../../identity/request-context';
import type { ActionExecutionEntity } from '../action-execution.entity';
import type { TaskExecutionEntity } from '../task-execution.entity';
import type { WorkflowExecutionEntity } from '../workflow-execution.entity';
import { ExecutionQueriesService } from './execution-queries.service';
import { ExecutionReadRepository } from './execution-read.repository';

export interface ReportOptions {
  /** only the tasks in ERROR (and what is below them); the root execution is always there */
  errorsOnly: boolean;
  /** sub-workflows deeper than this are shown without their tasks; negative: no limit */
  maxDepth: number;
  statisticsOnly?: boolean;
}

export interface ReportStatistics {
  total_tasks_count: number;
  running_tasks_count: number;
  success_tasks_count: number;
  error_tasks_count: number;
  idle_tasks_count: number;
  paused_tasks_count: number;
}

export interface ActionExecutionReportEntry {
  id: string;
  name: string;
  state: string;
  state_info: string | null;
  accepted: boolean;
  created_at: string | null;
  updated_at: string | null;
}

export interface TaskExecutionReportEntry {
  id: string;
  name: string;
  type: string;
  state: string;
  state_info: string | null;
  created_at: string | null;
  updated_at: string | null;
  retry_count?: number;
  action_executions: ActionExecutionReportEntry[];
  workflow_executions: WorkflowExecutionReportEntry[];
}

export interface WorkflowExecutionReportEntry {
  id: string;
  name: string;
  state: string;
  state_info: string | null;
  created_at: string | null;
  updated_at: string | null;
  /** absent below max_depth */
  task_executions?: TaskExecutionReportEntry[];
}

export interface ExecutionReport {
  statistics: ReportStatistics;
  root_workflow_execution?: WorkflowExecutionReportEntry;
}

const STATISTIC_BY_STATE: Partial<Record<string, keyof ReportStatistics>> = {
  RUNNING: 'running_tasks_count',
  SUCCESS: 'success_tasks_count',
  ERROR: 'error_tasks_count',
  IDLE: 'idle_tasks_count',
  PAUSED: 'paused_tasks_count',
};

/** Whether a sub-workflow at this depth is shown without its tasks (the root is at depth 0). */
function beyondDepth(options: ReportOptions, depth: number): boolean {
  return options.maxDepth >= 0 && depth > options.maxDepth;
}

/**
 * Mistral's execution report (`mistral execution-get-report`) and sub-executions list: the tree of
 * an execution's tasks, their actions and sub-workflows, walked as Mistral walks it.
 */
@Injectable()
export class ExecutionReportService {
  constructor(
    private readonly queries: ExecutionQueriesService,
    private readonly executions: ExecutionReadRepository,
  ) {}

  async report(id: string, options: ReportOptions, context: RequestContext): Promise<ExecutionReport> {
    const root = await this.queries.getExecution(id, context);
    const statistics: ReportStatistics = {
      total_tasks_count: 0,
      running_tasks_count: 0,
      success_tasks_count: 0,
      error_tasks_count: 0,
      idle_tasks_count: 0,
      paused_tasks_count: 0,
    };
    const entry = await this.workflowEntry(root, options, statistics, 0, new SecretMasker());
    return options.statisticsOnly ? { statistics } : { statistics, root_workflow_execution: entry };
  }

  /** GET /v2/executions/{id}/executions: the execution and every sub-workflow run below it. */
  async subExecutions(id: string, options: ReportOptions, context: RequestContext): Promise<WorkflowExecutionEntity[]> {
    const found: WorkflowExecutionEntity[] = [];
    await this.visitExecution(await this.queries.getExecution(id, context), options, 0, found);
    return found;
  }

  /** A task's sub-workflow executions and theirs, as Mistral's `GET /v2/tasks/{id}/executions`. */
  async subExecutionsOfTask(taskId: string, options: ReportOptions, context: RequestContext): Promise<WorkflowExecutionEntity[]> {
    const task = await this.queries.getTask(taskId, context);
    const found: WorkflowExecutionEntity[] = [];
    if (options.errorsOnly && task.state !== 'ERROR') return found;
    for (const child of await this.executions.subExecutionsOfTasks([task.id])) {
      await this.visitExecution(child, options, 0, found);
    }
    return found;
  }

  private async visitExecution(execution: WorkflowExecutionEntity, options: ReportOptions, depth: number, found: WorkflowExecutionEntity[]) {
    if (beyondDepth(options, depth)) return;
    found.push(execution);
    const tasks = (await this.executions.tasksOfExecutions([execution.id])).filter(
      (task) => !options.errorsOnly || task.state === 'ERROR',
    );
    for (const child of await this.executions.subExecutionsOfTasks(tasks.map((task) => task.id))) {
      await this.visitExecution(child, options, depth + 1, found);
    }
  }

  private async workflowEntry(
    execution: WorkflowExecutionEntity,
    options: ReportOptions,
    statistics: ReportStatistics,
    depth: number,
    parentMasker: SecretMasker,
  ): Promise<WorkflowExecutionReportEntry> {
    // a sub-workflow's texts may show its parents' secrets as well as its own
    const masker = parentMasker.with(execution.input, execution.params);
    const entry: WorkflowExecutionReportEntry = {
      id: execution.id,
      name: execution.workflowName,
      state: execution.state,
      state_info: masker.text(execution.stateInfo),
      created_at: formatMistralTime(execution.createdAt),
      updated_at: formatMistralTime(execution.updatedAt ?? execution.createdAt),
    };
    if (beyondDepth(options, depth)) return entry;
    const tasks = (await this.executions.tasksOfExecutions([execution.id])).filter(
      (task) => !options.errorsOnly || task.state === 'ERROR',
    );
    const taskIds = tasks.map((task) => task.id);
    const [actions, children] = await Promise.all([
      this.executions.actionsOfTasks(taskIds),
      this.executions.subExecutionsOfTasks(taskIds),
    ]);
    entry.task_executions = [];
    for (const task of tasks) {
      countTask(statistics, task);
      const childEntries: WorkflowExecutionReportEntry[] = [];
      for (const child of children.filter((sub) => sub.taskExecutionId === task.id)) {
        childEntries.push(await this.workflowEntry(child, options, statistics, depth + 1, masker));
      }
      entry.task_executions.push(
        taskEntry(
          task,
          actions.filter((action) => action.taskExecutionId === task.id),
          childEntries,
          masker,
        ),
      );
    }
    return entry;
  }
}

function countTask(statistics: ReportStatistics, task: TaskExecutionEntity): void {
  statistics.total_tasks_count += 1;
  const key = STATISTIC_BY_STATE[task.state];
  if (key) statistics[key] += 1;
}

function taskEntry(
  task: TaskExecutionEntity,
  actions: ActionExecutionEntity[],
  workflows: WorkflowExecutionReportEntry[],
  masker: SecretMasker,
): TaskExecutionReportEntry {
  const retries = task.runtimeContext?.retry_no;
  return {
    id: task.id,
    name: task.name,
    type: task.type,
    state: task.state,
    state_info: masker.text(task.stateInfo),
    created_at: formatMistralTime(task.createdAt),
    updated_at: formatMistralTime(task.updatedAt ?? task.createdAt),
    ...(retries !== undefined ? { retry_count: retries } : {}),
    action_executions: actions.map((action) => actionEntry(action, masker.with(action.input))),
    workflow_executions: workflows,
  };
}

function actionEntry(action: ActionExecutionEntity, masker: SecretMasker): ActionExecutionReportEntry {
  return {
    id: action.id,
    name: action.name,
    state: action.state,
    state_info: masker.text(action.stateInfo),
    accepted: action.accepted,
    created_at: formatMistralTime(action.createdAt),
    updated_at: formatMistralTime(action.updatedAt ?? action.createdAt),
  };
}
