import { Module } from '@nestjs/common';
import { EngineModule } from '../engine/engine.module';
import { EnvironmentsModule } from '../environments/environments.module';
import { EventTriggersModule } from '../event-triggers/event-triggers.module';
import { SharingModule } from '../sharing/sharing.module';
import { WorkbooksModule } from '../workbooks/workbooks.module';
import { TriggersModule } from '../triggers/triggers.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { ServiceSnapshotAction } from './service-snapshot.action';
import { ServiceSnapshotRepository } from './service-snapshot.repository';
import { SnapshotExporter } from './snapshot-exporter';
import { SnapshotRestorer } from './snapshot-restorer';
import { SnapshotTableOwners } from './snapshot-table-owners';
import { SnapshotsController } from './snapshots.controller';
import { SnapshotsService } from './snapshots.service';

/** Snapshots of Sirocco itself: /v2/snapshots, /v2/snapshot-status (app level: reads every feature through its repository). */
@Module({
  imports: [WorkflowsModule, WorkbooksModule, SharingModule, EnvironmentsModule, EngineModule, TriggersModule, EventTriggersModule],
  controllers: [SnapshotsController],
  providers: [ServiceSnapshotRepository, SnapshotTableOwners, SnapshotExporter, SnapshotRestorer, SnapshotsService, ServiceSnapshotAction],
  exports: [SnapshotsService],
})
export class SnapshotsModule {}
