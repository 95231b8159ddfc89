import { Injectable } from '@nestjs/common';
import type { WorkflowDefinitionEntity } from './workflow-definition.entity';

/**
 * Something that still needs a workflow (cron triggers that start it; running executions do not:
 * each keeps the spec it started with, in workflow_specs). Returns the whole answer to give the caller, Mistral's
 * wording, or null when it does not use the workflow. `identifier` is the name or id the caller gave.
 */
export type WorkflowUsageCheck = (workflow: WorkflowDefinitionEntity, identifier: string) => Promise<string | null>;

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
  async reasonsInUse(workflow: WorkflowDefinitionEntity, identifier: string): Promise<string[]> {
    const reasons = await Promise.all(this.checks.map((check) => check(workflow, identifier)));
    return reasons.filter((reason): reason is string => reason !== null);
  }
}
