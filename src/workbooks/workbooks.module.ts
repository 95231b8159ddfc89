import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkflowsModule } from '../workflows/workflows.module';
import { AdhocWorkbookActions } from './adhoc-workbook-actions';
import { WORKBOOK_ACTIONS_STORE } from './workbook-actions.store';
import { WorkbookEntity } from './workbook.entity';
import { WorkbookRepository } from './workbook.repository';
import { WorkbookSharingSlot } from './workbook-sharing.slot';
import { WorkbooksController } from './workbooks.controller';
import { WorkbooksService } from './workbooks.service';

/** /v2/workbooks. A workbook's ad-hoc actions are stored by the ad-hoc actions feature (AdhocWorkbookActions). */
@Module({
  imports: [TypeOrmModule.forFeature([WorkbookEntity]), WorkflowsModule],
  controllers: [WorkbooksController],
  providers: [WorkbooksService, WorkbookRepository, WorkbookSharingSlot, { provide: WORKBOOK_ACTIONS_STORE, useClass: AdhocWorkbookActions }],
  exports: [WorkbooksService, WorkbookSharingSlot, WorkbookRepository],
})
export class WorkbooksModule {}
