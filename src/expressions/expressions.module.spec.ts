import { Test } from '@nestjs/testing';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/sirocco-config';
import { DEFAULT_EXPRESSION_LIMITS, ExpressionEvaluator } from './expression-evaluator';
import { ExpressionsModule } from './expressions.module';

describe('ExpressionsModule', () => {
  it("provides an evaluator with the configuration's limits", async () => {
    const config = loadConfig({ SIROCCO_EXPRESSION_TIMEOUT_MS: '250', SIROCCO_EXPRESSION_MAX_RESULT_BYTES: '4096' });
    const imports = [ConfigModule.forRoot(config), ExpressionsModule];
    const module = await Test.createTestingModule({ imports }).compile();
    expect(module.get(ExpressionEvaluator).limits).toMatchObject({ timeoutMs: 250, maxResultBytes: 4096 });
  });

  it('falls back to the default limits without a configuration', async () => {
    const module = await Test.createTestingModule({ imports: [ExpressionsModule] }).compile();
    expect(module.get(ExpressionEvaluator).limits).toEqual(DEFAULT_EXPRESSION_LIMITS);
  });
});
