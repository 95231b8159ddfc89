import { Module } from '@nestjs/common';
import { EngineModule } from '../engine/engine.module';
import { EnvironmentsModule } from '../environments/environments.module';
import { TriggersModule } from '../triggers/triggers.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { ServiceSnapshotAction } from './service-snapshot.action';
import { ServiceSnapshotRepository } from './service-snapshot.repository';
import { SnapshotExporter } from './snapshot-exporter';
import { SnapshotRestorer } from './snapshot-restorer';
import { SnapshotsController } from './snapshots.controller';
import { SnapshotsService } from './snapshots.service';

/** Snapshots of Sirocco itself: /v2/snapshots, /v2/snapshot-status (app level: reads every feature through its repository). */
@Module({
  imports: [WorkflowsModule, EnvironmentsModule, EngineModule, TriggersModule],
  controllers: [SnapshotsController],
  providers: [ServiceSnapshotRepository, SnapshotExporter, SnapshotRestorer, SnapshotsService, ServiceSnapshotAction],
  exports: [SnapshotsService],
})
export class SnapshotsModule {}
