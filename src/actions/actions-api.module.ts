import { Module } from '@nestjs/common';
import { ActionsController } from './actions.controller';

/** GET /v2/actions: the catalog (ActionsModule, global) as Mistral's API shows it. */
@Module({
  controllers: [ActionsController],
})
export class ActionsApiModule {}
