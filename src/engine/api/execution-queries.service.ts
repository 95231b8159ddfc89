import { Injectable } from '@nestjs/common';
import { ActionCatalog } from '../../actions/action-catalog';
import { ApiError } from '../../common/api-error';
import { KEY_MASKER, SecretMasker } from '../../common/secret-mask';
import type { ListRequest } from '../../common/list-query';
import type { CreateExecutionRequest } from '../execution-commands';
import type { RequestContext } from '../../identity/request-context';
import type { ActionExecutionEntity } from '../action-execution.entity';
import type { TaskExecutionEntity } from '../task-execution.entity';
import type { WorkflowExecutionEntity } from '../workflow-execution.entity';
import type { CreateExecutionBody } from './execution-request.parser';
import { ExecutionReadRepository, type ListScope } from './execution-read.repository';

export const executionNotFound = (id: string) => ApiError.notFound(`WorkflowExecution not found [id=${id}]`);
export const taskNotFound = (id: string) => ApiError.notFound(`TaskExecution not found [id=${id}]`);
export const actionExecutionNotFound = (id: string) => ApiError.notFound(`ActionExecution not found [id=${id}]`);

/** The read side of executions, tasks and action executions: what the API shows. */
@Injectable()
export class ExecutionQueriesService {
  constructor(
    private readonly executions: ExecutionReadRepository,
    private readonly catalog: ActionCatalog,
  ) {}

  async getExecution(id: string, context: RequestContext): Promise<WorkflowExecutionEntity> {
    const execution = await this.executions.findExecution(id, context);
    if (!execution) throw executionNotFound(id);
    return execution;
  }

  async getTask(id: string, context: RequestContext): Promise<TaskExecutionEntity> {
    const task = await this.executions.findTask(id, context);
    if (!task) throw taskNotFound(id);
    return task;
  }

  async getActionExecution(id: string, context: RequestContext): Promise<ActionExecutionEntity> {
    const action = await this.executions.findActionExecution(id, context);
    if (!action) throw actionExecutionNotFound(id);
    return action;
  }

  listExecutions(request: ListRequest, scope: ListScope, withOutput: boolean): Promise<WorkflowExecutionEntity[]> {
    return this.executions.listExecutions(request, scope, withOutput);
  }

  listTasks(request: ListRequest, scope: ListScope): Promise<TaskExecutionEntity[]> {
    return this.executions.listTasks(request, scope);
  }

  listActionExecutions(request: ListRequest, scope: ListScope): Promise<ActionExecutionEntity[]> {
    return this.executions.listActionExecutions(request, scope);
  }

  /**
   * Mistral's `source_execution_id`: run the workflow of an earlier execution again, with its
   * input, params and description unless the request gives its own.
   */
  async resolveCreate(body: CreateExecutionBody, context: RequestContext): Promise<CreateExecutionRequest> {
    if (!body.sourceExecutionId) return body.request;
    const source = await this.getExecution(body.sourceExecutionId, context);
    if (!source.workflowId) {
      throw ApiError.badRequest(`The workflow of execution ${source.id} was deleted; it cannot be run again`);
    }
    const { env, namespace: _namespace, ...params } = source.params ?? {};
    return {
      ...body.request,
      workflowId: body.request.workflowId ?? (body.request.workflowName ? undefined : source.workflowId),
      namespace: body.request.namespace ?? source.workflowNamespace,
      input: body.given.input ? body.request.input : { ...source.input },
      params: body.given.params ? body.request.params : { ...params, ...(env ? { env } : {}) },
      description: body.given.description ? body.request.description : source.description,
    };
  }

  /**
   * A masker per workflow execution (its and its root's secrets), for what tasks and action
   * executions of those executions show.
   */
  async maskersOf(executionIds: Array<string | null>): Promise<(executionId: string | null) => SecretMasker> {
    const sources = await this.executions.secretSourcesOf(executionIds.filter((id): id is string => id !== null));
    const maskers = new Map([...sources].map(([id, values]) => [id, SecretMasker.of(...values)]));
    return (executionId) => (executionId ? maskers.get(executionId) : undefined) ?? KEY_MASKER;
  }

  /** The action's declared parameters, to show an action execution's input in their order. */
  parameterOrder(actionName: string): string[] {
    return (this.catalog.get(actionName)?.parameters ?? []).map((parameter) => parameter.name);
  }
}
