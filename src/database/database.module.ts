import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatabaseHealth } from './database-health';
import { DatabaseNotifications } from './database-notifications';
import { dataSourceOptions, type DatabaseTimeouts, type EntityList, runMigrations } from './data-source-options';

/** TypeORM on PostgreSQL, migrated before the app serves; DatabaseHealth and the one LISTEN connection (DatabaseNotifications) for everyone. */
@Module({})
export class DatabaseModule {
  static forUrl(url: string, entities: EntityList, timeouts?: DatabaseTimeouts): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(url, entities, timeouts),
          dataSourceFactory: async (options) => {
            // migrations may take long: they run on their own connection, without the service's timeouts
            const migrator = await new DataSource(dataSourceOptions(url, entities)).initialize();
            try {
              await runMigrations(migrator);
            } finally {
              await migrator.destroy();
            }
            return new DataSource(options!).initialize();
          },
        }),
      ],
      providers: [DatabaseHealth, DatabaseNotifications],
      exports: [DatabaseHealth, DatabaseNotifications],
    };
  }
}
