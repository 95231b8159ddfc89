import { randomUUID } from 'node:crypto';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { ExecutionView, ExpressionScope, TaskView } from './expression-scope';
import { FormatError, pythonFormat } from './python-format';

/**
 * A function of the library refused its arguments. The message is shown to users as is, so it is
 * written by hand and never quotes an argument (arguments come from the workflow's context).
 */
export class ExpressionFunctionError extends Error {}

/** The caller's task lookup failed: not the expression's fault, the evaluator rethrows `failure` as is. */
export class TaskLookupFailure extends Error {
  constructor(readonly failure: unknown) {
    super('task lookup failed');
  }
}

/** A value that JSON cannot hold (a function, a cycle, a BigInt); `reason` is safe to show. */
export class NotJsonError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export type ExpressionFunction = (...args: unknown[]) => unknown;

export function isJsonataFunction(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (typeof value !== 'object' || value === null) return false;
  const marked = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return marked._jsonata_lambda === true || marked._jsonata_function === true;
}

/** Compact JSON of a JSONata value (undefined stays undefined); throws NotJsonError. */
export function toJsonText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.stringify(value, (_key, member: unknown) => {
      if (isJsonataFunction(member)) throw new NotJsonError('holds a function, which is not a value');
      return member;
    });
  } catch (error) {
    if (error instanceof NotJsonError) throw error;
    throw new NotJsonError('cannot be written as JSON');
  }
}

/** Functions that do not depend on the scope, shared by every evaluation. */
export const SCOPE_FREE_FUNCTIONS: Readonly<Record<string, ExpressionFunction>> = Object.freeze({
  uuid: (): string => randomUUID(),
  json_parse: (text: unknown): unknown => {
    if (text === undefined) return undefined;
    if (typeof text !== 'string') throw new ExpressionFunctionError('$json_parse() expects a string');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // JSON.parse's message quotes the text, which may be a secret
      throw new ExpressionFunctionError('$json_parse(): the argument is not valid JSON');
    }
  },
  json_dump: (value: unknown): string | undefined => dump('$json_dump', value, (json) => json),
  yaml_parse: (text: unknown): unknown => {
    if (text === undefined) return undefined;
    if (typeof text !== 'string') throw new ExpressionFunctionError('$yaml_parse() expects a string');
    try {
      return parseYaml(text, { logLevel: 'error' }) as unknown;
    } catch (error) {
      // the parser's message quotes the offending lines; keep the position only
      const position = (error as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
      const where = position ? ` (line ${position.line}, column ${position.col})` : '';
      throw new ExpressionFunctionError(`$yaml_parse(): the argument is not valid YAML${where}`);
    }
  },
  yaml_dump: (value: unknown): string | undefined =>
    dump('$yaml_dump', value, (json) => stringifyYaml(JSON.parse(json) as unknown)),
  format: (template: unknown, ...args: unknown[]): string | undefined => {
    if (template === undefined) return undefined;
    if (typeof template !== 'string') throw new ExpressionFunctionError('$format() expects a template string first');
    try {
      return pythonFormat(template, args);
    } catch (error) {
      if (error instanceof FormatError) throw new ExpressionFunctionError(`$format(): ${error.message}`);
      throw error;
    }
  },
});

/** `$task`, `$execution` and `$env`, bound to one evaluation's scope. */
export function scopeFunctions(scope: ExpressionScope): Record<string, ExpressionFunction> {
  return {
    task: (...args: unknown[]): unknown => {
      const lookup = scope.task;
      const name = args.length === 0 ? lookup?.current : args[0];
      if (name === undefined || lookup === undefined) return undefined;
      if (typeof name !== 'string') throw new ExpressionFunctionError('$task() expects a task name');
      let found: TaskView | undefined | Promise<TaskView | undefined>;
      try {
        found = lookup.lookup(name);
      } catch (error) {
        throw new TaskLookupFailure(error);
      }
      if (!isThenable(found)) return taskView(found);
      return Promise.resolve(found).then(taskView, (error: unknown) => {
        throw new TaskLookupFailure(error);
      });
    },
    execution: (): unknown => executionView(scope.execution),
    env: (): Record<string, unknown> => scope.env ?? paramsEnv(scope.execution) ?? {},
  };
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

function dump(name: string, value: unknown, write: (json: string) => string): string | undefined {
  let json: string | undefined;
  try {
    json = toJsonText(value);
  } catch (error) {
    if (error instanceof NotJsonError) throw new ExpressionFunctionError(`${name}(): the argument ${error.reason}`);
    throw error;
  }
  return json === undefined ? undefined : write(json);
}

function taskView(task: TaskView | undefined): TaskView | undefined {
  if (task === undefined || task === null) return undefined;
  const { id, name, state, state_info, result, published } = task;
  return { id, name, state, state_info, result, published };
}

function executionView(execution: ExecutionView | undefined): ExecutionView | undefined {
  if (execution === undefined) return undefined;
  const { id, name, input, params, created_at } = execution;
  return { id, name, input, params, created_at };
}

function paramsEnv(execution: ExecutionView | undefined): Record<string, unknown> | undefined {
  const env = execution?.params.env;
  return typeof env === 'object' && env !== null && !Array.isArray(env) ? (env as Record<string, unknown>) : undefined;
}
