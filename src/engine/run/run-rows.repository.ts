import type { EntityManager } from 'typeorm';
import type { ActionExecutionEntity } from '../action-execution.entity';
import type { TaskExecutionEntity } from '../task-execution.entity';
import type { WorkflowExecutionEntity } from '../workflow-execution.entity';
import { storeSpecsCtes, storedSpecId } from '../workflow-specs.repository';

/**
 * The SQL of a transition's writes (RunChanges.flush, StartedRows.write): plain parameterized
 * statements through the transaction's own connection, one statement per table whatever the
 * number of rows. The rows travel as ONE jsonb parameter, an array of rows, each an array of its
 * column values in the order of the statement's fields, which `jsonb_array_elements` turns back
 * into rows: a statement has a fixed number of parameters (no 65,535-parameter limit), no per-row
 * query building, and the whole parameter is one native `JSON.stringify` (pg's encoding of array
 * parameters escapes every element in JavaScript: 15% of a firing's CPU). JSON columns are JSON
 * inside it, not text; a JavaScript null or undefined is SQL NULL, as TypeORM wrote them.
 */

/** A column of a rows parameter: its name, its SQL type, its value in a row. */
type Field<T> = readonly [name: string, type: string, get: (row: T) => unknown];

/** A JSON column's value as a text parameter (cast to jsonb in the statement); null or undefined: SQL NULL. */
const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
/** A column with a database default: what the default is, for a row that leaves it undefined. */
const or = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);

/** The SQL reading column `index` of a row `r` (a jsonb array) as `type`; a JSON null is SQL NULL. */
function columnOf(index: number, type: string): string {
  if (type === 'jsonb') return `NULLIF(r -> ${index}, 'null'::jsonb)`;
  if (type === 'text[]') return `ARRAY(SELECT jsonb_array_elements_text(r -> ${index}))`;
  return `(r ->> ${index})::${type}`;
}

/**
 * The rows as the jsonb parameter `$1`, and the SELECT that reads them back as typed columns
 * named as the fields. Dates go as ISO text (JSON.stringify would call each one's toJSON).
 */
function rowsParameter<T>(rows: readonly T[], fields: ReadonlyArray<Field<T>>): { json: string; select: string } {
  const values = rows.map((row) =>
    fields.map(([, , get]) => {
      const value = get(row);
      return value instanceof Date ? value.toISOString() : value === undefined ? null : value;
    }),
  );
  const columns = fields.map(([name, type], index) => `${columnOf(index, type)} AS ${name}`).join(', ');
  return { json: JSON.stringify(values), select: `SELECT ${columns} FROM jsonb_array_elements($1::jsonb) AS r` };
}

/** The column names of `fields`, in their order. */
const names = <T>(fields: ReadonlyArray<Field<T>>): string => fields.map(([name]) => name).join(', ');

/**
 * A JSON column whose rows share values (by identity): its distinct values as ONE jsonb array
 * parameter, each serialized once, and each row's index in it (null: SQL NULL).
 * The statement takes `$array::jsonb -> index`.
 */
function distinctJson<T>(rows: readonly T[], get: (row: T) => unknown): { values: string; index: Map<T, number | null> } {
  const seen = new Map<unknown, number>();
  const texts: string[] = [];
  const index = new Map<T, number | null>();
  for (const row of rows) {
    const value = get(row);
    if (value === null || value === undefined) {
      index.set(row, null);
      continue;
    }
    let at = seen.get(value);
    if (at === undefined) {
      at = texts.length;
      seen.set(value, at);
      texts.push(JSON.stringify(value));
    }
    index.set(row, at);
  }
  return { values: `[${texts.join(',')}]`, index };
}

/** One INSERT: its text (parameters from $1), its parameters, and the CTEs it needs at the statement's top level. */
interface Insert {
  sql: string;
  params: unknown[];
  ctes?: string[];
}

const statement = (sql: string, params: unknown[], ctes?: string[]): Insert => ({ sql, params, ctes });

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
  // a data-modifying CTE must be at the top level: an insert's own CTEs come first, then the inserts
  const ctes: string[] = [];
  const texts = inserts.map((insert) => {
    const offset = params.length;
    params.push(...insert.params);
    const shift = (text: string) => (offset === 0 ? text : text.replace(/\$(\d+)/g, (_, index: string) => `$${Number(index) + offset}`));
    ctes.push(...(insert.ctes ?? []).map(shift));
    return shift(insert.sql);
  });
  const last = texts.pop()!;
  ctes.push(...texts.map((text, index) => `i${index} AS (${text})`));
  await manager.query(ctes.length === 0 ? last : `WITH ${ctes.join(', ')} ${last}`, params);
}

export function insertExecutions(manager: EntityManager, rows: readonly WorkflowExecutionEntity[]): Promise<void> {
  return insertRows(manager, { executions: rows });
}

/**
 * The executions, and their specs in workflow_specs unless stored already (see storeSpecsCtes).
 * The executions of one workflow share its spec (a batch of firings: hundreds): sent once.
 */
function executionsInsert(rows: readonly WorkflowExecutionEntity[]): Insert {
  const specs = distinctJson(rows, (row) => row.spec);
  const fields: Array<Field<WorkflowExecutionEntity>> = [
    ['id', 'uuid', (row) => row.id],
    ['workflow_id', 'uuid', (row) => row.workflowId],
    ['workflow_name', 'text', (row) => row.workflowName],
    ['workflow_namespace', 'text', (row) => or(row.workflowNamespace, '')],
    ['project_id', 'text', (row) => row.projectId],
    ['description', 'text', (row) => or(row.description, '')],
    ['tags', 'text[]', (row) => or(row.tags, [])],
    ['params', 'jsonb', (row) => or(row.params, {})],
    ['input', 'jsonb', (row) => or(row.input, {})],
    ['output', 'jsonb', (row) => row.output],
    ['context', 'jsonb', (row) => or(row.context, {})],
    ['state', 'text', (row) => row.state],
    ['state_info', 'text', (row) => row.stateInfo],
    ['task_execution_id', 'uuid', (row) => row.taskExecutionId],
    ['root_execution_id', 'uuid', (row) => row.rootExecutionId],
    ['trigger_id', 'uuid', (row) => row.triggerId],
    ['created_at', 'timestamptz', (row) => row.createdAt],
    ['updated_at', 'timestamptz', (row) => row.updatedAt],
  ];
  const set = rowsParameter(rows, [...fields, ['spec', 'integer', (row) => specs.index.get(row)]]);
  return statement(
    `INSERT INTO workflow_executions (${names(fields)}, spec_id)
     SELECT ${names(fields)}, ${storedSpecId('row.spec')} FROM (${set.select}) AS row`,
    [set.json, specs.values],
    storeSpecsCtes('$2'),
  );
}

/** A task's columns that a transition writes: the insert and the update list them alike. */
const taskProgress: ReadonlyArray<Field<TaskExecutionEntity>> = [
  ['state', 'text', (row) => row.state],
  ['state_info', 'text', (row) => row.stateInfo],
  ['result', 'jsonb', (row) => row.result],
  ['published', 'jsonb', (row) => or(row.published, {})],
  ['runtime_context', 'jsonb', (row) => or(row.runtimeContext, {})],
  ['processed', 'boolean', (row) => or(row.processed, false)],
  ['error_handled', 'boolean', (row) => or(row.errorHandled, false)],
  ['updated_at', 'timestamptz', (row) => row.updatedAt],
  ['started_at', 'timestamptz', (row) => row.startedAt],
  ['finished_at', 'timestamptz', (row) => row.finishedAt],
];

const taskFields: ReadonlyArray<Field<TaskExecutionEntity>> = [
  ['id', 'uuid', (row) => row.id],
  ['workflow_execution_id', 'uuid', (row) => row.workflowExecutionId],
  ['workflow_id', 'uuid', (row) => row.workflowId],
  ['workflow_name', 'text', (row) => row.workflowName],
  ['workflow_namespace', 'text', (row) => or(row.workflowNamespace, '')],
  ['project_id', 'text', (row) => row.projectId],
  ['name', 'text', (row) => row.name],
  ['type', 'text', (row) => row.type],
  ['created_at', 'timestamptz', (row) => row.createdAt],
  ...taskProgress,
];

function tasksInsert(rows: readonly TaskExecutionEntity[]): Insert {
  const set = rowsParameter(rows, taskFields);
  return statement(`INSERT INTO task_executions (${names(taskFields)}) ${set.select}`, [set.json]);
}

const actionFields: ReadonlyArray<Field<ActionExecutionEntity>> = [
  ['id', 'uuid', (row) => row.id],
  ['task_execution_id', 'uuid', (row) => row.taskExecutionId],
  ['workflow_execution_id', 'uuid', (row) => row.workflowExecutionId],
  ['workflow_name', 'text', (row) => row.workflowName],
  ['workflow_namespace', 'text', (row) => or(row.workflowNamespace, '')],
  ['task_name', 'text', (row) => row.taskName],
  ['project_id', 'text', (row) => row.projectId],
  ['name', 'text', (row) => row.name],
  ['description', 'text', (row) => or(row.description, '')],
  ['input', 'jsonb', (row) => or(row.input, {})],
  ['item_index', 'integer', (row) => row.itemIndex],
  ['created_at', 'timestamptz', (row) => row.createdAt],
];

/** An action's columns that a transition changes: the insert and the update list them alike. */
const actionProgress: ReadonlyArray<Field<ActionExecutionEntity>> = [
  ['state', 'text', (row) => row.state],
  ['state_info', 'text', (row) => row.stateInfo],
  ['accepted', 'boolean', (row) => or(row.accepted, false)],
  ['output', 'jsonb', (row) => row.output],
  ['attempt', 'integer', (row) => or(row.attempt, 0)],
  ['lease_owner', 'text', (row) => row.leaseOwner],
  ['lease_expires_at', 'timestamptz', (row) => row.leaseExpiresAt],
  ['updated_at', 'timestamptz', (row) => row.updatedAt],
];

function actionsInsert(rows: readonly ActionExecutionEntity[]): Insert {
  const fields = [...actionFields, ...actionProgress];
  const set = rowsParameter(rows, fields);
  return statement(`INSERT INTO action_executions (${names(fields)}) ${set.select}`, [set.json]);
}

/** SET a = row.a, b = row.b, ... for every field but the id. */
const assignments = <T>(fields: ReadonlyArray<Field<T>>): string => fields.map(([name]) => `${name} = row.${name}`).join(', ');

/** The columns a transition changes on tasks it loaded, for all of them in one statement. */
export async function updateTasks(manager: EntityManager, rows: readonly TaskExecutionEntity[]): Promise<void> {
  if (rows.length === 0) return;
  const set = rowsParameter(rows, [['id', 'uuid', (row) => row.id], ...taskProgress]);
  await manager.query(`UPDATE task_executions AS t SET ${assignments(taskProgress)} FROM (${set.select}) AS row WHERE t.id = row.id`, [set.json]);
}

/** The columns a transition changes on actions it loaded, for all of them in one statement. */
export async function updateActions(manager: EntityManager, rows: readonly ActionExecutionEntity[]): Promise<void> {
  if (rows.length === 0) return;
  const set = rowsParameter(rows, [['id', 'uuid', (row) => row.id], ...actionProgress]);
  await manager.query(`UPDATE action_executions AS a SET ${assignments(actionProgress)} FROM (${set.select}) AS row WHERE a.id = row.id`, [set.json]);
}

/** The columns a transition changes on its execution. */
export async function updateExecution(manager: EntityManager, row: WorkflowExecutionEntity): Promise<void> {
  await manager.query(
    `UPDATE workflow_executions SET state = $2, state_info = $3, output = $4::jsonb, context = $5::jsonb, params = $6::jsonb, updated_at = $7
     WHERE id = $1`,
    [row.id, row.state, row.stateInfo ?? null, json(row.output), json(or(row.context, {})), json(or(row.params, {})), row.updatedAt ?? null],
  );
}
