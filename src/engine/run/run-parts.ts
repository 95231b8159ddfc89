import type { ActionCatalog } from '../../actions/action-catalog';
import type { ExpressionEvaluator } from '../../expressions/expression-evaluator';
import type { WorkflowSpec } from '../../workflows/language';
import type { RunLimits } from './run-limits';
import type { TaskExecutionEntity } from '../task-execution.entity';
import type { WorkflowExecutionEntity } from '../workflow-execution.entity';
import type { RunChanges } from './run-changes';
import type { RunReads } from './run-reads';
import type { RunScope } from './run-scope';
import type { SpecCache } from './spec-cache';
import type { SubWorkflowSource } from './sub-workflows';

/** What the engine needs from its surroundings while it applies events. */
export interface ExecutionRunDeps {
  evaluator: ExpressionEvaluator;
  actions: ActionCatalog;
  workflows: SubWorkflowSource;
  instanceId: string;
  leaseSeconds: number;
  /** instant actions run inside the transaction up to this many per batch; the rest are dispatched */
  maxInlineActions: number;
  limits: RunLimits;
  /** the specs of recent executions, so that a transition does not read its execution's spec again */
  specs: SpecCache;
}

/** The pieces of one run that its task steps share. */
export interface RunParts {
  execution: WorkflowExecutionEntity;
  spec: WorkflowSpec;
  changes: RunChanges;
  reads: RunReads;
  scope: RunScope;
  deps: ExecutionRunDeps;
}

/** What task steps ask of the execution's state machine (ExecutionRun). */
export interface RunControl {
  /** runs `step` after the current one (a long chain of instant tasks needs no deep recursion) */
  queue(step: () => Promise<void>): void;
  /** a transition (or the start) leads to task `name`; `from` is the task it came from */
  arrive(name: string, from: string | null): Promise<void>;
  /** starts one attempt of the task */
  runTask(task: TaskExecutionEntity): Promise<void>;
  /** reverse workflows: starts the tasks whose requirements are all met */
  advanceReverse(): Promise<void>;
  finishExecution(state: 'SUCCESS' | 'ERROR', stateInfo: string | null): Promise<void>;
  stopExecution(state: 'ERROR' | 'CANCELLED', stateInfo: string | null): Promise<void>;
  pause(stateInfo: string | null): void;
  cancelChildren(task: TaskExecutionEntity, reason: string): Promise<void>;
}
