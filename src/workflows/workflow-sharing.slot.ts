import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * What workflows need to know of resource sharing (`/v2/workflows/{id}/members`). The sharing
 * feature owns the members table and sits above workflows: it registers an implementation at
 * start-up, so workflows import nothing of it and run no SQL on its table.
 */
export interface WorkflowSharing {
  /** Ids of other projects' workflows shared with the project, the share accepted. */
  acceptedWorkflowIds(projectId: string, manager?: EntityManager): Promise<string[]>;
  /** The workflow is being deleted (in this transaction): its memberships go with it. */
  workflowDeleted(workflowId: string, manager: EntityManager): Promise<void>;
}

/** The slot sharing fills; without it (sharing not loaded) nothing is shared. */
@Injectable()
export class WorkflowSharingSlot implements WorkflowSharing {
  private sharing: WorkflowSharing | null = null;

  register(sharing: WorkflowSharing): void {
    this.sharing = sharing;
  }

  acceptedWorkflowIds(projectId: string, manager?: EntityManager): Promise<string[]> {
    return this.sharing ? this.sharing.acceptedWorkflowIds(projectId, manager) : Promise.resolve([]);
  }

  async workflowDeleted(workflowId: string, manager: EntityManager): Promise<void> {
    await this.sharing?.workflowDeleted(workflowId, manager);
  }
}
