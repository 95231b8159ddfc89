import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { isDatabaseUnavailable } from '../../common/database-unavailable';
import { SIROCCO_CONFIG } from '../../config/config.module';
import type { SiroccoConfig } from '../../config/sirocco-config';
import { EnvironmentsService } from '../../environments/environments.service';
import type { RequestContext } from '../../identity/request-context';
import type { WorkflowDefinitionEntity } from '../../workflows/workflow-definition.entity';
import { WorkflowsService } from '../../workflows/workflows.service';
import type { CreateExecutionRequest } from '../execution-commands';
import { ExecutionTrusts, type ExecutionTrust } from '../../identity/trusts/execution-trusts.service';
import { MaintenanceGate } from '../../service-state/maintenance-gate';
import { ExecutionsRepository } from '../executions.repository';
import { storedStart, type AfterCommit } from '../run/after-commit';
import { checkTargetTask, InvalidTargetTask } from '../run/reverse-graph';
import { InvalidWorkflowInput, resolveWorkflowInput } from '../run/workflow-input';
import type { WorkflowExecutionEntity } from '../workflow-execution.entity';
import { WorkflowEngine } from '../runtime/workflow-engine.service';
import { newExecution, startJob } from './new-execution';
import { StartedRows } from '../run/started-rows';
import { CreateGroups, type GroupMember } from './create-groups';
import { SharedReads } from './shared-reads';
import { StartBatch } from './start-batch';

/** An API create whose checks passed: the execution to start (RUNNING, not stored) and the caller's trust. */
interface PreparedCreate {
  execution: WorkflowExecutionEntity;
  /** the execution as it was before a (failed) first transition changed it */
  fresh(id: string): WorkflowExecutionEntity;
  trust: ExecutionTrust | null;
  projectId: string;
}

/** Groups in flight at once: one, so that the creates arriving while a group commits all join the next (measured: groups of ~9 with 20 clients, ~5 with two in flight and more CPU per create). */
const GROUPS_IN_FLIGHT = 1;
/** A group's first transitions give the event loop a turn after this long (a group of large workflows runs long). */
const YIELD_AFTER_MS = 20;

/**
 * Starts executions: one the API asks for, or a batch inside a caller's transaction (the cron
 * triggers' one entry point into the engine, `startBatch`). A new execution's first transition
 * runs in the transaction that creates it.
 */
@Injectable()
export class ExecutionStarter {
  private readonly logger = new Logger(ExecutionStarter.name);

  /** concurrent API creates, started in shared transactions (none when the group size is 1) */
  private readonly groups?: CreateGroups<PreparedCreate, WorkflowExecutionEntity>;
  private readonly workflowReads = new SharedReads<WorkflowDefinitionEntity>();

  constructor(
    private readonly engine: WorkflowEngine,
    private readonly repository: ExecutionsRepository,
    private readonly workflows: WorkflowsService,
    private readonly environments: EnvironmentsService,
    private readonly trusts: ExecutionTrusts,
    private readonly maintenance: MaintenanceGate,
    @Inject(SIROCCO_CONFIG) config: SiroccoConfig,
  ) {
    const max = config.engine.createGroupMax;
    if (max > 1) this.groups = new CreateGroups(max, GROUPS_IN_FLIGHT, (members) => this.createGroup(members));
  }

  /**
   * `POST /v2/executions` once the id was checked: the run starts in the transaction that stores it.
   * Everything that may refuse the request with a 4xx (workflow, input, target task, environment,
   * trust) is decided first, on its own; then the start joins a group of concurrent creates that
   * commit in one transaction (see CreateGroups), and it is answered only after that commit.
   */
  async create(request: CreateExecutionRequest, context: RequestContext): Promise<WorkflowExecutionEntity> {
    const prepared = await this.prepare(request, context);
    return this.groups ? this.groups.join(prepared) : this.createOne(prepared);
  }

  private async prepare(request: CreateExecutionRequest, context: RequestContext): Promise<PreparedCreate> {
    const identifier = request.workflowId ?? request.workflowName;
    if (!identifier) throw ApiError.badRequest('workflow_name or workflow_id is required');
    const namespace = request.namespace ?? '';
    // concurrent creates of one workflow by one project share the read (each read is sent after the request came)
    const key = [context.projectId, context.isAdmin, namespace, identifier].join('\u0000');
    const workflow = await this.workflowReads.read(key, () => this.workflows.get(identifier, namespace, context));
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
    // keystone mode: the caller's trust, for the run's OpenStack actions (stored with the execution)
    const trust = await this.trusts.createFor(workflow.spec, context);
    return { execution, fresh, trust, projectId: context.projectId };
  }

  private recordTrust(manager: EntityManager, prepared: PreparedCreate): Promise<void> {
    return prepared.trust ? this.trusts.record(manager, prepared.execution.id, prepared.projectId, prepared.trust) : Promise.resolve();
  }

  /** One create in a transaction of its own (a group's members, when the group's transaction failed). */
  private async createOne(prepared: PreparedCreate): Promise<WorkflowExecutionEntity> {
    const { execution, fresh, trust } = prepared;
    const duplicate = (error: unknown) => {
      if ((error as { code?: string }).code === '23505') throw ApiError.conflict(`Duplicate entry for WorkflowExecution: ${execution.id}`);
      throw error;
    };
    let after: AfterCommit | undefined;
    try {
      // the first transition writes the new execution itself
      after = await this.repository.transaction(async (manager) => {
        await this.maintenance.admitNewExecution(manager);
        await this.recordTrust(manager, prepared);
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
          await this.recordTrust(manager, prepared);
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
   * A group of creates in one transaction: one maintenance check, every first transition, then all
   * new rows written together (StartedRows, as a batch of cron firings). Nothing is answered before
   * the commit. When the transaction fails: maintenance mode (503) or a lost database answer every
   * member as a single create would be answered; any other fault (a duplicate id, an engine fault in
   * one run) rolled back the whole group, whose members are then created one by one, so that one
   * bad start fails (or falls back to a start job) alone.
   */
  private async createGroup(members: Array<GroupMember<PreparedCreate, WorkflowExecutionEntity>>): Promise<void> {
    if (members.length === 1) return this.createOne(members[0].item).then(members[0].resolve, members[0].reject);
    const afters: AfterCommit[] = [];
    try {
      await this.repository.transaction(async (manager) => {
        await this.maintenance.admitNewExecution(manager);
        const started = new StartedRows();
        let since = performance.now();
        for (const { item } of members) {
          // the first transitions run without I/O: let timers and other requests in between long ones
          if (performance.now() - since > YIELD_AFTER_MS) {
            await new Promise((resolve) => setImmediate(resolve));
            since = performance.now();
          }
          await this.recordTrust(manager, item);
          afters.push(await this.engine.startInTransaction(manager, item.execution, started));
        }
        await started.write(manager, this.engine.instanceId);
      });
    } catch (error) {
      if (error instanceof ApiError || isDatabaseUnavailable(error)) {
        await Promise.all(members.map((member) => this.trusts.discard(member.item.trust).finally(() => member.reject(error))));
        return;
      }
      this.logger.warn(`a group of ${members.length} creates failed, creating them one by one: ${String(error)}`);
      for (const member of members) {
        Object.assign(member.item.execution, member.item.fresh(member.item.execution.id));
        await this.createOne(member.item).then(member.resolve, member.reject);
      }
      return;
    }
    for (const after of afters) this.engine.dispatchAfterCommit(after);
    for (const member of members) member.resolve(member.item.execution);
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
