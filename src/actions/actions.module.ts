import { Global, Module } from '@nestjs/common';
import { ActionCatalog } from './action-catalog';
import { STD_ACTION_DESCRIPTORS } from './std/std-action-descriptors';

/** The registry of runnable actions; later features register theirs (OpenStack) into it. */
@Global()
@Module({
  providers: [{ provide: ActionCatalog, useFactory: () => new ActionCatalog(STD_ACTION_DESCRIPTORS) }],
  exports: [ActionCatalog],
})
export class ActionsModule {}
