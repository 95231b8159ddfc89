import type { ActionExecutionEntity } from '../action-execution.entity';
import type { DelayedJobEntity } from '../delayed-job.entity';

/** Work a transition hands over once its transaction committed. */
export interface AfterCommit {
  /** actions this instance runs now (it holds their lease) */
  actions: ActionExecutionEntity[];
  /** jobs this instance claimed: run them at their time */
  jobs: DelayedJobEntity[];
  /** actions to abort (their task timed out or the execution was cancelled) */
  abort: string[];
}
