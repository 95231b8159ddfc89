import { session, UNAUTHORIZED_EVENT } from './session';
import type {
  ActionExecution,
  CronTrigger,
  DefinitionError,
  Execution,
  Firing,
  LoginAnswer,
  SchedulePreview,
  Task,
  Validation,
  Workflow,
} from './types';

/** An error answer of the API; `message` is its faultstring (or message) as the API wrote it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }

  /** Definition errors with line and column, when the API gave them. */
  get definitionErrors(): DefinitionError[] {
    const errors = (this.body as { errors?: unknown } | null)?.errors;
    return Array.isArray(errors) ? (errors as DefinitionError[]) : [];
  }
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
  query?: Query;
  json?: unknown;
  text?: string;
}

function messageOf(status: number, body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    const fields = body as { faultstring?: unknown; message?: unknown };
    if (typeof fields.faultstring === 'string') return fields.faultstring;
    if (typeof fields.message === 'string') return fields.message;
  }
  return `HTTP ${status} ${fallback}`.trim();
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = session.token();
  if (token) headers['X-Auth-Token'] = token;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.text !== undefined) {
    headers['Content-Type'] = 'text/plain';
    body = options.text;
  }
  const response = await fetch(url, { method, headers, body });
  const raw = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = raw ? JSON.parse(raw) : undefined;
  } catch {
    parsed = raw;
  }
  if (!response.ok) {
    if (response.status === 401 && path !== '/v2/auth/tokens') {
      session.clear();
      window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    }
    throw new ApiError(response.status, messageOf(response.status, parsed, response.statusText), parsed);
  }
  return parsed as T;
}

/** Parses one of the API's JSON-text fields; the text itself when it is not JSON. */
export function parseJsonField(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface ExecutionFilters {
  workflow_name?: string;
  state?: string;
  trigger?: string;
  since?: string;
  until?: string;
  input_value?: string;
  /** the sub-workflow executions a task started */
  task_execution_id?: string;
}

/** Mistral's filter syntax (`gte:...`) for the time range; the trigger filter is the executions' description as Sirocco writes it. */
function executionQuery(filters: ExecutionFilters, limit: number): Query {
  return {
    limit,
    sort_keys: 'created_at',
    sort_dirs: 'desc',
    workflow_name: filters.workflow_name,
    state: filters.state,
    input_value: filters.input_value,
    description: filters.trigger,
    task_execution_id: filters.task_execution_id,
    created_at: filters.since && filters.until ? undefined : filters.since ? `gte:${filters.since}` : filters.until ? `lte:${filters.until}` : undefined,
  };
}

export const api = {
  login: (body: Record<string, string>) => request<LoginAnswer>('POST', '/v2/auth/tokens', { json: body }),

  executions: (filters: ExecutionFilters = {}, limit = 100) =>
    request<{ executions: Execution[] }>('GET', '/v2/executions', { query: executionQuery(filters, limit) }).then((page) => page.executions),
  execution: (id: string) => request<Execution>('GET', `/v2/executions/${encodeURIComponent(id)}`),
  startExecution: (workflowName: string, input: Record<string, unknown>) =>
    request<Execution>('POST', '/v2/executions', { json: { workflow_name: workflowName, input } }),
  setExecutionState: (id: string, state: 'PAUSED' | 'RUNNING' | 'CANCELLED') =>
    request<Execution>('PUT', `/v2/executions/${encodeURIComponent(id)}`, { json: { state } }),
  tasks: (executionId: string) =>
    request<{ tasks: Task[] }>('GET', `/v2/executions/${encodeURIComponent(executionId)}/tasks`).then((page) => page.tasks),
  rerunTask: (taskId: string, reset: boolean) => request<Task>('PUT', `/v2/tasks/${encodeURIComponent(taskId)}`, { json: { state: 'RUNNING', reset } }),
  actionExecutions: (taskId: string) =>
    request<{ action_executions: ActionExecution[] }>('GET', `/v2/tasks/${encodeURIComponent(taskId)}/action_executions`).then(
      (page) => page.action_executions,
    ),

  workflows: () => request<{ workflows: Workflow[] }>('GET', '/v2/workflows', { query: { limit: 1000 } }).then((page) => page.workflows),
  workflow: (identifier: string) => request<Workflow>('GET', `/v2/workflows/${encodeURIComponent(identifier)}`),
  createWorkflows: (definition: string) => request<{ workflows: Workflow[] }>('POST', '/v2/workflows', { text: definition }),
  updateWorkflows: (definition: string) => request<{ workflows: Workflow[] }>('PUT', '/v2/workflows', { text: definition }),
  validateWorkflows: (definition: string) => request<Validation>('POST', '/v2/workflows/validate', { text: definition }),

  triggers: () => request<{ cron_triggers: CronTrigger[] }>('GET', '/v2/cron_triggers', { query: { limit: 1000 } }).then((page) => page.cron_triggers),
  trigger: (identifier: string) => request<CronTrigger>('GET', `/v2/cron_triggers/${encodeURIComponent(identifier)}`),
  createTrigger: (body: Record<string, unknown>) => request<CronTrigger>('POST', '/v2/cron_triggers', { json: body }),
  updateTrigger: (identifier: string, body: Record<string, unknown>) =>
    request<CronTrigger>('PUT', `/v2/cron_triggers/${encodeURIComponent(identifier)}`, { json: body }),
  deleteTrigger: (identifier: string) => request<void>('DELETE', `/v2/cron_triggers/${encodeURIComponent(identifier)}`),
  fireTrigger: (identifier: string) => request<Firing>('POST', `/v2/cron_triggers/${encodeURIComponent(identifier)}/fire`),
  nextRuns: (identifier: string, count = 3) =>
    request<{ next: Array<{ utc: string; local: string; fires_at: string }> }>('GET', `/v2/cron_triggers/${encodeURIComponent(identifier)}/next`, {
      query: { count },
    }).then((answer) => answer.next),
  firings: (identifier: string, limit = 50) =>
    request<{ firings: Firing[] }>('GET', `/v2/cron_triggers/${encodeURIComponent(identifier)}/firings`, { query: { limit } }).then(
      (answer) => answer.firings,
    ),
  previewSchedule: (body: { pattern?: string; timezone?: string; first_execution_time?: string; count?: number }) =>
    request<SchedulePreview>('POST', '/v2/cron_triggers/preview', { json: body }),
};
