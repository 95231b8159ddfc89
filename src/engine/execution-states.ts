/** Mistral's states, shared by workflow, task and action executions. */
export type ExecutionState =
  | 'IDLE'
  | 'RUNNING'
  | 'RUNNING_DELAYED'
  | 'WAITING'
  | 'PAUSED'
  | 'SUCCESS'
  | 'ERROR'
  | 'CANCELLED'
  | 'SKIPPED';

export const TERMINAL_STATES: readonly ExecutionState[] = ['SUCCESS', 'ERROR', 'CANCELLED', 'SKIPPED'];

/** Task states in which a task still has something to do (the workflow is not finished). */
export const ACTIVE_TASK_STATES: readonly ExecutionState[] = ['IDLE', 'RUNNING', 'RUNNING_DELAYED', 'WAITING'];

/** Execution states in which its environment may change (Mistral: nothing runs then). */
export const ENV_UPDATABLE_STATES: readonly ExecutionState[] = ['IDLE', 'PAUSED', 'ERROR'];

export function isTerminal(state: ExecutionState): boolean {
  return TERMINAL_STATES.includes(state);
}
