import { Inject, Injectable } from '@nestjs/common';
import { ActionCatalog } from '../actions/action-catalog';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { ApiError } from '../common/api-error';
import { isUuid } from '../common/uuid';
import type { RequestContext } from '../identity/request-context';
import type { ActionExecutionEntity } from './action-execution.entity';
import type { ActionOutcome, EngineEvent } from './engine-events';
import type { ActionResult, CreateExecutionRequest, ExecutionCommands, UpdateExecutionRequest } from './execution-commands';
import { ENV_UPDATABLE_STATES, isTerminal } from './execution-states';
import { ExecutionsRepository } from './executions.repository';
import { OneOffActions } from './one-off-actions.service';
import { actionErrorOutcome } from './run/action-outcome';
import { ExecutionStarter } from './start/execution-starter';
import type { TaskExecutionEntity } from './task-execution.entity';
import { WorkflowEngine } from './runtime/workflow-engine.service';
import type { WorkflowExecutionEntity } from './workflow-execution.entity';

/** Mistral's rule for `execution-update -e` and `task-rerun --env`: only while nothing runs. */
function checkEnvUpdatable(execution: WorkflowExecutionEntity): void {
  if (!ENV_UPDATABLE_STATES.includes(execution.state)) {
    throw ApiError.forbidden('Updating env to workflow execution is only permitted if it is in IDLE, PAUSED, or ERROR state.');
  }
}


/** Whether a create request names the workflow an existing execution runs (by id or by name and namespace). */
function sameWorkflow(existing: WorkflowExecutionEntity, request: CreateExecutionRequest): boolean {
  if (request.workflowId !== undefined) return existing.workflowId === request.workflowId;
  if (existing.workflowId !== null && existing.workflowId === request.workflowName) return true;
  return existing.workflowName === request.workflowName && existing.workflowNamespace === (request.namespace ?? '');
}

const executionNotFound = (id: string) => ApiError.notFound(`WorkflowExecution not found [id=${id}]`);
const actionExecutionNotFound = (id: string) => ApiError.notFound(`ActionExecution not found [id=${id}]`);
const taskNotFound = (id: string) => ApiError.notFound(`TaskExecution not found [id=${id}]`);

/** The engine's commands as the API gives them: checks, then an event to the engine. */
@Injectable()
export class ExecutionsService implements ExecutionCommands {
  constructor(
    private readonly engine: WorkflowEngine,
    private readonly repository: ExecutionsRepository,
    private readonly starter: ExecutionStarter,
    private readonly oneOffActions: OneOffActions,
    private readonly actions: ActionCatalog,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  async createExecution(request: CreateExecutionRequest, context: RequestContext): Promise<WorkflowExecutionEntity> {
    if (request.id !== undefined) {
      if (!isUuid(request.id)) throw ApiError.badRequest(`id must be a UUID, got '${request.id}'`);
      const existing = await this.findExecution(request.id, context).catch(() => null);
      // a client retrying its create gets the same execution; an id taken by another workflow's is a conflict
      if (existing && sameWorkflow(existing, request)) return existing;
      if (existing) {
        throw ApiError.conflict(
          `Execution ${request.id} already exists for another workflow (${existing.workflowName}); choose another id`,
        );
      }
    }
    return this.starter.create(request, context);
  }

  async updateExecution(id: string, request: UpdateExecutionRequest, context: RequestContext): Promise<WorkflowExecutionEntity> {
    const execution = await this.findExecution(id, context);
    if (request.description !== undefined) {
      await this.repository.setDescription(id, request.description);
    }
    if (request.state !== undefined) {
      const event = this.stateEvent(execution, request.state, request.stateInfo ?? null);
      if (event.kind === 'resume' && request.env) event.env = request.env;
      await this.engine.submit(id, event);
      if (event.kind === 'pause' || event.kind === 'resume') await this.cascade(id, { kind: event.kind });
    } else if (request.env !== undefined) {
      checkEnvUpdatable(execution);
      await this.engine.submit(id, { kind: 'update_env', env: request.env });
    }
    return this.findExecution(id, context);
  }

  async deleteExecution(id: string, force: boolean, context: RequestContext): Promise<void> {
    const execution = await this.findExecution(id, context);
    if (!isTerminal(execution.state) && !force) {
      throw ApiError.badRequest(
        `Only completed executions can be deleted; execution ${id} is ${execution.state} (use force=true to delete it anyway)`,
      );
    }
    if (!isTerminal(execution.state)) await this.engine.submit(id, { kind: 'cancel', stateInfo: 'deleted' });
    await this.repository.deleteTree(id);
  }

  async rerunTask(id: string, reset: boolean, context: RequestContext, env?: Record<string, unknown>): Promise<TaskExecutionEntity> {
    const task = await this.findTask(id, context);
    if (task.state !== 'ERROR') throw ApiError.badRequest(`Only a task in ERROR can be re-run; task ${task.name} is ${task.state}`);
    if (env) checkEnvUpdatable(await this.findExecution(task.workflowExecutionId, context));
    await this.engine.submit(task.workflowExecutionId, { kind: 'rerun_task', taskExecutionId: id, reset, ...(env ? { env } : {}) });
    return this.findTask(id, context);
  }

  async skipTask(id: string, context: RequestContext): Promise<TaskExecutionEntity> {
    const task = await this.findTask(id, context);
    if (task.state !== 'ERROR') throw ApiError.badRequest(`Only a task in ERROR can be skipped; task ${task.name} is ${task.state}`);
    await this.engine.submit(task.workflowExecutionId, { kind: 'skip_task', taskExecutionId: id });
    return this.findTask(id, context);
  }

  async completeAction(id: string, result: ActionResult, context: RequestContext): Promise<ActionExecutionEntity> {
    const action = await this.findAction(id, context);
    if (action.state !== 'RUNNING') throw ApiError.badRequest(`Only a RUNNING action execution can be given a result; action execution ${id} is ${action.state}`);
    const message = typeof result.output === 'string' ? result.output : JSON.stringify(result.output ?? null);
    const outcome: ActionOutcome =
      result.state === 'SUCCESS' ? await this.givenResult(action, result.output ?? null) : { ok: false, error: result.output ?? null, message };
    if (action.workflowExecutionId) {
      await this.engine.submit(action.workflowExecutionId, { kind: 'action_finished', actionExecutionId: id, outcome });
    } else {
      await this.oneOffActions.complete(action, outcome);
    }
    return this.findAction(id, context);
  }

  /** A given result as the action's own: an ad-hoc action over an asynchronous one passes it through its `output`. */
  private async givenResult(action: ActionExecutionEntity, result: unknown): Promise<ActionOutcome> {
    const handler = this.actions.get(action.name, action.projectId);
    if (!handler?.transformResult) return { ok: true, result };
    try {
      return { ok: true, result: (await handler.transformResult(result)) ?? null };
    } catch (error) {
      return actionErrorOutcome(error);
    }
  }

  async deleteAction(id: string, context: RequestContext): Promise<void> {
    if (!this.config.engine.allowActionExecutionDeletion) throw ApiError.forbidden('Action execution deletion is not allowed.');
    const action = await this.findAction(id, context);
    if (!isTerminal(action.state)) throw ApiError.badRequest('Only completed action execution can be removed.');
    await this.repository.deleteAction(id);
  }

  /** Ids of the top-level executions still running (maintenance mode waits for them). */
  runningExecutionIds(limit = 100): Promise<string[]> {
    return this.repository.runningTopLevelIds(limit);
  }

  runAction(name: string, rawInput: Record<string, unknown>, description: string, context: RequestContext): Promise<ActionExecutionEntity> {
    return this.oneOffActions.run(name, rawInput, description, context);
  }

  private stateEvent(execution: WorkflowExecutionEntity, state: string, stateInfo: string | null): EngineEvent {
    const from = execution.state;
    const refuse = () => ApiError.badRequest(`Can't change the state of execution ${execution.id} from ${from} to ${state}`);
    switch (state) {
      case 'PAUSED':
        if (from === 'PAUSED') return { kind: 'pause' };
        if (from !== 'RUNNING') throw refuse();
        return { kind: 'pause' };
      case 'RUNNING':
        if (from === 'RUNNING') return { kind: 'resume' };
        if (from !== 'PAUSED') throw refuse();
        return { kind: 'resume' };
      case 'CANCELLED':
        if (isTerminal(from)) throw refuse();
        return { kind: 'cancel', stateInfo };
      case 'SUCCESS':
      case 'ERROR':
        if (isTerminal(from)) throw refuse();
        return { kind: 'force_state', state, stateInfo };
      default:
        throw ApiError.badRequest(`state must be one of PAUSED, RUNNING, CANCELLED, SUCCESS, ERROR; got '${state}'`);
    }
  }

  /** Pause and resume apply to the sub-workflows of an execution too. */
  private async cascade(id: string, event: EngineEvent): Promise<void> {
    const wanted = event.kind === 'pause' ? 'RUNNING' : 'PAUSED';
    const children = await this.repository.descendantsIn(id, wanted);
    await Promise.all(children.map((child) => this.engine.submit(child, event)));
  }

  private async findExecution(id: string, context: RequestContext): Promise<WorkflowExecutionEntity> {
    if (!isUuid(id)) throw executionNotFound(id);
    const execution = await this.repository.findExecution(id);
    if (!execution || (execution.projectId !== context.projectId && !context.isAdmin)) throw executionNotFound(id);
    return execution;
  }

  private async findAction(id: string, context: RequestContext): Promise<ActionExecutionEntity> {
    if (!isUuid(id)) throw actionExecutionNotFound(id);
    const action = await this.repository.findAction(id);
    if (!action || (action.projectId !== context.projectId && !context.isAdmin)) throw actionExecutionNotFound(id);
    return action;
  }

  private async findTask(id: string, context: RequestContext): Promise<TaskExecutionEntity> {
    if (!isUuid(id)) throw taskNotFound(id);
    const task = await this.repository.findTask(id);
    if (!task || (task.projectId !== context.projectId && !context.isAdmin)) throw taskNotFound(id);
    return task;
  }
}
