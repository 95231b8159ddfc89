import { DataSource } from 'typeorm';
import { entities } from './app.entities';
import { dataSourceOptions } from './database/data-source-options';

/** For the TypeORM CLI (migration:generate / migration:run): `DATABASE_URL` must be set. */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/sirocco', entities));
