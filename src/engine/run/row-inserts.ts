import type { EntityManager } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/** Rows per INSERT: 20 columns a row at most, well under PostgreSQL's 65,535 parameters a statement. */
const ROWS_PER_INSERT = 1000;

interface InsertShape {
  head: string;
  columns: ColumnMetadata[];
}
const shapes = new WeakMap<object, InsertShape>();

/**
 * Inserts new rows of an entity whose primary key the caller sets (executions, tasks, actions):
 * one multi-row `INSERT ... VALUES ($1, ...), ...` per group, with the values TypeORM itself would
 * send (its column metadata and the driver's value preparation: JSON for jsonb, DEFAULT for a
 * value left undefined). TypeORM's insert builder looks every parameter up by copying all the
 * statement's parameters, so a group of 500 task rows cost ~45 million property copies and most
 * of a large workflow's CPU; it also reads generated columns back, which these tables lack.
 */
export async function insertRows<T extends object>(manager: EntityManager, entity: new () => T, rows: readonly T[]): Promise<void> {
  if (rows.length === 0) return;
  const shape = insertShape(manager, entity);
  const driver = manager.connection.driver;
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const params: unknown[] = [];
    const values: string[] = [];
    for (let index = start; index < Math.min(rows.length, start + ROWS_PER_INSERT); index++) {
      const row = rows[index];
      const slots = shape.columns.map((column) => {
        const value: unknown = column.getEntityValue(row);
        if (value === undefined) return 'DEFAULT';
        params.push(driver.preparePersistentValue(value, column));
        return `$${params.length}`;
      });
      values.push(`(${slots.join(', ')})`);
    }
    await manager.query(`${shape.head} VALUES ${values.join(', ')}`, params);
  }
}

function insertShape(manager: EntityManager, entity: new () => unknown): InsertShape {
  const known = shapes.get(entity);
  if (known) return known;
  const metadata = manager.connection.getMetadata(entity);
  const driver = manager.connection.driver;
  const columns = metadata.columns.filter((column) => column.isInsert && !column.isGenerated && !column.isVirtual);
  const table = driver.escape(metadata.tableName);
  const shape = { head: `INSERT INTO ${table} (${columns.map((column) => driver.escape(column.databaseName)).join(', ')})`, columns };
  shapes.set(entity, shape);
  return shape;
}
