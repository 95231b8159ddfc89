import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ExecutionLookupRegistry, type ExecutionLookup, type ExecutionOrigin } from '../identity/trusts/execution-lookup';
import { ExecutionsRepository } from './executions.repository';

/**
 * The engine's answers to identity/trusts about executions (which trigger and root a run has,
 * which ended or still run), so that trusts need no SQL on the engine's tables.
 */
@Injectable()
export class EngineExecutionLookup implements ExecutionLookup, OnModuleInit {
  constructor(
    private readonly repository: ExecutionsRepository,
    private readonly registry: ExecutionLookupRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  originOf(executionId: string): Promise<ExecutionOrigin | null> {
    return this.repository.originOf(executionId);
  }

  releasedExecutions(executionIds: string[], keepAfterEndSeconds: number): Promise<string[]> {
    return this.repository.releasedExecutions(executionIds, keepAfterEndSeconds);
  }

  triggersWithLiveExecutions(triggerIds: string[]): Promise<string[]> {
    return this.repository.triggersWithLiveExecutions(triggerIds);
  }
}
