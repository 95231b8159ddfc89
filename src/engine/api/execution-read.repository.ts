import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';
import { applyListRequest, ListRequest, ListSpec, preferIndexOrder } from '../../common/list-query';
import type { RequestContext } from '../../identity/request-context';
import { ActionExecutionEntity } from '../action-execution.entity';
import { TaskExecutionEntity } from '../task-execution.entity';
import { WorkflowExecutionEntity } from '../workflow-execution.entity';
import { isUuid } from '../../common/uuid';
import { attachDeclarations } from '../workflow-specs.repository';


const LIST_FLAGS = ['all_projects', 'include_output', 'nulls'];

/** A JSON column: it can be selected with `fields`, but neither sorted nor filtered on. */
const json = (sql: string) => ({ sql, type: 'text' as const, sortable: false, filterable: false });

/** The columns of GET /v2/executions. */
export const EXECUTION_LIST_SPEC: ListSpec = {
  columns: {
    id: { sql: 'ex.id', type: 'uuid' },
    workflow_id: { sql: 'ex.workflow_id', type: 'uuid', nullable: true },
    workflow_name: { sql: 'ex.workflow_name', type: 'text' },
    workflow_namespace: { sql: 'ex.workflow_namespace', type: 'text' },
    description: { sql: 'ex.description', type: 'text' },
    tags: { sql: 'ex.tags', type: 'text[]', sortable: false },
    params: json('ex.params'),
    task_execution_id: { sql: 'ex.task_execution_id', type: 'uuid', nullable: true },
    root_execution_id: { sql: 'ex.root_execution_id', type: 'uuid', nullable: true },
    state: { sql: 'ex.state', type: 'text' },
    state_info: { sql: "COALESCE(ex.state_info, '')", type: 'text' },
    input: json('ex.input'),
    output: json('ex.output'),
    created_at: { sql: 'ex.created_at', type: 'timestamp' },
    updated_at: { sql: 'COALESCE(ex.updated_at, ex.created_at)', type: 'timestamp' },
    project_id: { sql: 'ex.project_id', type: 'text' },
    // a filter only (`input_value=web-1`: an input whose top-level value is web-1, e.g. a server's
    // name); exact matches only, as the input may hold secrets
    input_value: {
      sql: "(CASE WHEN jsonb_typeof(ex.input) = 'object' THEN ARRAY(SELECT entry.value FROM jsonb_each_text(ex.input) AS entry) ELSE '{}'::text[] END)",
      type: 'text[]',
      sortable: false,
      mayHoldSecrets: true,
    },
  },
  idColumn: 'id',
  defaultSortKey: 'created_at',
  extraParams: LIST_FLAGS,
};

/** The columns of GET /v2/tasks. */
export const TASK_LIST_SPEC: ListSpec = {
  columns: {
    id: { sql: 't.id', type: 'uuid' },
    name: { sql: 't.name', type: 'text' },
    type: { sql: 't.type', type: 'text' },
    workflow_name: { sql: 't.workflow_name', type: 'text' },
    workflow_namespace: { sql: 't.workflow_namespace', type: 'text' },
    workflow_id: { sql: 't.workflow_id', type: 'uuid', nullable: true },
    workflow_execution_id: { sql: 't.workflow_execution_id', type: 'uuid' },
    tags: json("'{}'::text[]"),
    state: { sql: 't.state', type: 'text' },
    state_info: { sql: "COALESCE(t.state_info, '')", type: 'text' },
    project_id: { sql: 't.project_id', type: 'text' },
    runtime_context: json('t.runtime_context'),
    result: json('t.result'),
    published: json('t.published'),
    processed: { sql: 't.processed::text', type: 'text' },
    created_at: { sql: 't.created_at', type: 'timestamp' },
    updated_at: { sql: 'COALESCE(t.updated_at, t.created_at)', type: 'timestamp' },
    started_at: { sql: 't.started_at', type: 'timestamp', nullable: true },
    finished_at: { sql: 't.finished_at', type: 'timestamp', nullable: true },
  },
  idColumn: 'id',
  defaultSortKey: 'created_at',
  extraParams: LIST_FLAGS,
};

/** The columns of GET /v2/action_executions. */
export const ACTION_EXECUTION_LIST_SPEC: ListSpec = {
  columns: {
    id: { sql: 'a.id', type: 'uuid' },
    workflow_name: { sql: "COALESCE(a.workflow_name, '')", type: 'text' },
    workflow_namespace: { sql: 'a.workflow_namespace', type: 'text' },
    task_name: { sql: "COALESCE(a.task_name, '')", type: 'text' },
    task_execution_id: { sql: 'a.task_execution_id', type: 'uuid', nullable: true },
    state: { sql: 'a.state', type: 'text' },
    state_info: { sql: "COALESCE(a.state_info, '')", type: 'text' },
    tags: json('NULL'),
    name: { sql: 'a.name', type: 'text' },
    description: { sql: 'a.description', type: 'text' },
    project_id: { sql: 'a.project_id', type: 'text' },
    accepted: { sql: 'a.accepted::text', type: 'text' },
    input: json('a.input'),
    output: json('a.output'),
    created_at: { sql: 'a.created_at', type: 'timestamp' },
    updated_at: { sql: 'COALESCE(a.updated_at, a.created_at)', type: 'timestamp' },
  },
  idColumn: 'id',
  defaultSortKey: 'created_at',
  extraParams: LIST_FLAGS,
};

/** The small columns every page of executions reads (the mapper needs them whatever the fields). */
const EXECUTION_LIST_COLUMNS: Array<keyof WorkflowExecutionEntity> = [
  'id', 'workflowId', 'workflowName', 'workflowNamespace', 'projectId', 'description', 'tags', 'state', 'stateInfo',
  'taskExecutionId', 'rootExecutionId', 'createdAt', 'updatedAt',
];

/**
 * The columns a page of executions reads: the small ones, and of the JSON ones only those it
 * shows (params and input unless `fields` leaves them out, output only when asked); never the
 * workflow's spec nor the data context. Of the spec (workflow_specs) only the declared input and
 * output, by which the input and output are shown in order, once per distinct spec of the page.
 */
function executionListColumns(fields: string[] | undefined, withOutput: boolean): Array<keyof WorkflowExecutionEntity> {
  const shows = (field: string) => !fields || fields.includes(field);
  const json: Array<keyof WorkflowExecutionEntity> = [];
  if (shows('params')) json.push('params');
  if (shows('input')) json.push('input');
  if (withOutput) json.push('output');
  return [...EXECUTION_LIST_COLUMNS, ...json];
}

/** Which rows a caller sees: its project's, or every project's for an admin who asks. */
export interface ListScope {
  context: RequestContext;
  allProjects: boolean;
}

function scoped<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, alias: string, scope: ListScope): SelectQueryBuilder<T> {
  if (!(scope.allProjects && scope.context.isAdmin)) {
    qb.andWhere(`${alias}.project_id = :project`, { project: scope.context.projectId });
  }
  return qb;
}

/** An admin reads any object by id; anyone else only the objects of their project. */
function visibleTo(context: RequestContext): { projectId?: string } {
  return context.isAdmin ? {} : { projectId: context.projectId };
}

/** Reading workflow, task and action executions for the API; the engine alone writes them. */
@Injectable()
export class ExecutionReadRepository {
  constructor(
    @InjectRepository(WorkflowExecutionEntity) private readonly executions: Repository<WorkflowExecutionEntity>,
    @InjectRepository(TaskExecutionEntity) private readonly tasks: Repository<TaskExecutionEntity>,
    @InjectRepository(ActionExecutionEntity) private readonly actions: Repository<ActionExecutionEntity>,
  ) {}

  async findExecution(id: string, context: RequestContext): Promise<WorkflowExecutionEntity | null> {
    if (!isUuid(id)) return null;
    const execution = await this.executions.findOne({ where: { id, ...visibleTo(context) } });
    if (execution) await attachDeclarations(this.executions.manager, [execution]);
    return execution;
  }

  findTask(id: string, context: RequestContext): Promise<TaskExecutionEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.tasks.findOne({ where: { id, ...visibleTo(context) } });
  }

  findActionExecution(id: string, context: RequestContext): Promise<ActionExecutionEntity | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.actions.findOne({ where: { id, ...visibleTo(context) } });
  }

  /** A page of executions with only the columns it shows (see executionListColumns); `spec` holds only `input` and `output`. */
  async listExecutions(request: ListRequest, scope: ListScope, withOutput: boolean): Promise<WorkflowExecutionEntity[]> {
    const columns = executionListColumns(request.fields, withOutput);
    return this.executions.manager.transaction(async (manager) => {
      await preferIndexOrder(manager);
      const shown: Array<keyof WorkflowExecutionEntity> = columns.includes('input') || columns.includes('output') ? [...columns, 'specId'] : columns;
      const qb = scoped(manager.createQueryBuilder(WorkflowExecutionEntity, 'ex'), 'ex', scope).select(shown.map((column) => `ex.${column}`));
      await applyListRequest(qb, EXECUTION_LIST_SPEC, request);
      const executions = await qb.getMany();
      // the declarations once per distinct spec of the page (a page of one workflow's runs: one read)
      await attachDeclarations(manager, executions);
      return executions;
    });
  }

  async listTasks(request: ListRequest, scope: ListScope): Promise<TaskExecutionEntity[]> {
    const qb = scoped(this.tasks.createQueryBuilder('t'), 't', scope);
    await applyListRequest(qb, TASK_LIST_SPEC, request);
    return qb.getMany();
  }

  async listActionExecutions(request: ListRequest, scope: ListScope): Promise<ActionExecutionEntity[]> {
    const qb = scoped(this.actions.createQueryBuilder('a'), 'a', scope);
    await applyListRequest(qb, ACTION_EXECUTION_LIST_SPEC, request);
    return qb.getMany();
  }

  /** The tasks of several executions, oldest first (for the report). */
  tasksOfExecutions(executionIds: string[]): Promise<TaskExecutionEntity[]> {
    if (executionIds.length === 0) return Promise.resolve([]);
    return this.tasks.find({ where: { workflowExecutionId: In(executionIds) }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** The action executions of several tasks, oldest first (for the report). */
  actionsOfTasks(taskIds: string[]): Promise<ActionExecutionEntity[]> {
    if (taskIds.length === 0) return Promise.resolve([]);
    return this.actions.find({ where: { taskExecutionId: In(taskIds) }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Each execution's input and params, and its root execution's: where its secrets are. */
  async secretSourcesOf(executionIds: string[]): Promise<Map<string, unknown[]>> {
    const ids = [...new Set(executionIds)].filter(isUuid);
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; input: unknown; params: unknown; root_input: unknown; root_params: unknown }> = await this.executions.query(
      `SELECT e.id::text AS id, e.input, e.params, r.input AS root_input, r.params AS root_params
         FROM workflow_executions e LEFT JOIN workflow_executions r ON r.id = e.root_execution_id
        WHERE e.id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, [row.input, row.params, row.root_input, row.root_params]]));
  }

  /** The sub-workflow executions started by several tasks (for the report). */
  async subExecutionsOfTasks(taskIds: string[]): Promise<WorkflowExecutionEntity[]> {
    if (taskIds.length === 0) return [];
    const executions = await this.executions.find({ where: { taskExecutionId: In(taskIds) }, order: { createdAt: 'ASC', id: 'ASC' } });
    await attachDeclarations(this.executions.manager, executions);
    return executions;
  }
}

