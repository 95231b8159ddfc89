import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * What workbooks need to know of resource sharing (`/v2/workbooks/{id}/members`): the sharing
 * feature sits above and registers here at start-up (as for workflows: WorkflowSharingSlot).
 */
export interface WorkbookSharing {
  /** Ids of other projects' workbooks shared with the project, the share accepted. */
  acceptedWorkbookIds(projectId: string): Promise<string[]>;
  /** The workbook is being deleted (in this transaction): its memberships go with it. */
  workbookDeleted(workbookId: string, manager: EntityManager): Promise<void>;
}

/** The slot sharing fills; without it nothing is shared. */
@Injectable()
export class WorkbookSharingSlot implements WorkbookSharing {
  private sharing: WorkbookSharing | null = null;

  register(sharing: WorkbookSharing): void {
    this.sharing = sharing;
  }

  acceptedWorkbookIds(projectId: string): Promise<string[]> {
    return this.sharing ? this.sharing.acceptedWorkbookIds(projectId) : Promise.resolve([]);
  }

  async workbookDeleted(workbookId: string, manager: EntityManager): Promise<void> {
    await this.sharing?.workbookDeleted(workbookId, manager);
  }
}
