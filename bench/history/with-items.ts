/**
 * How a large with-items result is stored: one execution of a with-items task over `items` items
 * whose whole result is published and returned as the output, then the stored size of each copy
 * (pg_column_size: after TOAST compression) and the action executions' share.
 */
import type { Client } from 'pg';

export const itemsWorkflow = (items: number) => `version: '2.0'
hist_items:
  output:
    all: <% $.results %>
  tasks:
    each:
      with-items: x in <% [1..${items}] %>
      action: std.echo
      input:
        output: "<% {'index': $.x, 'server': 'vm-' & $string($.x), 'status': 'ok, backed up and verified'} %>"
      publish:
        results: <% $task().result %>
`;

/** One line per place the list is held, for the execution `executionId`. */
export async function withItemsStorage(db: Client, executionId: string): Promise<string[]> {
  const kb = (bytes: unknown) => `${(Number(bytes) / 1024).toFixed(1)} KB`;
  const ex = (await db.query(`SELECT pg_column_size(output) o, length(output::text) ot, pg_column_size(context) c FROM workflow_executions WHERE id = $1`, [executionId])).rows[0];
  const task = (
    await db.query(
      `SELECT pg_column_size(result) r, pg_column_size(published) p, pg_column_size(runtime_context) rc,
              pg_column_size(runtime_context -> 'with_items' -> 'results') rcr
         FROM task_executions WHERE workflow_execution_id = $1`,
      [executionId],
    )
  ).rows[0];
  const actions = (
    await db.query(`SELECT count(*) n, sum(pg_column_size(output)) o, sum(pg_column_size(input)) i FROM action_executions WHERE workflow_execution_id = $1`, [executionId])
  ).rows[0];
  return [
    `the list as JSON text: ${kb(ex.ot)}`,
    `stored whole (compressed) in: execution output ${kb(ex.o)}, execution context ${kb(ex.c)}, task result ${kb(task.r)}, task published ${kb(task.p)}, ` +
      `task runtime_context ${kb(task.rc)} (of which with_items.results ~${kb(task.rcr)} uncompressed)`,
    `per item: ${actions.n} action executions, outputs ${kb(actions.o)}, inputs ${kb(actions.i)} in all (each holds its own item only)`,
  ];
}
