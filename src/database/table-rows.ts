import type { EntityManager } from 'typeorm';

/** One table row as JSON (PostgreSQL's to_jsonb: timestamps as ISO text, jsonb as JSON, arrays as arrays). */
export type TableRow = Record<string, unknown>;

const INSERT_BATCH = 500;

/**
 * Export and import of whole tables, for service snapshots. Each feature's repository calls these
 * with its own table name (the SQL on a table stays with the feature that owns it); the table name
 * is always a constant of that repository, never user input.
 */
export async function exportTableRows(manager: EntityManager, table: string, orderBy: string): Promise<TableRow[]> {
  const rows: Array<{ row: TableRow }> = await manager.query(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY ${orderBy}`);
  return rows.map((item) => item.row);
}

/**
 * Inserts rows exported by exportTableRows, possibly by an older schema: only the columns both
 * the rows and the table have are written, so a column added since takes its default.
 */
export async function importTableRows(manager: EntityManager, table: string, rows: TableRow[]): Promise<void> {
  if (rows.length === 0) return;
  const existing: Array<{ column_name: string }> = await manager.query(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
    [table],
  );
  const inRows = new Set(rows.flatMap((row) => Object.keys(row)));
  const columns = existing.map((column) => column.column_name).filter((name) => inRows.has(name));
  const list = columns.map((name) => `"${name}"`).join(', ');
  for (let start = 0; start < rows.length; start += INSERT_BATCH) {
    await manager.query(`INSERT INTO ${table} (${list}) SELECT ${list} FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`, [
      JSON.stringify(rows.slice(start, start + INSERT_BATCH)),
    ]);
  }
}

export async function deleteTableRows(manager: EntityManager, table: string): Promise<void> {
  await manager.query(`DELETE FROM ${table}`);
}

/** A feature's tables as exported for a snapshot: table name -> rows. */
export type SnapshotTables = Record<string, TableRow[]>;
