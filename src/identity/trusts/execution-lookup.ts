import { Injectable } from '@nestjs/common';

/** Where an execution comes from, as far as its trust goes. */
export interface ExecutionOrigin {
  /** the cron trigger that started it (or its root), else null */
  triggerId: string | null;
  /** its root execution (itself when it is not a sub-workflow) */
  rootExecutionId: string;
}

/**
 * What the trusts need to know about executions. The engine owns the executions and answers
 * (it registers an implementation at start-up), so identity/trusts needs no import of the engine
 * and no SQL on its tables.
 */
export interface ExecutionLookup {
  /** The execution's trigger and root, or null when there is no such execution. */
  originOf(executionId: string): Promise<ExecutionOrigin | null>;
  /** Of these executions, those that were deleted, or ended more than `keepAfterEndSeconds` ago. */
  releasedExecutions(executionIds: string[], keepAfterEndSeconds: number): Promise<string[]>;
  /** Of these triggers, those with an execution that still runs (RUNNING, PAUSED or IDLE). */
  triggersWithLiveExecutions(triggerIds: string[]): Promise<string[]>;
}

/** The slot the engine fills with its ExecutionLookup (the pattern of WorkflowUsageRegistry). */
@Injectable()
export class ExecutionLookupRegistry {
  private lookup: ExecutionLookup | null = null;

  register(lookup: ExecutionLookup): void {
    this.lookup = lookup;
  }

  get(): ExecutionLookup {
    if (!this.lookup) throw new Error('no ExecutionLookup is registered (the engine module is not loaded)');
    return this.lookup;
  }
}
