import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { EnvironmentsService } from '../../environments/environments.service';
import type { RequestContext } from '../../identity/request-context';
import { WorkflowsService } from '../../workflows/workflows.service';
import type { CreateExecutionRequest } from '../execution-commands';
import { ExecutionTrusts } from '../../identity/trusts/execution-trusts.service';
import { MaintenanceGate } from '../../service-state/maintenance-gate';
import { ExecutionsRepository } from '../executions.repository';
import { storedStart, type AfterCommit } from '../run/after-commit';
import { checkTargetTask, InvalidTargetTask } from '../run/reverse-graph';
import { InvalidWorkflowInput, resolveWorkflowInput } from '../run/workflow-input';
import type { WorkflowExecutionEntity } from '../workflow-execution.entity';
import { WorkflowEngine } from '../runtime/workflow-engine.service';
import { newExecution, startJob } from './new-execution';
import { StartBatch } from './start-batch';

/**
 * Starts executions: one the API asks for, or a batch inside a caller's transaction (the cron
 * triggers' one entry point into the engine, `startBatch`). A new execution's first transition
 * runs in the transaction that creates it.
 */
@Injectable()
export class ExecutionStarter {
  private readonly logger = new Logger(ExecutionStarter.name);

  constructor(
    private readonly engine: WorkflowEngine,
    private readonly repository: ExecutionsRepository,
    private readonly workflows: WorkflowsService,
    private readonly environments: EnvironmentsService,
    private readonly trusts: ExecutionTrusts,
    private readonly maintenance: MaintenanceGate,
  ) {}

  /** `POST /v2/executions` once the id was checked: the run starts in the transaction that stores it. */
  async create(request: CreateExecutionRequest, context: RequestContext): Promise<WorkflowExecutionEntity> {
    const identifier = request.workflowId ?? request.workflowName;
    if (!identifier) throw ApiError.badRequest('workflow_name or workflow_id is required');
    const namespace = request.namespace ?? '';
    const workflow = await this.workflows.get(identifier, namespace, context);
    let input: Record<string, unknown>;
    try {
      input = resolveWorkflowInput(workflow.spec, request.input);
      checkTargetTask(workflow.spec, request.params);
    } catch (error) {
      if (error instanceof InvalidWorkflowInput || error instanceof InvalidTargetTask) throw ApiError.badRequest(error.message);
      throw error;
    }
    const params = { ...request.params, namespace, env: await this.resolveEnv(request.params.env, context) };
    const fresh = (id: string) => newExecution(id, workflow, input, params, request.description, context.projectId);
    const execution = fresh(request.id ?? randomUUID());
    const duplicate = (error: unknown) => {
      if ((error as { code?: string }).code === '23505') throw ApiError.conflict(`Duplicate entry for WorkflowExecution: ${execution.id}`);
      throw error;
    };
    // keystone mode: the caller's trust, for the run's OpenStack actions (stored with the execution)
    const trust = await this.trusts.createFor(workflow.spec, context);
    const recordTrust = (manager: EntityManager) => (trust ? this.trusts.record(manager, execution.id, context.projectId, trust) : Promise.resolve());
    let after: AfterCommit | undefined;
    try {
      // the first transition writes the new execution itself
      after = await this.repository.transaction(async (manager) => {
        await this.maintenance.admitNewExecution(manager);
        await recordTrust(manager);
        return this.engine.startInTransaction(manager, execution);
      });
    } catch (error) {
      if (error instanceof ApiError) await this.trusts.discard(trust).then(() => Promise.reject(error));
      if ((error as { code?: string }).code === '23505') await this.trusts.discard(trust).then(() => duplicate(error));
      // the first transition failed (nothing was stored): accept the run anyway and let the engine
      // start it from a job, where a fault ends it visibly in ERROR
      this.logger.warn(`execution ${execution.id}: starting it inline failed, starting it as a job: ${String(error)}`);
      Object.assign(execution, fresh(execution.id));
      const job = await this.repository
        .transaction(async (manager) => {
          await this.maintenance.admitNewExecution(manager);
          await this.repository.insertExecution(manager, execution);
          await recordTrust(manager);
          return this.repository.insertJob(manager, startJob(execution.id, this.engine.instanceId, this.engine.claimUntil(new Date())));
        })
        .catch(async (failure: unknown) => {
          await this.trusts.discard(trust);
          if (failure instanceof ApiError) throw failure;
          return duplicate(failure);
        });
      this.engine.dispatchAfterCommit(storedStart(execution.workflowName, [job]));
    }
    // outside the try: once committed, the execution is accepted whatever dispatching does
    if (after) this.engine.dispatchAfterCommit(after);
    return execution;
  }

  /**
   * The cron triggers' entry point: executions started inside the caller's transaction (see
   * StartBatch). `oneByOne` for a single firing (savepoints, start-job fallback), else a batch.
   */
  startBatch(manager: EntityManager, options: { oneByOne: boolean }): StartBatch {
    return new StartBatch(
      manager,
      {
        instanceId: this.engine.instanceId,
        claimUntil: (runAt) => this.engine.claimUntil(runAt),
        findWorkflow: (transaction, id) => this.workflows.findById(id, transaction),
        resolveEnv: (env, context) => this.resolveEnv(env, context),
        startInTransaction: (transaction, execution, started) => this.engine.startInTransaction(transaction, execution, started),
        insertExecution: (transaction, execution) => this.repository.insertExecution(transaction, execution),
        insertJob: (transaction, job) => this.repository.insertJob(transaction, job),
        triggerRunStillLive: (transaction, triggerId) => this.repository.triggerRunStillLive(transaction, triggerId),
        withSavepoint: (transaction, work) => this.repository.withSavepoint(transaction, work),
        dispatch: (after) => this.engine.dispatchAfterCommit(after),
      },
      options.oneByOne,
    );
  }

  /** `params.env`: the variables given, or those of the environment named (the project's own, else a public one). */
  private async resolveEnv(env: unknown, context: RequestContext): Promise<Record<string, unknown>> {
    if (env === undefined || env === null) return {};
    if (typeof env === 'object' && !Array.isArray(env)) return env as Record<string, unknown>;
    if (typeof env !== 'string') throw ApiError.badRequest('params.env must be an object or the name of an environment');
    const variables = await this.environments.variablesOf(env, context);
    if (variables === null) throw ApiError.badRequest(`Environment not found [name=${env}]`);
    return variables;
  }
}
