import { CreateWorkflowDefinitions1763800000000 } from './1763800000000-CreateWorkflowDefinitions';
import { CreateEngineTables1763900000000 } from './1763900000000-CreateEngineTables';
import { CreateCronTriggers1764000000000 } from './1764000000000-CreateCronTriggers';
import { CreateExecutionTrusts1764100000000 } from './1764100000000-CreateExecutionTrusts';
import { CreateWorkbooks1764250000000 } from './1764250000000-CreateWorkbooks';
import { CreateResourceMembers1764260000000 } from './1764260000000-CreateResourceMembers';
import { CreateAdhocActions1764300000000 } from './1764300000000-CreateAdhocActions';
import { CreateEventTriggers1764314000000 } from './1764314000000-CreateEventTriggers';
import { CreateServiceState1764900000000 } from './1764900000000-CreateServiceState';
import { CreateServiceSnapshots1765000000000 } from './1765000000000-CreateServiceSnapshots';
import { AddExecutionRetentionIndexes1765100000000 } from './1765100000000-AddExecutionRetentionIndexes';
import { AddLastSuccessIndexes1765150000000 } from './1765150000000-AddLastSuccessIndexes';
import { AddExecutionListIndexes1765200000000 } from './1765200000000-AddExecutionListIndexes';
import { StoreWorkflowSpecsOnce1765300000000 } from './1765300000000-StoreWorkflowSpecsOnce';

/** Every migration, in order. Listed by hand so the build and Jest load the same classes. */
export const migrations = [
  CreateWorkflowDefinitions1763800000000,
  CreateEngineTables1763900000000,
  CreateCronTriggers1764000000000,
  CreateExecutionTrusts1764100000000,
  CreateWorkbooks1764250000000,
  CreateResourceMembers1764260000000,
  CreateAdhocActions1764300000000,
  CreateEventTriggers1764314000000,
  CreateServiceState1764900000000,
  CreateServiceSnapshots1765000000000,
  AddExecutionRetentionIndexes1765100000000,
  AddLastSuccessIndexes1765150000000,
  AddExecutionListIndexes1765200000000,
  StoreWorkflowSpecsOnce1765300000000,
];
