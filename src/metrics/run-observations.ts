/** A task or action that ended in a transaction, for the duration histograms. */
export interface EndedStep {
  action: string;
  state: string;
  seconds: number;
}

/**
 * What one engine transaction did, as the metrics count it. The engine fills it while the
 * transaction runs and records it only once it committed, so a rolled-back or retried
 * transition is never counted.
 */
export interface RunObservations {
  /** workflow names of the executions created */
  started: string[];
  finished: Array<{ workflow: string; state: string }>;
  tasks: EndedStep[];
  actions: EndedStep[];
}

export function noObservations(): RunObservations {
  return { started: [], finished: [], tasks: [], actions: [] };
}
