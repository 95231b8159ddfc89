import type { EntityManager } from 'typeorm';
import type { ActionExecutionEntity } from '../action-execution.entity';
import type { TaskExecutionEntity } from '../task-execution.entity';
import type { WorkflowExecutionEntity } from '../workflow-execution.entity';

/**
 * The SQL of a transition's writes (RunChanges.flush, StartedRows.write): plain parameterized
 * statements through the transaction's own connection, one statement per table whatever the
 * number of rows. Each column is one array parameter that `unnest` turns back into rows, so a
 * statement has a fixed number of parameters (no 65,535-parameter limit) and no per-row query
 * building. JSON columns travel as text and are cast to jsonb, as TypeORM encoded them
 * (`JSON.stringify`; a JavaScript null or undefined is SQL NULL).
 */
const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
/** A column with a database default: what the default is, for a row that leaves it undefined. */
const or = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);
const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

function columns<T>(rows: readonly T[], pick: Array<(row: T, index: number) => unknown>): unknown[][] {
  const out = pick.map(() => new Array<unknown>(rows.length));
  rows.forEach((row, index) => pick.forEach((get, column) => (out[column][index] = get(row, index))));
  return out;
}

/**
 * A JSON column whose rows share values (by identity): its distinct values as ONE jsonb array
 * parameter, each serialized once, and each row's index in it (null: SQL NULL, as `json` does).
 * The statement takes `$array::jsonb -> index`.
 */
function distinctJson<T>(rows: readonly T[], get: (row: T) => unknown): { values: string; index: Array<number | null> } {
  const seen = new Map<unknown, number>();
  const texts: string[] = [];
  const index = rows.map((row) => {
    const value = get(row);
    if (value === null || value === undefined) return null;
    let at = seen.get(value);
    if (at === undefined) {
      at = texts.length;
      seen.set(value, at);
      texts.push(JSON.stringify(value));
    }
    return at;
  });
  return { values: `[${texts.join(',')}]`, index };
}

/** One INSERT: its text (parameters from $1) and its parameters. */
interface Insert {
  sql: string;
  params: unknown[];
}

const statement = (sql: string, params: unknown[]): Insert => ({ sql, params });

/**
 * New rows of the three tables in ONE statement (one round trip): the inserts after the first are
 * data-modifying CTEs. The foreign keys are checked at the end of the whole statement, so task
 * and action rows may refer to the execution inserted beside them.
 */
export async function insertRows(
  manager: EntityManager,
  rows: { executions?: readonly WorkflowExecutionEntity[]; tasks?: readonly TaskExecutionEntity[]; actions?: readonly ActionExecutionEntity[] },
): Promise<void> {
  const inserts: Insert[] = [];
  if (rows.executions && rows.executions.length > 0) inserts.push(executionsInsert(rows.executions));
  if (rows.tasks && rows.tasks.length > 0) inserts.push(tasksInsert(rows.tasks));
  if (rows.actions && rows.actions.length > 0) inserts.push(actionsInsert(rows.actions));
  if (inserts.length === 0) return;
  const params: unknown[] = [];
  const texts = inserts.map((insert) => {
    const offset = params.length;
    params.push(...insert.params);
    return offset === 0 ? insert.sql : insert.sql.replace(/\$(\d+)/g, (_, index: string) => `$${Number(index) + offset}`);
  });
  const last = texts.pop()!;
  await manager.query(texts.length === 0 ? last : `WITH ${texts.map((text, index) => `i${index} AS (${text})`).join(', ')} ${last}`, params);
}

export function insertExecutions(manager: EntityManager, rows: readonly WorkflowExecutionEntity[]): Promise<void> {
  return insertRows(manager, { executions: rows });
}

function executionsInsert(rows: readonly WorkflowExecutionEntity[]): Insert {
  // the executions of one workflow share its spec (a batch of firings: hundreds): sent once
  const specs = distinctJson(rows, (row) => row.spec);
  return statement(
    `INSERT INTO workflow_executions (id, workflow_id, workflow_name, workflow_namespace, project_id, description, tags, spec, params,
       input, output, context, state, state_info, task_execution_id, root_execution_id, trigger_id, created_at, updated_at)
     SELECT id, workflow_id, workflow_name, workflow_namespace, project_id, description,
       ARRAY(SELECT jsonb_array_elements_text(tags::jsonb)), $20::jsonb -> spec, params::jsonb, input::jsonb, output::jsonb, context::jsonb,
       state, state_info, task_execution_id, root_execution_id, trigger_id, created_at, updated_at
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[],
       $11::text[], $12::text[], $13::text[], $14::text[], $15::uuid[], $16::uuid[], $17::uuid[], $18::timestamptz[], $19::timestamptz[])
       AS row (id, workflow_id, workflow_name, workflow_namespace, project_id, description, tags, spec, params, input, output, context,
         state, state_info, task_execution_id, root_execution_id, trigger_id, created_at, updated_at)`,
    columns(rows, [
      (row) => row.id,
      (row) => orNull(row.workflowId),
      (row) => row.workflowName,
      (row) => or(row.workflowNamespace, ''),
      (row) => row.projectId,
      (row) => or(row.description, ''),
      (row) => JSON.stringify(or(row.tags, [])),
      (_row, index) => specs.index[index],
      (row) => json(or(row.params, {})),
      (row) => json(or(row.input, {})),
      (row) => json(row.output),
      (row) => json(or(row.context, {})),
      (row) => row.state,
      (row) => orNull(row.stateInfo),
      (row) => orNull(row.taskExecutionId),
      (row) => orNull(row.rootExecutionId),
      (row) => orNull(row.triggerId),
      (row) => row.createdAt,
      (row) => orNull(row.updatedAt),
    ]).concat([specs.values]),
  );
}

/**
 * A task's columns that a transition writes, in the order both the insert and the update list them
 * (state, state_info, result, published, runtime_context, processed, error_handled; then
 * updated_at, started_at, finished_at).
 */
const taskProgress: Array<(row: TaskExecutionEntity) => unknown> = [
  (row) => row.state,
  (row) => orNull(row.stateInfo),
  (row) => json(row.result),
  (row) => json(or(row.published, {})),
  (row) => json(or(row.runtimeContext, {})),
  (row) => or(row.processed, false),
  (row) => or(row.errorHandled, false),
];
const taskTimes: Array<(row: TaskExecutionEntity) => unknown> = [
  (row) => orNull(row.updatedAt),
  (row) => orNull(row.startedAt),
  (row) => orNull(row.finishedAt),
];

function tasksInsert(rows: readonly TaskExecutionEntity[]): Insert {
  return statement(
    `INSERT INTO task_executions (id, workflow_execution_id, workflow_id, workflow_name, workflow_namespace, project_id, name, type, state,
       state_info, result, published, runtime_context, processed, error_handled, created_at, updated_at, started_at, finished_at)
     SELECT id, workflow_execution_id, workflow_id, workflow_name, workflow_namespace, project_id, name, type, state,
       state_info, result::jsonb, published::jsonb, runtime_context::jsonb, processed, error_handled, created_at, updated_at, started_at, finished_at
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
       $11::text[], $12::text[], $13::text[], $14::boolean[], $15::boolean[], $16::timestamptz[], $17::timestamptz[], $18::timestamptz[], $19::timestamptz[])
       AS row (id, workflow_execution_id, workflow_id, workflow_name, workflow_namespace, project_id, name, type, state, state_info, result,
         published, runtime_context, processed, error_handled, created_at, updated_at, started_at, finished_at)`,
    columns(rows, [
      (row) => row.id,
      (row) => row.workflowExecutionId,
      (row) => orNull(row.workflowId),
      (row) => row.workflowName,
      (row) => or(row.workflowNamespace, ''),
      (row) => row.projectId,
      (row) => row.name,
      (row) => row.type,
      ...taskProgress,
      (row) => row.createdAt,
      ...taskTimes,
    ]),
  );
}

function actionsInsert(rows: readonly ActionExecutionEntity[]): Insert {
  return statement(
    `INSERT INTO action_executions (id, task_execution_id, workflow_execution_id, workflow_name, workflow_namespace, task_name, project_id,
       name, description, state, state_info, accepted, input, output, item_index, attempt, lease_owner, lease_expires_at, created_at, updated_at)
     SELECT id, task_execution_id, workflow_execution_id, workflow_name, workflow_namespace, task_name, project_id,
       name, description, state, state_info, accepted, input::jsonb, output::jsonb, item_index, attempt, lease_owner, lease_expires_at, created_at, updated_at
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
       $11::text[], $12::boolean[], $13::text[], $14::text[], $15::integer[], $16::integer[], $17::text[], $18::timestamptz[], $19::timestamptz[],
       $20::timestamptz[])
       AS row (id, task_execution_id, workflow_execution_id, workflow_name, workflow_namespace, task_name, project_id, name, description,
         state, state_info, accepted, input, output, item_index, attempt, lease_owner, lease_expires_at, created_at, updated_at)`,
    columns(rows, [
      (row) => row.id,
      (row) => orNull(row.taskExecutionId),
      (row) => orNull(row.workflowExecutionId),
      (row) => orNull(row.workflowName),
      (row) => or(row.workflowNamespace, ''),
      (row) => orNull(row.taskName),
      (row) => row.projectId,
      (row) => row.name,
      (row) => or(row.description, ''),
      (row) => row.state,
      (row) => orNull(row.stateInfo),
      (row) => or(row.accepted, false),
      (row) => json(or(row.input, {})),
      (row) => json(row.output),
      (row) => orNull(row.itemIndex),
      (row) => or(row.attempt, 0),
      (row) => orNull(row.leaseOwner),
      (row) => orNull(row.leaseExpiresAt),
      (row) => row.createdAt,
      (row) => orNull(row.updatedAt),
    ]),
  );
}

/** The columns a transition changes on tasks it loaded, for all of them in one statement. */
export async function updateTasks(manager: EntityManager, rows: readonly TaskExecutionEntity[]): Promise<void> {
  if (rows.length === 0) return;
  await manager.query(
    `UPDATE task_executions AS t SET state = row.state, state_info = row.state_info, result = row.result::jsonb, published = row.published::jsonb,
       runtime_context = row.runtime_context::jsonb, processed = row.processed, error_handled = row.error_handled, updated_at = row.updated_at,
       started_at = row.started_at, finished_at = row.finished_at
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::boolean[], $9::timestamptz[],
       $10::timestamptz[], $11::timestamptz[])
       AS row (id, state, state_info, result, published, runtime_context, processed, error_handled, updated_at, started_at, finished_at)
     WHERE t.id = row.id`,
    columns(rows, [
      (row) => row.id,
      ...taskProgress,
      ...taskTimes,
    ]),
  );
}

/** The columns a transition changes on actions it loaded, for all of them in one statement. */
export async function updateActions(manager: EntityManager, rows: readonly ActionExecutionEntity[]): Promise<void> {
  if (rows.length === 0) return;
  await manager.query(
    `UPDATE action_executions AS a SET state = row.state, state_info = row.state_info, output = row.output::jsonb, accepted = row.accepted,
       attempt = row.attempt, lease_owner = row.lease_owner, lease_expires_at = row.lease_expires_at, updated_at = row.updated_at
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::integer[], $7::text[], $8::timestamptz[], $9::timestamptz[])
       AS row (id, state, state_info, output, accepted, attempt, lease_owner, lease_expires_at, updated_at)
     WHERE a.id = row.id`,
    columns(rows, [
      (row) => row.id,
      (row) => row.state,
      (row) => orNull(row.stateInfo),
      (row) => json(row.output),
      (row) => or(row.accepted, false),
      (row) => or(row.attempt, 0),
      (row) => orNull(row.leaseOwner),
      (row) => orNull(row.leaseExpiresAt),
      (row) => orNull(row.updatedAt),
    ]),
  );
}

/** The columns a transition changes on its execution. */
export async function updateExecution(manager: EntityManager, row: WorkflowExecutionEntity): Promise<void> {
  await manager.query(
    `UPDATE workflow_executions SET state = $2, state_info = $3, output = $4::jsonb, context = $5::jsonb, params = $6::jsonb, updated_at = $7
     WHERE id = $1`,
    [row.id, row.state, orNull(row.stateInfo), json(row.output), json(or(row.context, {})), json(or(row.params, {})), orNull(row.updatedAt)],
  );
}
