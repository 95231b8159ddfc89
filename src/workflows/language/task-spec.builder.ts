import { parseDocument } from 'yaml';
import { splitTemplate } from '../../expressions/expression-syntax';
import { didYouMean } from './close-match.util';
import type { PathSegment } from './definition-path.util';
import { parseCommandLine, parseInlineParameters } from '../../expressions/inline-parameters.parser';
import { isEngineCommand, parseTransitionClause, type ParsedClause, type ReportError } from './transition.parser';
import { ENGINE_COMMANDS, type RetrySpec, type TaskPolicies, type TaskSpec, type WithItemsSpec, type WorkflowType } from './workflow-spec.types';
import { EXPRESSION_PATTERN } from './workflow-language.schema';
import { readRequires, type LocatedRequirement } from './workflow-type.rules';

/*
 * Raw task data (already checked against the schema) to TaskSpec. Values of the wrong type are
 * skipped silently: the schema check has reported them. What the schema cannot see (the syntax
 * inside strings, names) is checked and reported here.
 */

export type ClauseKey = 'on-success' | 'on-error' | 'on-complete';
export const CLAUSE_KEYS: readonly ClauseKey[] = ['on-success', 'on-error', 'on-complete'];

export type ParsedClauses = Partial<Record<ClauseKey, ParsedClause>>;

export interface TaskDraft {
  spec: TaskSpec;
  path: PathSegment[];
  /** the task's own transitions, as written (direct workflows) */
  clauses: ParsedClauses;
  /** reverse workflows: what the task requires, as written (task-defaults' are merged in by the workflow builder) */
  requires: LocatedRequirement[];
  /** the task is not a mapping: what it leads to is unknown */
  broken: boolean;
}

const MAX_TASK_NAME_LENGTH = 255;
const TASK_NAME = /^[\w.-]+$/;
const ACTION_NAME = /^[\w.-]+$/;
const WITH_ITEMS = /^\s*([\w-]+)\s+in(?=[\s[<])([\s\S]*)$/;
const RETRY_KEYS = ['count', 'delay', 'break-on', 'continue-on'];
const expressionOnly = new RegExp(EXPRESSION_PATTERN);

export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && expressionOnly.test(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function numberOrExpression(value: unknown): number | string | undefined {
  return isNonNegativeInteger(value) || isExpression(value) ? value : undefined;
}

function booleanOrExpression(value: unknown): boolean | string | undefined {
  return typeof value === 'boolean' || isExpression(value) ? value : undefined;
}

export function buildTask(name: string, raw: unknown, path: PathSegment[], report: ReportError, type: WorkflowType = 'direct'): TaskDraft {
  checkTaskName(name, path, report);
  const spec: TaskSpec = {
    name,
    kind: 'action',
    action: 'std.noop',
    input: {},
    publish: {},
    publishOnError: {},
    onSuccess: [],
    onError: [],
    onComplete: [],
    keepResult: true,
  };
  if (!isRecord(raw)) return { spec, path, clauses: {}, requires: [], broken: true };

  if (typeof raw.description === 'string') spec.description = raw.description;
  readCallable(raw, spec, path, report);
  if (isRecord(raw.publish)) spec.publish = { ...raw.publish };
  if (isRecord(raw['publish-on-error'])) spec.publishOnError = { ...raw['publish-on-error'] };
  const direct = type === 'direct';
  if (direct && (raw.join === 'all' || raw.join === 'one' || isNonNegativeInteger(raw.join))) spec.join = raw.join;
  if (raw['with-items'] !== undefined) {
    const withItems = readWithItems(raw['with-items'], [...path, 'with-items'], report);
    if (withItems) spec.withItems = withItems;
  }
  Object.assign(spec, readPolicies(raw, path, report));
  const keepResult = booleanOrExpression(raw['keep-result']);
  if (keepResult !== undefined) spec.keepResult = keepResult;

  // the keys of the other type are refused by the workflow builder: their contents would only add noise
  const clauses = direct ? readClauses(raw, path, report) : {};
  return { spec, path, clauses, requires: direct ? [] : readRequires(raw, path), broken: false };
}

export function readClauses(raw: Record<string, unknown>, path: PathSegment[], report: ReportError): ParsedClauses {
  const clauses: ParsedClauses = {};
  for (const key of CLAUSE_KEYS) {
    if (raw[key] !== undefined) clauses[key] = parseTransitionClause(raw[key], [...path, key], report);
  }
  return clauses;
}

/** retry, wait-before, wait-after, timeout, pause-before, concurrency, safe-rerun. */
export function readPolicies(raw: Record<string, unknown>, path: PathSegment[], report: ReportError): TaskPolicies {
  const policies: TaskPolicies = {};
  const retry = readRetry(raw.retry, [...path, 'retry'], report);
  if (retry) policies.retry = retry;
  const waitBefore = numberOrExpression(raw['wait-before']);
  if (waitBefore !== undefined) policies.waitBefore = waitBefore;
  const waitAfter = numberOrExpression(raw['wait-after']);
  if (waitAfter !== undefined) policies.waitAfter = waitAfter;
  const timeout = numberOrExpression(raw.timeout);
  if (timeout !== undefined) policies.timeout = timeout;
  const pauseBefore = booleanOrExpression(raw['pause-before']);
  if (pauseBefore !== undefined) policies.pauseBefore = pauseBefore;
  const concurrency = numberOrExpression(raw.concurrency);
  if (concurrency !== undefined) policies.concurrency = concurrency;
  const safeRerun = booleanOrExpression(raw['safe-rerun']);
  if (safeRerun !== undefined) policies.safeRerun = safeRerun;
  return policies;
}

function checkTaskName(name: string, path: PathSegment[], report: ReportError): void {
  if (isEngineCommand(name)) {
    report(path, `'${name}' is reserved for the engine command and cannot name a task (reserved: ${ENGINE_COMMANDS.join(', ')})`, {
      on: 'key',
    });
  } else if (!TASK_NAME.test(name)) {
    report(path, `task name '${name}' may only contain letters, digits, '_', '-' and '.'`, { on: 'key' });
  } else if (name.length > MAX_TASK_NAME_LENGTH) {
    report(path, `task name is longer than ${MAX_TASK_NAME_LENGTH} characters`, { on: 'key' });
  }
}

/** action / workflow with their inline parameters, merged into input (inline ones win, as in Mistral). */
function readCallable(raw: Record<string, unknown>, spec: TaskSpec, path: PathSegment[], report: ReportError): void {
  const input: Record<string, unknown> = isRecord(raw.input) ? { ...raw.input } : {};
  const action = typeof raw.action === 'string' && raw.action.trim() ? raw.action : undefined;
  const workflow = typeof raw.workflow === 'string' && raw.workflow.trim() ? raw.workflow : undefined;
  if (action !== undefined && workflow !== undefined) {
    report([...path, 'workflow'], "a task cannot have both 'action' and 'workflow'", { on: 'key' });
  }
  const key = action !== undefined ? 'action' : workflow !== undefined ? 'workflow' : undefined;
  if (key !== undefined) {
    const text = (action ?? workflow) as string;
    const line = parseCommandLine(text);
    const at = [...path, key];
    if (key === 'workflow' && text.trim().startsWith('<%') && text.trim().endsWith('%>')) {
      // a workflow named by an expression (as in Mistral): found when the task runs; parameters go in input
      spec.kind = 'workflow';
      delete spec.action;
      spec.workflow = text.trim();
      spec.input = input;
      return;
    }
    if (line.command.startsWith('<%')) {
      // Its parameters would be read from inside the expression: one error says it all.
      report(at, `the ${key} name must be written out: <% %> expressions are not supported there`, {
        on: 'value',
        offset: line.commandOffset,
      });
      spec.input = input;
      return;
    }
    if (!ACTION_NAME.test(line.command)) {
      report(at, `'${line.command}' is not a valid ${key} name`, { on: 'value', offset: line.commandOffset });
    }
    for (const problem of line.problems) report(at, problem.message, { on: 'value', offset: problem.offset });
    for (const parameter of line.parameters) input[parameter.name] = parameter.value;
    if (key === 'workflow') {
      spec.kind = 'workflow';
      delete spec.action;
      spec.workflow = line.command;
    } else {
      spec.action = line.command;
    }
  }
  spec.input = input;
}

function readWithItems(raw: unknown, path: PathSegment[], report: ReportError): WithItemsSpec[] | undefined {
  const entries: Array<[unknown, PathSegment[]]> = Array.isArray(raw)
    ? raw.map((item, index): [unknown, PathSegment[]] => [item, [...path, index]])
    : [[raw, path]];
  const result: WithItemsSpec[] = [];
  const variables = new Set<string>();
  for (const [entry, entryPath] of entries) {
    if (typeof entry !== 'string') return undefined;
    const parsed = parseWithItem(entry);
    if (typeof parsed === 'string') {
      report(entryPath, parsed);
      return undefined;
    }
    if (variables.has(parsed.variable)) {
      report(entryPath, `with-items variable '${parsed.variable}' is used twice`);
      return undefined;
    }
    variables.add(parsed.variable);
    result.push(parsed);
  }
  return result.length > 0 ? result : undefined;
}

/** `x in <% $.list %>` or `x in [1, 2]`; a string is the error message. */
function parseWithItem(text: string): WithItemsSpec | string {
  const usage = `with-items must look like 'x in <% $.list %>' or 'x in [1, 2]', got '${text.trim()}'`;
  const match = WITH_ITEMS.exec(text);
  if (!match) return usage;
  const variable = match[1];
  const source = match[2].trim();
  const parts = splitTemplate(source);
  if (parts.length === 1 && parts[0].kind === 'expression') return { variable, source };
  if (!source.startsWith('[')) return usage;
  const document = parseDocument(source, { prettyErrors: false });
  let list: unknown;
  try {
    list = document.errors.length === 0 ? document.toJS({ maxAliasCount: 0 }) : undefined;
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list)) return `with-items: '${source}' is not a valid list`;
  return { variable, source: list as unknown[] };
}

function readRetry(raw: unknown, path: PathSegment[], report: ReportError): RetrySpec | undefined {
  if (isRecord(raw)) return retryFromFields(raw);
  if (typeof raw !== 'string' || !raw.trim()) return undefined;
  // One-line form: `count=5 delay=10 break-on=<% ... %>`.
  const { parameters, problems } = parseInlineParameters(raw);
  for (const problem of problems) report(path, `retry: ${problem.message}`, { on: 'value', offset: problem.offset });
  let ok = problems.length === 0;
  const fields: Record<string, unknown> = {};
  for (const parameter of parameters) {
    if (!RETRY_KEYS.includes(parameter.name)) {
      report(path, `retry: unknown parameter '${parameter.name}'${didYouMean(parameter.name, RETRY_KEYS)}`, {
        on: 'value',
        offset: parameter.offset,
      });
      ok = false;
      continue;
    }
    const valid =
      parameter.name === 'count' || parameter.name === 'delay'
        ? numberOrExpression(parameter.value) !== undefined
        : isExpression(parameter.value);
    if (!valid) {
      const expected = parameter.name === 'count' || parameter.name === 'delay' ? 'a non-negative integer or a <% %> expression' : 'a <% %> expression';
      report(path, `retry: '${parameter.name}' must be ${expected}`, { on: 'value', offset: parameter.offset });
      ok = false;
    }
    fields[parameter.name] = parameter.value;
  }
  for (const required of ['count', 'delay']) {
    if (ok && !(required in fields)) {
      report(path, `retry: missing '${required}' (e.g. 'count=3 delay=10')`);
      ok = false;
    }
  }
  return ok ? retryFromFields(fields) : undefined;
}

function retryFromFields(fields: Record<string, unknown>): RetrySpec | undefined {
  const count = numberOrExpression(fields.count);
  const delay = numberOrExpression(fields.delay);
  if (count === undefined || delay === undefined) return undefined;
  const retry: RetrySpec = { count, delay };
  if (isExpression(fields['break-on'])) retry.breakOn = fields['break-on'];
  if (isExpression(fields['continue-on'])) retry.continueOn = fields['continue-on'];
  return retry;
}
