import { Module } from '@nestjs/common';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { ExpressionEvaluator } from './expression-evaluator';

@Module({
  providers: [
    {
      provide: ExpressionEvaluator,
      useFactory: (config?: SiroccoConfig) => new ExpressionEvaluator(config?.expressions),
      inject: [{ token: SIROCCO_CONFIG, optional: true }],
    },
  ],
  exports: [ExpressionEvaluator],
})
export class ExpressionsModule {}
