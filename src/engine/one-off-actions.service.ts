import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ActionCatalog } from '../actions/action-catalog';
import { ActionInputError } from '../actions/action.types';
import { ApiError } from '../common/api-error';
import type { RequestContext } from '../identity/request-context';
import { SiroccoMetrics } from '../metrics/sirocco-metrics';
import { MaintenanceGate } from '../service-state/maintenance-gate';
import { ActionExecutionEntity } from './action-execution.entity';
import type { ActionOutcome } from './engine-events';
import type { ExecutionState } from './execution-states';
import { ExecutionsRepository } from './executions.repository';
import { runActionHandler } from './run/action-outcome';
import { WorkflowEngine } from './runtime/workflow-engine.service';

/** `POST /v2/action_executions`: one action run outside any workflow, recorded like a task's. */
@Injectable()
export class OneOffActions {
  constructor(
    private readonly actions: ActionCatalog,
    private readonly repository: ExecutionsRepository,
    private readonly engine: WorkflowEngine,
    private readonly maintenance: MaintenanceGate,
    private readonly metrics: SiroccoMetrics,
  ) {}

  /**
   * Records how an action outside any workflow ended: when its handler returned, or (an
   * asynchronous action) when PUT /v2/action_executions/{id} gave its result.
   */
  async complete(action: ActionExecutionEntity, outcome: ActionOutcome): Promise<void> {
    Object.assign(action, {
      state: outcome.ok ? 'SUCCESS' : 'ERROR',
      stateInfo: outcome.ok ? null : outcome.message,
      output: { result: outcome.ok ? outcome.result : outcome.error },
      accepted: true,
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: new Date(),
    });
    await this.repository.endAction(action);
    this.metrics.actionFinished(action.name, action.state, (action.updatedAt!.getTime() - action.createdAt.getTime()) / 1000);
  }

  /** Runs it and waits for it; the record says how it ended. */
  async run(name: string, rawInput: Record<string, unknown>, description: string, context: RequestContext): Promise<ActionExecutionEntity> {
    await this.maintenance.admitNewWork();
    const handler = this.actions.get(name, context.projectId);
    if (!handler) throw ApiError.badRequest(`Action not found [action_name=${name}]`);
    let input: Record<string, unknown>;
    try {
      input = this.actions.prepareInput(name, rawInput, context.projectId);
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
      // held by this instance for an hour: should it die meanwhile, another marks the run failed
      leaseOwner: this.engine.instanceId,
      leaseExpiresAt: new Date(Date.now() + 3600_000),
      createdAt: new Date(),
      updatedAt: null,
    });
    await this.repository.insertAction(action);
    const caller = context.authToken ? { token: context.authToken, projectId: context.projectId } : undefined;
    const outcome = await runActionHandler(handler, input, { actionExecutionId: action.id, caller, signal: new AbortController().signal });
    if (outcome.ok && handler.isAsync?.(input)) {
      // started: it stays RUNNING, held by nobody, until PUT /v2/action_executions/{id} gives its result
      // (the receiver may have given it already, while the request was under way)
      await this.repository.releaseWaitingAction(action.id);
      return (await this.repository.findAction(action.id)) ?? action;
    }
    await this.complete(action, outcome);
    return action;
  }
}
