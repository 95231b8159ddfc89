import type { WorkflowSpec } from '../../workflows/language';
import { DelayedJobEntity } from '../delayed-job.entity';
import type { ExecutionState } from '../execution-states';
import { WorkflowExecutionEntity, type ExecutionParams } from '../workflow-execution.entity';

/** The definition an execution runs: a stored workflow, or (a trigger's workflow was deleted) just its name. */
export interface ExecutionWorkflow {
  id: string | null;
  name: string;
  namespace: string;
  tags: string[];
  spec: WorkflowSpec;
}

/** A top-level execution, RUNNING, not stored yet. */
export function newExecution(
  id: string,
  workflow: ExecutionWorkflow,
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

/** A start job, claimed by `owner`: if that instance dies before starting the run, another one will. */
export function startJob(executionId: string, owner: string, claimedUntil: Date): DelayedJobEntity {
  return Object.assign(new DelayedJobEntity(), {
    workflowExecutionId: executionId,
    kind: 'start_execution' as const,
    payload: {},
    runAt: new Date(),
    claimedBy: owner,
    claimedUntil,
  });
}
