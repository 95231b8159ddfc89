import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatabaseHealth } from './database-health';
import { dataSourceOptions, type DatabaseTimeouts, runMigrations } from './data-source-options';

/**
 * TypeORM on PostgreSQL, migrated before the app serves; DatabaseHealth for everyone. The entities
 * are those the feature modules register with TypeOrmModule.forFeature (autoLoadEntities).
 */
@Module({})
export class DatabaseModule {
  static forUrl(url: string, timeouts?: DatabaseTimeouts): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...dataSourceOptions(url, timeouts), autoLoadEntities: true }),
          dataSourceFactory: async (options) => {
            // migrations may take long: they run on their own connection, without the service's timeouts
            const migrator = await new DataSource(dataSourceOptions(url)).initialize();
            try {
              await runMigrations(migrator);
            } finally {
              await migrator.destroy();
            }
            return new DataSource(options!).initialize();
          },
        }),
      ],
      providers: [DatabaseHealth],
      exports: [DatabaseHealth],
    };
  }
}
