import { EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ApiError } from './api-error';
import { isUuid } from './uuid';

/** How one API field maps to SQL for sorting and filtering. */
export interface ListColumn {
  /** SQL expression, e.g. `wf.name` */
  sql: string;
  /**
   * `uuid`: `sql` is the uuid column itself, so that indexes serve its order and its exact filters
   * (uuid order is the order of the lowercase text Mistral sorts); other operators compare its text
   */
  type: 'text' | 'timestamp' | 'text[]' | 'uuid';
  /** nullable columns sort as if NULL were the smallest value, so keyset paging stays exact */
  nullable?: boolean;
  /** false for fields that can be selected but not ordered by (default true) */
  sortable?: boolean;
  /** false for fields that can be selected but not filtered on (default true) */
  filterable?: boolean;
  /**
   * true for fields that may hold secrets (a trigger's workflow input): only exact matches
   * (eq, neq, in, nin), so that no filter can guess a secret piece by piece
   */
  mayHoldSecrets?: boolean;
}

/** What a collection endpoint allows: its columns (by API name) and its default order. */
export interface ListSpec {
  columns: Record<string, ListColumn>;
  /** the unique tiebreaker column appended to every order (Mistral appends `id`) */
  idColumn: string;
  defaultSortKey: string;
  /** query parameters the endpoint handles itself (not filters) */
  extraParams?: string[];
}

type FilterOperator = 'eq' | 'neq' | 'in' | 'nin' | 'gt' | 'gte' | 'lt' | 'lte' | 'has';

export interface ColumnFilter {
  field: string;
  operator: FilterOperator;
  values: string[];
}

/** A parsed list request: Mistral's marker, limit, sort_keys, sort_dirs, fields and filters. */
export interface ListRequest {
  limit?: number;
  marker?: string;
  sortKeys: string[];
  sortDirs: ('asc' | 'desc')[];
  fields?: string[];
  filters: ColumnFilter[];
  /** the raw query, kept to build the `next` link */
  query: Record<string, string>;
}

const MAX_LIMIT = 2147483647;

const PAGING_PARAMS = ['marker', 'limit', 'sort_keys', 'sort_dirs', 'fields'];
const EXACT_OPERATORS: FilterOperator[] = ['eq', 'neq', 'in', 'nin'];
const OPERATORS: FilterOperator[] = ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'has'];

function splitList(value: string): string[] {
  // Mistral writes lists as `a,b` and, in its own next links, as Python reprs `['a', 'b']`
  const trimmed = value.trim().replace(/^\[(.*)\]$/s, '$1');
  return trimmed
    .split(',')
    .map((item) => item.trim().replace(/^'(.*)'$/s, '$1').replace(/^"(.*)"$/s, '$1'))
    .filter((item) => item.length > 0);
}

function parseFilter(field: string, raw: string): ColumnFilter {
  const match = /^([a-z]+):(.*)$/s.exec(raw);
  const operator = match && OPERATORS.includes(match[1] as FilterOperator) ? (match[1] as FilterOperator) : 'eq';
  const value = match && operator === match[1] ? match[2] : raw;
  const values = operator === 'in' || operator === 'nin' ? splitList(value) : [value];
  return { field, operator, values };
}

/** Reads Mistral's list parameters; anything malformed is a 400 that names the parameter. */
export function parseListRequest(rawQuery: Record<string, unknown>, spec: ListSpec): ListRequest {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawQuery)) {
    query[key] = Array.isArray(value) ? String(value[value.length - 1]) : String(value);
  }

  let limit: number | undefined;
  if (query.limit !== undefined && query.limit !== '') {
    limit = Number(query.limit);
    if (!Number.isInteger(limit)) throw ApiError.badRequest(`Limit must be an integer (got '${query.limit}').`);
    if (limit <= 0) throw ApiError.badRequest('Limit must be positive.');
    // PostgreSQL's LIMIT is a bigint; nobody pages by more than this
    if (limit > MAX_LIMIT) throw ApiError.badRequest(`Limit must be at most ${MAX_LIMIT} (got '${query.limit}').`);
  }

  const sortKeys = query.sort_keys ? splitList(query.sort_keys) : [spec.defaultSortKey];
  for (const key of sortKeys) {
    if (spec.columns[key]?.sortable === false || !spec.columns[key]) {
      const sortable = Object.keys(spec.columns).filter((name) => spec.columns[name].sortable !== false);
      throw ApiError.badRequest(
        `Sort key supplied is invalid: ${key} (sortable: ${sortable.sort().join(', ')})`,
      );
    }
  }
  const duplicates = sortKeys.filter((key, index) => sortKeys.indexOf(key) !== index);
  if (duplicates.length > 0) throw ApiError.badRequest(`Sort keys must be unique (repeated: ${[...new Set(duplicates)].join(', ')}).`);
  const dirs = query.sort_dirs ? splitList(query.sort_dirs).map((dir) => dir.toLowerCase()) : [];
  // Mistral's checks and wording: more directions than keys is refused, missing ones are asc
  if (dirs.length > sortKeys.length) throw ApiError.badRequest('Length of sort_keys must be equal or greater than sort_dirs.');
  const unknownDir = dirs.find((dir) => dir !== 'asc' && dir !== 'desc');
  if (unknownDir !== undefined) {
    throw ApiError.badRequest(`Unknown sort direction '${unknownDir}', must be 'desc' or 'asc'.`);
  }
  const sortDirs = sortKeys.map((_, index) => (dirs[index] ?? 'asc') as 'asc' | 'desc');
  if (!sortKeys.includes(spec.idColumn)) {
    // the tiebreaker Mistral appends sorts ascending, whatever the other keys' directions
    sortKeys.push(spec.idColumn);
    sortDirs.push('asc');
  }

  let fields: string[] | undefined;
  if (query.fields) {
    fields = splitList(query.fields);
    const unknown = fields.filter((field) => !spec.columns[field]);
    if (unknown.length > 0) throw ApiError.badRequest(`Unknown field(s) requested: ${unknown.join(', ')}`);
    if (!fields.includes(spec.idColumn)) fields.unshift(spec.idColumn);
  }

  const filters: ColumnFilter[] = [];
  const handled = new Set([...PAGING_PARAMS, ...(spec.extraParams ?? [])]);
  for (const [key, value] of Object.entries(query)) {
    if (handled.has(key)) continue;
    if (spec.columns[key]?.filterable === false || !spec.columns[key]) {
      const filterable = Object.keys(spec.columns).filter((name) => spec.columns[name].filterable !== false);
      throw ApiError.badRequest(
        `Unknown query parameter '${key}' (filters: ${filterable.sort().join(', ')})`,
      );
    }
    const filter = parseFilter(key, value);
    if (spec.columns[key].mayHoldSecrets && !EXACT_OPERATORS.includes(filter.operator)) {
      throw ApiError.badRequest(
        `Filter '${key}' takes only ${EXACT_OPERATORS.join(', ')} (it may hold secrets), not '${filter.operator}'`,
      );
    }
    filters.push(filter);
  }

  return { limit, marker: query.marker || undefined, sortKeys, sortDirs, fields, filters, query };
}

function sortExpression(column: ListColumn): string {
  if (!column.nullable) return column.sql;
  if (column.type === 'uuid') return `COALESCE(${column.sql}, '00000000-0000-0000-0000-000000000000'::uuid)`;
  return column.type === 'timestamp' ? `COALESCE(${column.sql}, '-infinity'::timestamptz)` : `COALESCE(${column.sql}, '')`;
}

/** The text a non-exact filter (has, gt, ...) on a uuid column compares; NULL reads as ''. */
function uuidText(column: ListColumn): string {
  return `COALESCE(${column.sql}::text, '')`;
}

/**
 * eq / in (or, negated, neq / nin) on a uuid column, as an index condition: '' matches NULL, a
 * value that is no uuid matches nothing.
 */
function uuidMatch(column: ListColumn, values: string[], param: string, negated: boolean): { sql: string; ids: string[] } {
  const ids = values.filter(isUuid).map((value) => value.toLowerCase());
  const matchesNull = values.includes('');
  const any = `${column.sql} = ANY(:${param}::uuid[])`;
  if (!negated) return { sql: matchesNull ? `(${any} OR ${column.sql} IS NULL)` : any, ids };
  return { sql: matchesNull ? `(${column.sql} IS NOT NULL AND NOT ${any})` : `(${column.sql} IS NULL OR NOT ${any})`, ids };
}

/**
 * For a list query's transaction: no bitmap scan and no full sort. Statistics that under-count the
 * matching rows (none yet, or taken before a bulk insert) make reading every matching row and
 * sorting them look cheaper than reading the first `limit` entries of an index in order (seen: the
 * first page of 60,000 executions, and a newest-first page in the middle of 1,000,000: 0.8-1 s
 * instead of 12 ms). A bitmap scan never yields an order, and a page takes its order from an index:
 * a full sort is only priced out (still chosen where no index gives the order), and an incremental
 * sort of the rows sharing a leading key is not affected. Both settings end with the transaction.
 */
export async function preferIndexOrder(manager: EntityManager): Promise<void> {
  await manager.query(`SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true)`);
}

function filterValue(column: ListColumn, field: string, value: string): string | Date {
  if (column.type !== 'timestamp') return value;
  // Mistral's format `YYYY-MM-DD HH:MM:SS` is UTC
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw ApiError.badRequest(`Filter ${field}: '${value}' is not a time`);
  return date;
}

const SQL_OPERATORS: Record<'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte', string> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};

const SQL_TYPES: Record<ListColumn['type'], string> = { text: 'text', timestamp: 'timestamptz', uuid: 'uuid', 'text[]': 'text[]' };

/**
 * Keeps the rows strictly after the marker in the sort order. The marker's sort values are read
 * once, as text (exact to the microsecond, which a JS Date is not), and given back as constants:
 * - one direction for every key: a row comparison `(k1, k2, ...) > (m1, m2, ...)`, which a btree
 *   index on (k1, k2, ...) takes as its start (the page costs what it returns, wherever it is);
 * - mixed directions: (k1 > m1) OR (k1 = m1 AND k2 < m2) OR ..., with `k1 >= m1` beside it so that
 *   the index on k1 still starts at the marker.
 */
async function applyMarker<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  spec: ListSpec,
  request: ListRequest,
  marker: string,
): Promise<void> {
  const alias = qb.alias;
  const table = qb.expressionMap.mainAlias!.metadata.tablePath;
  const idColumn = spec.columns[spec.idColumn];
  const keys = request.sortKeys.map((key) => spec.columns[key]);
  // every stored list has UUID ids; anything else (a NUL byte included) never reaches PostgreSQL
  const idMatch = idColumn.type === 'uuid' ? `${idColumn.sql} = :marker::uuid` : `${idColumn.sql} = :marker`;
  const values: Record<string, string | null> | undefined = isUuid(marker)
    ? await qb.connection
        .createQueryBuilder()
        .select(keys.map((column, index) => `(${sortExpression(column)})::text AS marker_${index}`))
        .from(table, alias)
        .where(idMatch, { marker })
        .getRawOne()
    : undefined;
  if (!values) throw ApiError.badRequest(`Marker '${marker}' does not name an object of this list.`);
  const params: Record<string, string | null> = {};
  const markerValue = (index: number) => {
    params[`marker_${index}`] = values[`marker_${index}`];
    return `CAST(:marker_${index} AS ${SQL_TYPES[keys[index].type]})`;
  };
  const expressions = keys.map(sortExpression);
  const ascending = request.sortDirs.map((dir) => dir === 'asc');
  if (ascending.every((asc) => asc === ascending[0])) {
    const op = ascending[0] ? '>' : '<';
    qb.andWhere(`((${expressions.join(', ')}) ${op} (${keys.map((_, index) => markerValue(index)).join(', ')}))`, params);
    return;
  }
  const alternatives = expressions.map((expression, index) => {
    const equalities = expressions.slice(0, index).map((previous, before) => `${previous} = ${markerValue(before)}`);
    return [...equalities, `${expression} ${ascending[index] ? '>' : '<'} ${markerValue(index)}`].join(' AND ');
  });
  const bound = `${expressions[0]} ${ascending[0] ? '>=' : '<='} ${markerValue(0)}`;
  qb.andWhere(`(${bound} AND (${alternatives.map((alternative) => `(${alternative})`).join(' OR ')}))`, params);
}

/**
 * Applies filters, keyset pagination after the marker, order and limit to a query.
 * The marker's sort values are read by subquery in SQL, never through JavaScript: a JS Date keeps
 * milliseconds only, and a marker compared at that precision against microsecond timestamps
 * would be returned again on the next page.
 */
export async function applyListRequest<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  spec: ListSpec,
  request: ListRequest,
): Promise<SelectQueryBuilder<T>> {
  request.filters.forEach((filter, index) => {
    const column = spec.columns[filter.field];
    const param = `filter_${index}`;
    if (column.type === 'text[]' && filter.operator === 'has') {
      // as Mistral's `has` (a substring match), on any one of the tags
      qb.andWhere(`EXISTS (SELECT 1 FROM unnest(${column.sql}) AS element WHERE element ILIKE :${param})`, {
        [param]: `%${filter.values[0].replace(/[%_\\]/g, '\\$&')}%`,
      });
      return;
    }
    if (column.type === 'text[]' && !EXACT_OPERATORS.includes(filter.operator)) {
      throw ApiError.badRequest(`Filter '${filter.field}' (a list) takes eq, neq, in, nin or has, not '${filter.operator}'`);
    }
    if (column.type === 'text[]') {
      const negate = filter.operator === 'neq' || filter.operator === 'nin';
      const values = filter.values.flatMap(splitList);
      const test = filter.operator === 'in' ? `${column.sql} && :${param}` : `${column.sql} @> :${param}`;
      qb.andWhere(negate ? `NOT (${test})` : test, { [param]: values });
      return;
    }
    if (column.type === 'uuid' && EXACT_OPERATORS.includes(filter.operator)) {
      const values = filter.operator === 'in' || filter.operator === 'nin' ? filter.values : filter.values.slice(0, 1);
      const match = uuidMatch(column, values, param, filter.operator === 'neq' || filter.operator === 'nin');
      qb.andWhere(match.sql, { [param]: match.ids });
      return;
    }
    const sql = column.type === 'uuid' ? uuidText(column) : column.sql;
    const values = filter.values.map((value) => filterValue(column, filter.field, value));
    switch (filter.operator) {
      case 'in':
        qb.andWhere(`${sql} = ANY(:${param})`, { [param]: values });
        break;
      case 'nin':
        qb.andWhere(`NOT (${sql} = ANY(:${param}))`, { [param]: values });
        break;
      case 'has':
        qb.andWhere(`${sql} ILIKE :${param}`, { [param]: `%${String(values[0]).replace(/[%_\\]/g, '\\$&')}%` });
        break;
      default:
        qb.andWhere(`${sql} ${SQL_OPERATORS[filter.operator]} :${param}`, { [param]: values[0] });
    }
  });

  if (request.marker) await applyMarker(qb, spec, request, request.marker);

  request.sortKeys.forEach((key, index) => {
    const direction = request.sortDirs[index] === 'asc' ? 'ASC' : 'DESC';
    if (index === 0) qb.orderBy(sortExpression(spec.columns[key]), direction);
    else qb.addOrderBy(sortExpression(spec.columns[key]), direction);
  });
  if (request.limit) qb.limit(request.limit);
  return qb;
}

/**
 * A page of a table that has `project_id` and `scope` columns: the rows of the caller's project and
 * the public ones, or every row with `everyProject` (an admin asking all_projects).
 */
export async function listVisibleRows<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  spec: ListSpec,
  request: ListRequest,
  projectId: string,
  everyProject: boolean,
): Promise<T[]> {
  if (!everyProject) qb.where(`(${qb.alias}.project_id = :project OR ${qb.alias}.scope = 'public')`, { project: projectId });
  await applyListRequest(qb, spec, request);
  return qb.getMany();
}

/** Mistral's `next` link: present only when the page is full. */
export function nextLink(
  baseUrl: string,
  collectionPath: string,
  request: ListRequest,
  page: { id: string }[],
): string | undefined {
  if (!request.limit || page.length < request.limit) return undefined;
  const params = new URLSearchParams();
  params.set('sort_keys', request.sortKeys.join(','));
  params.set('sort_dirs', request.sortDirs.join(','));
  for (const [key, value] of Object.entries(request.query)) {
    if (!PAGING_PARAMS.includes(key)) params.set(key, value);
  }
  params.set('limit', String(request.limit));
  params.set('marker', page[page.length - 1].id);
  if (request.fields) params.set('fields', request.fields.join(','));
  return `${baseUrl}${collectionPath}?${params.toString().replace(/%2C/gi, ',').replace(/%3A/gi, ':')}`;
}

/**
 * A list answer as Mistral gives it: `{ <collection>: [...], next }`, each resource cut to the
 * asked `fields`, `next` (from nextLink) only when there is one.
 */
export function listAnswer<K extends string, T extends Record<string, unknown>>(
  collection: K,
  resources: T[],
  request: ListRequest,
  next: string | undefined,
): Record<K, Partial<T>[]> & { next?: string } {
  const answer = { [collection]: resources.map((resource) => pickFields(resource, request.fields)) } as Record<K, Partial<T>[]> & { next?: string };
  if (next) answer.next = next;
  return answer;
}

/** The `all_projects` query flag (true or 1), or a `project_id` filter: an admin lists every project's resources. */
export function allProjectsAsked(query: Record<string, string>): boolean {
  return ['true', '1'].includes(String(query.all_projects).toLowerCase()) || projectFilterAsked(query);
}

/**
 * A `project_id` filter: as Mistral, an admin who names a project sees that project's rows without
 * also giving all_projects (for others it only narrows their own visible rows).
 */
export function projectFilterAsked(query: Record<string, unknown>): boolean {
  const value = query.project_id;
  return value !== undefined && value !== '';
}

/** Keeps only the requested fields of a resource (all when none were asked for). */
export function pickFields<T extends Record<string, unknown>>(resource: T, fields?: string[]): Partial<T> {
  if (!fields) return resource;
  const picked: Partial<T> = {};
  for (const field of fields) {
    if (field in resource) picked[field as keyof T] = resource[field as keyof T];
  }
  return picked;
}
