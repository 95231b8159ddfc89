import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { RequestContext } from '../../identity/request-context';
import type { WorkflowSpec } from '../../workflows/language';
import type { DelayedJobEntity } from '../delayed-job.entity';
import type { TriggeredStart } from '../execution-commands';
import { storedStart, type AfterCommit } from '../run/after-commit';
import { StartedRows } from '../run/started-rows';
import { checkTargetTask } from '../run/reverse-graph';
import { resolveWorkflowInput } from '../run/workflow-input';
import type { ExecutionParams, WorkflowExecutionEntity } from '../workflow-execution.entity';
import { type ExecutionWorkflow, newExecution, startJob } from './new-execution';

/** What a StartBatch needs of the engine (ExecutionStarter gives it). */
export interface StartBatchDeps {
  instanceId: string;
  claimUntil(runAt: Date): Date;
  findWorkflow(manager: EntityManager, id: string): Promise<ExecutionWorkflow | null>;
  resolveEnv(env: unknown, context: RequestContext): Promise<Record<string, unknown>>;
  startInTransaction(manager: EntityManager, execution: WorkflowExecutionEntity, started?: StartedRows): Promise<AfterCommit>;
  insertExecution(manager: EntityManager, execution: WorkflowExecutionEntity): Promise<void>;
  insertJob(manager: EntityManager, job: DelayedJobEntity): Promise<DelayedJobEntity>;
  triggerRunStillLive(manager: EntityManager, triggerId: string): Promise<boolean>;
  withSavepoint<T>(manager: EntityManager, work: () => Promise<T>): Promise<T>;
  dispatch(after: AfterCommit): void;
}

/** How one start went: the execution's id, and why it could not run (it is then stored in ERROR). */
export interface StartResult {
  executionId: string;
  failure: string | null;
}

const logger = new Logger('StartBatch');

/**
 * The executions a transaction of the caller's starts (a batch of cron trigger firings): each is
 * created inside that transaction, so a firing and its execution exist together or not at all.
 * When a run cannot start (workflow gone, input no longer fits, unknown environment, or a
 * `failure` the caller gives, e.g. a broken trust) it is created in ERROR with the reason: a
 * failure is always visible. `oneByOne` (single firings) starts each under a savepoint and falls
 * back to a start job when the first transition fails; otherwise (batches) the new rows are
 * written together by `write()` and a fault aborts the whole transaction, which the caller then
 * retries one by one. After the commit, `dispatch()` hands the work to the engine.
 */
export class StartBatch {
  private readonly workflows = new Map<string, Promise<ExecutionWorkflow | null>>();
  private readonly started?: StartedRows;
  private readonly afterCommit: AfterCommit[] = [];

  constructor(
    private readonly manager: EntityManager,
    private readonly deps: StartBatchDeps,
    private readonly oneByOne: boolean,
  ) {
    if (!oneByOne) this.started = new StartedRows();
  }

  async start(start: TriggeredStart): Promise<StartResult> {
    const context: RequestContext = { projectId: start.projectId, userId: start.userId, roles: [], isAdmin: false };
    // a batch of firings reads each workflow once
    if (!this.workflows.has(start.workflowId)) this.workflows.set(start.workflowId, this.deps.findWorkflow(this.manager, start.workflowId));
    const workflow = (await this.workflows.get(start.workflowId)) ?? undefined;
    let failure = start.failure ?? null;
    let input = start.input;
    let params: ExecutionParams = { ...start.params, namespace: workflow?.namespace ?? '', env: {} };
    if (!workflow) failure ??= `Workflow not found [workflow_identifier=${start.workflowName}]`;
    if (workflow && failure === null) {
      try {
        input = resolveWorkflowInput(workflow.spec, start.input);
        checkTargetTask(workflow.spec, params);
        params = { ...params, env: await this.deps.resolveEnv(start.params.env, context) };
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
    }
    const missing: ExecutionWorkflow = { id: null, name: start.workflowName, namespace: '', tags: [], spec: { name: start.workflowName } as WorkflowSpec };
    const execution = newExecution(start.executionId ?? randomUUID(), workflow ?? missing, input, params, start.description, start.projectId);
    execution.triggerId = start.triggerId;
    if (start.context) execution.context = { ...execution.context, ...start.context };
    if (failure !== null) {
      execution.state = 'ERROR';
      execution.stateInfo = failure;
      execution.output = { result: failure };
      await this.deps.insertExecution(this.manager, execution);
      this.afterCommit.push(storedStart(execution.workflowName, [], 'ERROR'));
      return { executionId: execution.id, failure };
    }
    if (!this.oneByOne) {
      this.afterCommit.push(await this.deps.startInTransaction(this.manager, execution, this.started));
      return { executionId: execution.id, failure };
    }
    const pristine = { ...execution };
    try {
      this.afterCommit.push(await this.deps.withSavepoint(this.manager, () => this.deps.startInTransaction(this.manager, execution)));
    } catch (error) {
      logger.warn(`execution ${execution.id}: starting it inline failed, starting it as a job: ${String(error)}`);
      Object.assign(execution, pristine);
      await this.deps.insertExecution(this.manager, execution);
      this.afterCommit.push(storedStart(execution.workflowName, [await this.deps.insertJob(this.manager, startJob(execution.id, this.deps.instanceId, this.deps.claimUntil(new Date())))]));
    }
    return { executionId: execution.id, failure };
  }

  /** Whether the trigger's previous top-level execution has not ended (overlap_policy 'skip'). */
  previousStillRuns(triggerId: string): Promise<boolean> {
    return this.deps.triggerRunStillLive(this.manager, triggerId);
  }

  /** Writes the rows of the batch's new executions (before the caller's own rows that refer to them). */
  async write(): Promise<void> {
    await this.started?.write(this.manager, this.deps.instanceId);
  }

  /** Once the caller's transaction has committed: runs what the starts produced. */
  dispatch(): void {
    for (const after of this.afterCommit) this.deps.dispatch(after);
  }
}
