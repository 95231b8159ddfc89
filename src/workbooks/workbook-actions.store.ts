import type { EntityManager } from 'typeorm';
import type { WorkbookActionSpec } from './workbook-definition.parser';

/** The workbook whose ad-hoc actions are written (its actions share its namespace, project and scope). */
export interface WorkbookActionsOwner {
  name: string;
  namespace: string;
  projectId: string;
  scope: 'private' | 'public';
}

/** One ad-hoc action of a workbook, as the ad-hoc actions feature would store it. */
export interface WorkbookAction {
  /** `<workbook>.<name>`, as Mistral names it */
  name: string;
  /** the name under `actions:` in the workbook */
  shortName: string;
  /** its text in the workbook, moved to the first column (as Mistral's action-get-definition shows it) */
  definition: string;
  /** as written: base, base-input, input, output, description, tags (shape already checked) */
  spec: WorkbookActionSpec;
}

/**
 * Where a workbook's `actions:` go. The ad-hoc actions feature provides it (bind a provider to
 * WORKBOOK_ACTIONS_STORE in WorkbooksModule); without one, a workbook's actions are checked and kept
 * in the workbook only. Both calls run in the workbook's transaction (`manager`): an error thrown
 * (an ApiError for the user's mistakes) undoes the whole workbook write.
 */
export interface WorkbookActionsStore {
  /** Makes the workbook's ad-hoc actions exactly `actions` (created, replaced, the others deleted). */
  replaceWorkbookActions(manager: EntityManager, workbook: WorkbookActionsOwner, actions: WorkbookAction[]): Promise<void>;
  /** Deletes every ad-hoc action of the workbook (it is being deleted). */
  deleteWorkbookActions(manager: EntityManager, workbook: WorkbookActionsOwner): Promise<void>;
  /** Called once the workbook's transaction has committed. */
  committed?(): Promise<void>;
}

export const WORKBOOK_ACTIONS_STORE = Symbol('WORKBOOK_ACTIONS_STORE');
