import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { WorkflowSpec } from '../../workflows/language';
import type { ExecutionState } from '../execution-states';
import type { TaskExecutionEntity } from '../task-execution.entity';
import { WorkflowExecutionEntity } from '../workflow-execution.entity';

/** A workflow definition as a sub-workflow task starts it. */
export interface RunnableWorkflow {
  id: string;
  name: string;
  namespace: string;
  spec: WorkflowSpec;
  tags: string[] | null;
}

/** Where the engine finds the workflow a sub-workflow task names (the workflows feature answers). */
export interface SubWorkflowSource {
  /** In `namespace`, else in the default one; the project's own before a public one; null when there is none. */
  findForSubWorkflow(manager: EntityManager, name: string, namespace: string, projectId: string): Promise<RunnableWorkflow | null>;
}

/**
 * The names a task's `workflow:` (or `action:`) may mean, in the order Mistral looks them up: in a
 * workflow of a workbook (stored as `<workbook>.<name>`, its spec named `<name>`) a short name means
 * the workbook's own `<workbook>.<short name>` first.
 */
export function namesInWorkbook(parent: WorkflowExecutionEntity, name: string): string[] {
  const specName = parent.spec?.name;
  const stored = parent.workflowName;
  if (!specName || stored === specName || !stored.endsWith(`.${specName}`)) return [name];
  return [`${stored.slice(0, -specName.length)}${name}`, name];
}

/** The namespace an execution runs in (Mistral's params.namespace): where its sub-workflows are looked up first. */
export function executionNamespace(execution: WorkflowExecutionEntity): string {
  const namespace = execution.params.namespace;
  return typeof namespace === 'string' ? namespace : execution.workflowNamespace;
}

/** The child execution of a sub-workflow task, RUNNING, with the parent's env and namespace (and `params`, e.g. a target task). */
export function newChildExecution(
  parent: WorkflowExecutionEntity,
  task: TaskExecutionEntity,
  workflow: RunnableWorkflow,
  input: Record<string, unknown>,
  params: Record<string, unknown> = {},
): WorkflowExecutionEntity {
  return Object.assign(new WorkflowExecutionEntity(), {
    id: randomUUID(),
    workflowId: workflow.id,
    workflowName: workflow.name,
    workflowNamespace: workflow.namespace,
    projectId: parent.projectId,
    description: `sub-workflow of task ${task.name}`,
    tags: workflow.tags ?? [],
    spec: workflow.spec,
    params: { ...params, env: parent.params.env ?? {}, namespace: executionNamespace(parent) },
    input,
    output: null,
    context: { ...input },
    state: 'RUNNING' as ExecutionState,
    stateInfo: null,
    taskExecutionId: task.id,
    rootExecutionId: parent.rootExecutionId ?? parent.id,
    triggerId: parent.triggerId,
    createdAt: new Date(),
    updatedAt: null,
  });
}
