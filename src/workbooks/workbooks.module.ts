import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkflowsModule } from '../workflows/workflows.module';
import { WorkbookEntity } from './workbook.entity';
import { WorkbookRepository } from './workbook.repository';
import { WorkbookSharingSlot } from './workbook-sharing.slot';
import { WorkbooksController } from './workbooks.controller';
import { WorkbooksService } from './workbooks.service';

/**
 * /v2/workbooks. A workbook's ad-hoc actions go to a WorkbookActionsStore once one is bound here
 * (`{ provide: WORKBOOK_ACTIONS_STORE, useExisting: <the ad-hoc actions' service> }`); until then
 * they are checked and kept in the workbook only.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WorkbookEntity]), WorkflowsModule],
  controllers: [WorkbooksController],
  providers: [WorkbooksService, WorkbookRepository, WorkbookSharingSlot],
  exports: [WorkbooksService, WorkbookSharingSlot],
})
export class WorkbooksModule {}
