import { Injectable } from '@nestjs/common';
import type { WorkflowDefinitionEntity } from './workflow-definition.entity';

/**
 * Something that may still need a workflow (executions that run it, cron triggers that start it).
 * Returns why the workflow cannot be deleted, or null when it does not use it.
 */
export type WorkflowUsageCheck = (workflow: WorkflowDefinitionEntity) => Promise<string | null>;

/**
 * The features that use workflows register their check here, so that deleting a workflow needs no
 * import of them (they depend on workflows, not the other way round).
 */
@Injectable()
export class WorkflowUsageRegistry {
  private readonly checks: WorkflowUsageCheck[] = [];

  register(check: WorkflowUsageCheck): void {
    this.checks.push(check);
  }

  /** Every reason the workflow is in use; empty when it may be deleted. */
  async reasonsInUse(workflow: WorkflowDefinitionEntity): Promise<string[]> {
    const reasons = await Promise.all(this.checks.map((check) => check(workflow)));
    return reasons.filter((reason): reason is string => reason !== null);
  }
}
