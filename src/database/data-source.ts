import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/**
 * For the TypeORM CLI (migration:generate / migration:run): `DATABASE_URL` must be set. The entities
 * are found by file name (each feature's *.entity.ts under src/), as the database layer imports no feature.
 */
export default new DataSource({
  ...dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/sirocco'),
  entities: [path.join(__dirname, '..', '**', '*.entity.{ts,js}')],
});
