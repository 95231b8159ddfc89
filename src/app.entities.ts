import { AdhocActionEntity } from './actions/adhoc/adhoc-action.entity';
import { ActionExecutionEntity } from './engine/action-execution.entity';
import { DelayedJobEntity } from './engine/delayed-job.entity';
import { TaskExecutionEntity } from './engine/task-execution.entity';
import { WorkflowExecutionEntity } from './engine/workflow-execution.entity';
import { EnvironmentEntity } from './environments/environment.entity';
import { ResourceMemberEntity } from './sharing/resource-member.entity';
import { EventDeliveryEntity, EventTriggerEntity } from './event-triggers/event-trigger.entity';
import { CronTriggerEntity } from './triggers/cron-trigger.entity';
import { TriggerFiringEntity } from './triggers/trigger-firing.entity';
import { WorkbookEntity } from './workbooks/workbook.entity';
import { ServiceSnapshotEntity } from './snapshots/service-snapshot.entity';
import { WorkflowDefinitionEntity } from './workflows/workflow-definition.entity';

/**
 * Every feature's TypeORM entities, listed by the app (the top) and handed to DatabaseModule, so
 * that database/ (at the bottom) imports no feature.
 */
export const entities = [
  WorkflowDefinitionEntity,
  WorkflowExecutionEntity,
  TaskExecutionEntity,
  ActionExecutionEntity,
  DelayedJobEntity,
  EnvironmentEntity,
  CronTriggerEntity,
  TriggerFiringEntity,
  ResourceMemberEntity,
  WorkbookEntity,
  EventTriggerEntity,
  EventDeliveryEntity,
  AdhocActionEntity,
  ServiceSnapshotEntity,
];
