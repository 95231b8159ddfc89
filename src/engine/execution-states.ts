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

export function isTerminal(state: ExecutionState): boolean {
  return TERMINAL_STATES.includes(state);
}
