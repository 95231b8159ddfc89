import type { ActionExecutionEntity } from '../action-execution.entity';
import type { RunObservations } from '../../metrics/run-observations';
import type { DelayedJobEntity } from '../delayed-job.entity';

/** Work a transition hands over once its transaction committed. */
export interface AfterCommit {
  /** actions this instance runs now (it holds their lease) */
  actions: ActionExecutionEntity[];
  /** jobs this instance claimed: run them at their time */
  jobs: DelayedJobEntity[];
  /** actions to abort (their task timed out or the execution was cancelled) */
  abort: string[];
  /** what the transaction did, for the metrics (recorded once it committed) */
  observed?: RunObservations;
}

/**
 * An execution stored without a first transition: started from a job later (`jobs`), or stored
 * ended (`endedIn`, e.g. a firing whose workflow is gone). Counted as started (and ended).
 */
export function storedStart(workflow: string, jobs: DelayedJobEntity[], endedIn?: string): AfterCommit {
  const finished = endedIn ? [{ workflow, state: endedIn }] : [];
  return { actions: [], jobs, abort: [], observed: { started: [workflow], finished, tasks: [], actions: [] } };
}
