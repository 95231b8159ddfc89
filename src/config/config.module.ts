import { DynamicModule, Global, Module } from '@nestjs/common';
import { SiroccoConfig } from './sirocco-config';

/** Injection token of the one typed config object. */
export const SIROCCO_CONFIG = Symbol('SIROCCO_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: SiroccoConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: SIROCCO_CONFIG, useValue: config }],
      exports: [SIROCCO_CONFIG],
    };
  }
}
