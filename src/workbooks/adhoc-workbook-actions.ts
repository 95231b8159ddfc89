import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AdhocActionsService } from '../actions/adhoc/adhoc-actions.service';
import type { WorkbookAction, WorkbookActionsOwner, WorkbookActionsStore } from './workbook-actions.store';

/** A workbook's `actions:` kept as ad-hoc actions named `<workbook>.<name>` (the ad-hoc actions feature stores them). */
@Injectable()
export class AdhocWorkbookActions implements WorkbookActionsStore {
  constructor(private readonly adhoc: AdhocActionsService) {}

  async replaceWorkbookActions(manager: EntityManager, workbook: WorkbookActionsOwner, actions: WorkbookAction[]): Promise<void> {
    // the section as written: the spec's `name` is the key
    const section = Object.fromEntries(actions.map(({ shortName, spec: { name: _name, ...written } }) => [shortName, written]));
    await this.adhoc.replaceWorkbookActions(workbook.name, section, workbook.scope, workbook.projectId, manager);
  }

  async deleteWorkbookActions(manager: EntityManager, workbook: WorkbookActionsOwner): Promise<void> {
    await this.adhoc.deleteWorkbookActions(workbook.name, workbook.projectId, manager);
  }

  /** After the workbook's transaction committed: this instance's catalog has the new actions at once (the others on NOTIFY). */
  committed(): Promise<void> {
    return this.adhoc.reload();
  }
}
