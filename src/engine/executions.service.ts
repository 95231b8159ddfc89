import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ActionCatalog } from '../actions/action-catalog';
import { ActionInputError } from '../actions/action.types';
import { ApiError } from '../common/api-error';
import type { RequestContext } from '../identity/request-context';
import { WorkflowsService } from '../workflows/workflows.service';
import { WorkflowUsageRegistry } from '../workflows/workflow-usage.registry';
import { ActionExecutionEntity } from './action-execution.entity';
import { DelayedJobEntity } from './delayed-job.entity';
import type { EngineEvent } from './engine-events';
import type { WorkflowSpec } from '../workflows/language';
import { WorkflowDefinitionEntity } from '../workflows/workflow-definition.entity';
import type {
  CreateExecutionRequest,
  ExecutionCommands,
  TriggeredExecution,
  TriggeredStart,
  UpdateExecutionRequest,
} from './execution-commands';
import { actionErrorOutcome, type AfterCommit, type FreshRunSink, InvalidWorkflowInput, resolveWorkflowInput } from './execution-run';
import { isTerminal, type ExecutionState } from './execution-states';
import { TaskExecutionEntity } from './task-execution.entity';
import { ExecutionTrusts } from '../identity/trusts/execution-trusts.service';
import { WorkflowEngine } from './workflow-engine.service';
import { WorkflowExecutionEntity, type ExecutionParams } from './workflow-execution.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a create request names the workflow an existing execution runs (by id or by name and namespace). */
function sameWorkflow(existing: WorkflowExecutionEntity, request: CreateExecutionRequest): boolean {
  if (request.workflowId !== undefined) return existing.workflowId === request.workflowId;
  if (existing.workflowId !== null && existing.workflowId === request.workflowName) return true;
  return existing.workflowName === request.workflowName && existing.workflowNamespace === (request.namespace ?? '');
}

const executionNotFound = (id: string) => ApiError.notFound(`WorkflowExecution not found [id=${id}]`);
const taskNotFound = (id: string) => ApiError.notFound(`TaskExecution not found [id=${id}]`);

/** The engine's commands as the API gives them: checks, then an event to the engine. */
@Injectable()
export class ExecutionsService implements ExecutionCommands, OnModuleInit {
  private readonly logger = new Logger(ExecutionsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: WorkflowEngine,
    private readonly workflows: WorkflowsService,
    private readonly actions: ActionCatalog,
    private readonly usage: WorkflowUsageRegistry,
    private readonly trusts: ExecutionTrusts,
  ) {}

  onModuleInit(): void {
    this.usage.register(async (workflow) => {
      const rows: Array<{ id: string }> = await this.dataSource.query(
        `SELECT id FROM workflow_executions WHERE workflow_id = $1 AND state IN ('RUNNING', 'PAUSED', 'IDLE') LIMIT 5`,
        [workflow.id],
      );
      return rows.length === 0 ? null : `executions still running it [execution_id(s)=${rows.map((row) => row.id).join(', ')}]`;
    });
  }

  async createExecution(request: CreateExecutionRequest, context: RequestContext): Promise<WorkflowExecutionEntity> {
    if (request.id !== undefined) {
      if (!UUID.test(request.id)) throw ApiError.badRequest(`id must be a UUID, got '${request.id}'`);
      const existing = await this.findExecution(request.id, context).catch(() => null);
      // a client retrying its create gets the same execution; an id taken by another workflow's is a conflict
      if (existing && sameWorkflow(existing, request)) return existing;
      if (existing) {
        throw ApiError.conflict(
          `Execution ${request.id} already exists for another workflow (${existing.workflowName}); choose another id`,
        );
      }
    }
    const identifier = request.workflowId ?? request.workflowName;
    if (!identifier) throw ApiError.badRequest('workflow_name or workflow_id is required');
    const namespace = request.namespace ?? '';
    const workflow = await this.workflows.get(identifier, namespace, context);
    let input: Record<string, unknown>;
    try {
      input = resolveWorkflowInput(workflow.spec, request.input);
    } catch (error) {
      if (error instanceof InvalidWorkflowInput) throw ApiError.badRequest(error.message);
      throw error;
    }
    const params = { ...request.params, namespace, env: await this.resolveEnv(request.params.env, context) };
    const execution = this.newExecution(request.id ?? randomUUID(), workflow, input, params, request.description, context.projectId);
    const duplicate = (error: unknown) => {
      if ((error as { code?: string }).code === '23505') throw ApiError.conflict(`Duplicate entry for WorkflowExecution: ${execution.id}`);
      throw error;
    };
    const insert = (manager: EntityManager) =>
      manager.insert(WorkflowExecutionEntity, execution as unknown as QueryDeepPartialEntity<WorkflowExecutionEntity>);
    // keystone mode: the caller's trust, for the run's OpenStack actions (stored with the execution)
    const trust = await this.trusts.createFor(workflow.spec, context);
    const recordTrust = (manager: EntityManager) => (trust ? this.trusts.record(manager, execution.id, context.projectId, trust) : Promise.resolve());
    let after: AfterCommit | undefined;
    try {
      // the first transition writes the new execution itself
      after = await this.dataSource.transaction(async (manager) => {
        await recordTrust(manager);
        return this.engine.startInTransaction(manager, execution);
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') await this.trusts.discard(trust).then(() => duplicate(error));
      // the first transition failed (nothing was stored): accept the run anyway and let the engine
      // start it from a job, where a fault ends it visibly in ERROR
      this.logger.warn(`execution ${execution.id}: starting it inline failed, starting it as a job: ${String(error)}`);
      Object.assign(execution, this.newExecution(execution.id, workflow, input, params, request.description, context.projectId));
      const job = await this.dataSource
        .transaction(async (manager) => {
          await insert(manager);
          await recordTrust(manager);
          return this.insertStartJob(manager, execution.id);
        })
        .catch(async (failure: unknown) => {
          await this.trusts.discard(trust);
          return duplicate(failure);
        });
      this.engine.afterCommit([job]);
    }
    // outside the try: once committed, the execution is accepted whatever dispatching does
    if (after) this.engine.dispatchAfterCommit(after);
    return execution;
  }

  /**
   * For the trigger firing loop: creates the execution inside the caller's transaction (the one that
   * records the firing), so a firing and its execution exist together or not at all. When the run
   * cannot start (workflow gone, input no longer fits, unknown environment, `failure` given by the
   * caller, e.g. a broken trust) the execution is created in ERROR with the reason: a failure is
   * always visible. Hand `job` to `startAfterCommit` once the transaction has committed.
   */
  async createTriggeredExecution(
    manager: EntityManager,
    start: TriggeredStart,
    options: { workflows?: Map<string, Promise<WorkflowDefinitionEntity | null>>; savepoint?: boolean; sink?: FreshRunSink } = {},
  ): Promise<TriggeredExecution> {
    const context: RequestContext = { projectId: start.projectId, userId: start.userId, roles: [], isAdmin: false };
    // a batch of firings reads each workflow once
    const cache = options.workflows ?? new Map<string, Promise<WorkflowDefinitionEntity | null>>();
    if (!cache.has(start.workflowId)) cache.set(start.workflowId, manager.findOne(WorkflowDefinitionEntity, { where: { id: start.workflowId } }));
    const workflow = (await cache.get(start.workflowId)) ?? undefined;
    let failure = start.failure ?? null;
    let input = start.input;
    let params: ExecutionParams = { ...start.params, namespace: workflow?.namespace ?? '', env: {} };
    if (!workflow) failure ??= `Workflow not found [workflow_identifier=${start.workflowName}]`;
    if (workflow && failure === null) {
      try {
        input = resolveWorkflowInput(workflow.spec, start.input);
        params = { ...params, env: await this.resolveEnv(start.params.env, context) };
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
    }
    const execution = this.newExecution(
      start.executionId ?? randomUUID(),
      workflow ?? { id: null, name: start.workflowName, namespace: '', tags: [], spec: { name: start.workflowName } as WorkflowSpec },
      input,
      params,
      start.description,
      start.projectId,
    );
    execution.triggerId = start.triggerId;
    if (failure !== null) {
      execution.state = 'ERROR';
      execution.stateInfo = failure;
      execution.output = { result: failure };
    }
    const insert = () => manager.insert(WorkflowExecutionEntity, execution as unknown as QueryDeepPartialEntity<WorkflowExecutionEntity>);
    if (failure !== null) {
      await insert();
      return { execution, start: null, failure };
    }
    // started inside the firing's transaction (the execution is RUNNING, or done, when the firing
    // commits). Without a savepoint a fault aborts the caller's transaction (a batch of firings,
    // which then fires one by one); with one, it falls back to a start job.
    if (!options.savepoint) return { execution, start: { after: await this.engine.startInTransaction(manager, execution, options.sink) }, failure };
    const pristine = { ...execution };
    await manager.query('SAVEPOINT sirocco_start');
    try {
      const after = await this.engine.startInTransaction(manager, execution);
      await manager.query('RELEASE SAVEPOINT sirocco_start');
      return { execution, start: { after }, failure };
    } catch (error) {
      await manager.query('ROLLBACK TO SAVEPOINT sirocco_start');
      this.logger.warn(`execution ${execution.id}: starting it inline failed, starting it as a job: ${String(error)}`);
      Object.assign(execution, pristine);
      await insert();
      return { execution, start: { job: await this.insertStartJob(manager, execution.id) }, failure };
    }
  }

  /** This instance's id (the owner of the jobs and actions it claims). */
  get instanceId(): string {
    return this.engine.instanceId;
  }

  /** Runs what createTriggeredExecution started, once its transaction has committed. */
  startAfterCommit(starts: TriggeredExecution['start'][]): void {
    for (const start of starts) {
      if (start?.after) this.engine.dispatchAfterCommit(start.after);
      if (start?.job) this.engine.afterCommit([start.job]);
    }
  }

  private newExecution(
    id: string,
    workflow: Pick<WorkflowDefinitionEntity, 'name' | 'namespace' | 'tags' | 'spec'> & { id: string | null },
    input: Record<string, unknown>,
    params: ExecutionParams,
    description: string,
    projectId: string,
  ): WorkflowExecutionEntity {
    return Object.assign(new WorkflowExecutionEntity(), {
      id,
      workflowId: workflow.id,
      workflowName: workflow.name,
      workflowNamespace: workflow.namespace,
      projectId,
      description,
      tags: workflow.tags,
      spec: workflow.spec,
      params,
      input,
      output: null,
      context: { ...input },
      state: 'RUNNING' as ExecutionState,
      stateInfo: null,
      taskExecutionId: null,
      rootExecutionId: null,
      triggerId: null,
      createdAt: new Date(),
      updatedAt: null,
    });
  }

  /** The start is a job: if this instance dies before starting the run, another one will. */
  private insertStartJob(manager: EntityManager, executionId: string): Promise<DelayedJobEntity> {
    return manager.save(
      DelayedJobEntity,
      Object.assign(new DelayedJobEntity(), {
        workflowExecutionId: executionId,
        kind: 'start_execution' as const,
        payload: {},
        runAt: new Date(),
        claimedBy: this.engine.instanceId,
        claimedUntil: this.engine.claimUntil(new Date()),
      }),
    );
  }

  async updateExecution(id: string, request: UpdateExecutionRequest, context: RequestContext): Promise<WorkflowExecutionEntity> {
    const execution = await this.findExecution(id, context);
    if (request.description !== undefined) {
      await this.dataSource.query(`UPDATE workflow_executions SET description = $2, updated_at = now() WHERE id = $1`, [id, request.description]);
    }
    if (request.state !== undefined) {
      const event = this.stateEvent(execution, request.state, request.stateInfo ?? null);
      await this.engine.submit(id, event);
      if (event.kind === 'pause' || event.kind === 'resume') await this.cascade(id, event);
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
    await this.dataSource.query(`DELETE FROM workflow_executions WHERE id = $1 OR root_execution_id = $1`, [id]);
  }

  async rerunTask(id: string, reset: boolean, context: RequestContext): Promise<TaskExecutionEntity> {
    const task = await this.findTask(id, context);
    if (task.state !== 'ERROR') throw ApiError.badRequest(`Only a task in ERROR can be re-run; task ${task.name} is ${task.state}`);
    await this.engine.submit(task.workflowExecutionId, { kind: 'rerun_task', taskExecutionId: id, reset });
    return this.findTask(id, context);
  }

  async skipTask(id: string, context: RequestContext): Promise<TaskExecutionEntity> {
    const task = await this.findTask(id, context);
    if (task.state !== 'ERROR') throw ApiError.badRequest(`Only a task in ERROR can be skipped; task ${task.name} is ${task.state}`);
    await this.engine.submit(task.workflowExecutionId, { kind: 'skip_task', taskExecutionId: id });
    return this.findTask(id, context);
  }

  async runAction(name: string, rawInput: Record<string, unknown>, description: string, context: RequestContext): Promise<ActionExecutionEntity> {
    const handler = this.actions.get(name);
    if (!handler) throw ApiError.badRequest(`Action not found [action_name=${name}]`);
    let input: Record<string, unknown>;
    try {
      input = this.actions.prepareInput(name, rawInput);
    } catch (error) {
      if (error instanceof ActionInputError) throw ApiError.badRequest(error.message);
      throw error;
    }
    const action = Object.assign(new ActionExecutionEntity(), {
      id: randomUUID(),
      taskExecutionId: null,
      workflowExecutionId: null,
      workflowName: null,
      workflowNamespace: '',
      taskName: null,
      projectId: context.projectId,
      name,
      description,
      state: 'RUNNING' as ExecutionState,
      stateInfo: null,
      accepted: false,
      input,
      output: null,
      itemIndex: null,
      attempt: 0,
      leaseOwner: this.engine.instanceId,
      leaseExpiresAt: new Date(Date.now() + 3600_000),
      createdAt: new Date(),
      updatedAt: null,
    });
    await this.dataSource.getRepository(ActionExecutionEntity).insert(action as unknown as QueryDeepPartialEntity<ActionExecutionEntity>);
    let outcome;
    try {
      const result = await handler.run(input, { actionExecutionId: action.id, caller: context.authToken ? { token: context.authToken, projectId: context.projectId } : undefined, signal: new AbortController().signal });
      outcome = { ok: true as const, result: result ?? null };
    } catch (error) {
      outcome = actionErrorOutcome(error);
    }
    Object.assign(action, {
      state: outcome.ok ? 'SUCCESS' : 'ERROR',
      stateInfo: outcome.ok ? null : outcome.message,
      output: { result: outcome.ok ? outcome.result : outcome.error },
      accepted: true,
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: new Date(),
    });
    await this.dataSource.getRepository(ActionExecutionEntity).update(action.id, {
      state: action.state,
      stateInfo: action.stateInfo,
      output: action.output as never,
      accepted: true,
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: action.updatedAt,
    });
    return action;
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
    const children: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM workflow_executions WHERE root_execution_id = $1 AND state = $2`,
      [id, wanted],
    );
    await Promise.all(children.map((child) => this.engine.submit(child.id, event)));
  }

  private async resolveEnv(env: unknown, context: RequestContext): Promise<Record<string, unknown>> {
    if (env === undefined || env === null) return {};
    if (typeof env === 'object' && !Array.isArray(env)) return env as Record<string, unknown>;
    if (typeof env !== 'string') throw ApiError.badRequest('params.env must be an object or the name of an environment');
    const rows: Array<{ variables: Record<string, unknown> }> = await this.dataSource.query(
      `SELECT variables FROM environments WHERE name = $1 AND (project_id = $2 OR scope = 'public')
        ORDER BY (project_id = $2) DESC LIMIT 1`,
      [env, context.projectId],
    );
    if (rows.length === 0) throw ApiError.badRequest(`Environment not found [name=${env}]`);
    return rows[0].variables;
  }

  private async findExecution(id: string, context: RequestContext): Promise<WorkflowExecutionEntity> {
    if (!UUID.test(id)) throw executionNotFound(id);
    const execution = await this.dataSource.getRepository(WorkflowExecutionEntity).findOne({ where: { id } });
    if (!execution || (execution.projectId !== context.projectId && !context.isAdmin)) throw executionNotFound(id);
    return execution;
  }

  private async findTask(id: string, context: RequestContext): Promise<TaskExecutionEntity> {
    if (!UUID.test(id)) throw taskNotFound(id);
    const task = await this.dataSource.getRepository(TaskExecutionEntity).findOne({ where: { id } });
    if (!task || (task.projectId !== context.projectId && !context.isAdmin)) throw taskNotFound(id);
    return task;
  }
}
