import type { EntityManager } from 'typeorm';
import type { WorkflowSpec } from '../workflows/language';
import type { WorkflowExecutionEntity } from './workflow-execution.entity';
import { exportTableRows, importTableRows, type TableRow } from '../database/table-rows';

/**
 * The SQL of workflow_specs: the specs executions run, each stored once and shared by every
 * execution of that version of its workflow (workflow_executions.spec_id). A spec's id is the
 * sha256 of its jsonb text (jsonb's text is canonical: keys sorted, one spacing), computed by
 * PostgreSQL alone, here and in the migration that moved the specs, so that equal specs get
 * equal ids whoever stored them. A row no execution refers to any more is deleted by
 * deleteUnreferencedSpecs (retention, DELETE of an execution).
 */

/** The SQL of the id of the jsonb expression `jsonb`. */
export const specIdOf = (jsonb: string): string => `encode(sha256(convert_to((${jsonb})::text, 'UTF8')), 'hex')`;

/**
 * The CTEs, for the top level of an executions insert, that store the distinct specs of the
 * jsonb array parameter `param` and name them `spec_rows (spec, id, at)`, `at` being the index in
 * the array. The rows that exist are locked FOR KEY SHARE first (as the foreign key check would
 * at the end of the statement): a concurrent deleteUnreferencedSpecs then skips them instead of
 * deleting one between its ON CONFLICT here and that check (which would fail the insert).
 */
export function storeSpecsCtes(param: string): string[] {
  return [
    `spec_rows AS (SELECT e.spec, ${specIdOf('e.spec')} AS id, (e.at - 1)::int AS at FROM jsonb_array_elements(${param}::jsonb) WITH ORDINALITY AS e(spec, at))`,
    `spec_kept AS (SELECT ws.id FROM workflow_specs ws WHERE ws.id IN (SELECT id FROM spec_rows) FOR KEY SHARE)`,
    `spec_added AS (INSERT INTO workflow_specs (id, spec) SELECT id, spec FROM spec_rows WHERE id NOT IN (SELECT id FROM spec_kept) ON CONFLICT (id) DO NOTHING)`,
  ];
}

/** The SQL of the spec id of a row whose spec is at index `at` of storeSpecsCtes' array. */
export const storedSpecId = (at: string): string => `(SELECT s.id FROM spec_rows s WHERE s.at = ${at})`;

/** The whole spec of that id (undefined when no row has it). */
export async function readSpec(manager: EntityManager, id: string): Promise<WorkflowSpec | undefined> {
  const rows: Array<{ spec: WorkflowSpec }> = await manager.query(`SELECT spec FROM workflow_specs WHERE id = $1`, [id]);
  return rows[0]?.spec;
}

/**
 * Gives each execution, as its `spec`, only the declarations the API shows it by (its input and
 * output, by which the input and output are ordered), read once per distinct spec.
 */
export async function attachDeclarations(manager: EntityManager, executions: readonly WorkflowExecutionEntity[]): Promise<void> {
  const ids = [...new Set(executions.map((execution) => execution.specId).filter((id) => typeof id === 'string'))];
  if (ids.length === 0) return;
  const rows: Array<{ id: string; input: WorkflowSpec['input'] | null; output: WorkflowSpec['output'] }> = await manager.query(
    `SELECT id, spec -> 'input' AS input, spec -> 'output' AS output FROM workflow_specs WHERE id = ANY($1::text[])`,
    [ids],
  );
  const byId = new Map(rows.map((row) => [row.id, { input: row.input ?? [], output: row.output ?? undefined } as WorkflowSpec]));
  for (const execution of executions) execution.spec = byId.get(execution.specId) ?? ({ input: [] } as unknown as WorkflowSpec);
}

/**
 * Deletes up to `limit` specs no execution refers to (of `ids` only, when given); returns how
 * many. Rows an inserting transaction holds (FOR KEY SHARE) are skipped, so the engine never
 * waits on it. An execution committed between this statement's snapshot and its lock makes the
 * foreign key refuse the delete: the spec is still used, and the error is that answer (0).
 */
export async function deleteUnreferencedSpecs(manager: EntityManager, limit: number, ids?: readonly string[]): Promise<number> {
  try {
    // RETURNING: TypeORM's count of a DELETE comes from it
    const result: unknown = await manager.query(
      `DELETE FROM workflow_specs WHERE id IN (
         SELECT ws.id FROM workflow_specs ws
          WHERE ($2::text[] IS NULL OR ws.id = ANY($2::text[]))
            AND NOT EXISTS (SELECT 1 FROM workflow_executions e WHERE e.spec_id = ws.id)
          LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [limit, ids ? [...ids] : null],
    );
    // TypeORM gives [rows, count] for a DELETE
    return (result as [unknown[], number])[1];
  } catch (error) {
    if ((error as { code?: string }).code === '23503') return 0;
    throw error;
  }
}

// ---- service snapshots

export function exportSpecs(manager: EntityManager): Promise<TableRow[]> {
  return exportTableRows(manager, 'workflow_specs', 'id');
}

export async function deleteAllSpecs(manager: EntityManager): Promise<void> {
  await manager.query(`DELETE FROM workflow_specs`);
}

/**
 * Inserts the archived specs, and those carried by execution rows of an archive made before
 * workflow_specs (a `spec` column): each such row gets the `spec_id` of its spec instead.
 */
export async function importSpecs(manager: EntityManager, specs: readonly TableRow[], executions: TableRow[]): Promise<void> {
  await importTableRows(manager, 'workflow_specs', [...specs]);
  const carrying = executions.filter((row) => row.spec !== undefined && row.spec_id === undefined);
  for (let start = 0; start < carrying.length; start += 500) {
    const batch = carrying.slice(start, start + 500);
    const rows: Array<{ id: string }> = await manager.query(
      `WITH e AS (SELECT spec, at FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(spec, at)),
            added AS (INSERT INTO workflow_specs (id, spec) SELECT ${specIdOf('spec')}, spec FROM e ON CONFLICT (id) DO NOTHING)
       SELECT ${specIdOf('spec')} AS id FROM e ORDER BY at`,
      [JSON.stringify(batch.map((row) => row.spec))],
    );
    batch.forEach((row, index) => {
      row.spec_id = rows[index].id;
      delete row.spec;
    });
  }
}
