import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AdhocActionRepository } from '../actions/adhoc/adhoc-action.repository';
import type { SnapshotTables } from '../database/table-rows';
import { ExecutionsRepository } from '../engine/executions.repository';
import { EnvironmentRepository } from '../environments/environment.repository';
import { EventTriggerRepository } from '../event-triggers/event-trigger.repository';
import { TrustsRepository } from '../identity/trusts/trusts.repository';
import { ResourceMemberRepository } from '../sharing/resource-member.repository';
import { CronTriggerRepository } from '../triggers/cron-trigger.repository';
import { WorkbookRepository } from '../workbooks/workbook.repository';
import { WorkflowDefinitionRepository } from '../workflows/workflow-definition.repository';

/** A feature's repository as a snapshot reads and a restore replaces its tables. */
export interface SnapshotTableOwner {
  exportForSnapshot(manager: EntityManager): Promise<SnapshotTables>;
  clearForRestore(manager: EntityManager): Promise<void>;
  importFromSnapshot(manager: EntityManager, tables: SnapshotTables): Promise<void>;
}

/**
 * The repositories whose tables a snapshot holds, in one place: `state` in the order a restore
 * inserts them (referenced tables first; it clears them in the reverse order), and `history`
 * (the executions, only with include_history), inserted last and cleared first.
 */
@Injectable()
export class SnapshotTableOwners {
  readonly state: readonly SnapshotTableOwner[];

  constructor(
    workflows: WorkflowDefinitionRepository,
    workbooks: WorkbookRepository,
    adhocActions: AdhocActionRepository,
    members: ResourceMemberRepository,
    environments: EnvironmentRepository,
    cronTriggers: CronTriggerRepository,
    eventTriggers: EventTriggerRepository,
    readonly trusts: TrustsRepository,
    readonly history: ExecutionsRepository,
  ) {
    this.state = [workflows, workbooks, adhocActions, members, environments, cronTriggers, eventTriggers, trusts];
  }
}
