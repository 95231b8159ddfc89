import { randomUUID } from 'node:crypto';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { ExecutionView, ExpressionScope, TaskView } from './expression-scope';
import { type JsonScan, scanJsonYielding } from './json-size';
import { FormatError, FormatLimitError, pythonFormat } from './python-format';
import { YamlFailure, yamlInWorker, YamlTimeout } from './yaml-worker';
import { YaqlCompatError, yaqlCompatFunctions } from './yaql-compat-functions';

/**
 * A function of the library refused its arguments. The message is shown to users as is, so it is
 * written by hand and never quotes an argument (arguments come from the workflow's context).
 */
export class ExpressionFunctionError extends Error {}

/** A function would build a value past the evaluator's size limit. */
export class ExpressionLimitError extends ExpressionFunctionError {}

/** What a function of the library may use of the evaluator's limits. */
export interface FunctionLimits {
  maxResultBytes: number;
  timeoutMs: number;
}

/** A function called by jsonata with its focus as `this`: `environment.base.timestamp` is the evaluation's start. */
interface Focus {
  environment?: { base?: { timestamp?: Date } };
}

/** Inputs of the YAML functions up to this size (JSON or YAML text) are handled inline, larger ones in a worker. */
const YAML_INLINE_CHARS = 16 * 1024;

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

/**
 * Compact JSON of a JSONata value (undefined stays undefined); throws NotJsonError. `scan`, the
 * value's complete scanJson (not stopped at a cap), says whether a replacer is needed.
 */
export function toJsonText(value: unknown, scan?: JsonScan): string | undefined {
  if (value === undefined) return undefined;
  try {
    if (scan !== undefined && !scan.functions) return JSON.stringify(value); // no replacer: much faster
    return JSON.stringify(value, (_key, member: unknown) => {
      if (isJsonataFunction(member)) throw new NotJsonError('holds a function, which is not a value');
      return member;
    });
  } catch (error) {
    if (error instanceof NotJsonError) throw error;
    throw new NotJsonError('cannot be written as JSON');
  }
}

/** Functions that do not depend on the scope: jsonata function objects, so that they see the focus. */
export function scopeFreeFunctions(limits: FunctionLimits): Record<string, unknown> {
  const { maxResultBytes } = limits;
  const timeLeft = (focus: Focus | undefined): number => {
    const started = focus?.environment?.base?.timestamp?.getTime() ?? Date.now();
    return limits.timeoutMs - (Date.now() - started);
  };
  const functions: Record<string, (this: Focus | undefined, ...args: never[]) => unknown> = {
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
    json_dump: (value: unknown): Promise<string | undefined> => boundedJson('$json_dump', value, maxResultBytes),
    yaml_parse: async function (this: Focus | undefined, text: unknown): Promise<unknown> {
      if (text === undefined) return undefined;
      if (typeof text !== 'string') throw new ExpressionFunctionError('$yaml_parse() expects a string');
      try {
        if (text.length <= YAML_INLINE_CHARS) return parseYaml(text, { logLevel: 'error' }) as unknown;
        return await yamlInWorker('parse', text, timeLeft(this));
      } catch (error) {
        if (error instanceof YamlTimeout) throw timeLimit('$yaml_parse', limits);
        // the parser's message quotes the offending lines; keep the position only
        const position = (error as YamlFailure).linePos?.[0];
        const where = position ? ` (line ${position.line}, column ${position.col})` : '';
        throw new ExpressionFunctionError(`$yaml_parse(): the argument is not valid YAML${where}`);
      }
    },
    yaml_dump: async function (this: Focus | undefined, value: unknown): Promise<string | undefined> {
      const json = await boundedJson('$yaml_dump', value, maxResultBytes);
      if (json === undefined) return undefined;
      if (json.length <= YAML_INLINE_CHARS) return stringifyYaml(JSON.parse(json) as unknown);
      try {
        return (await yamlInWorker('dump', json, timeLeft(this))) as string;
      } catch (error) {
        if (error instanceof YamlTimeout) throw timeLimit('$yaml_dump', limits);
        throw new ExpressionFunctionError('$yaml_dump(): the YAML writer failed');
      }
    },
    format: (template: unknown, ...args: unknown[]): string | undefined => {
      if (template === undefined) return undefined;
      if (typeof template !== 'string') throw new ExpressionFunctionError('$format() expects a template string first');
      try {
        return pythonFormat(template, args, maxResultBytes);
      } catch (error) {
        if (error instanceof FormatLimitError) throw new ExpressionLimitError(`$format(): ${error.message}`);
        if (error instanceof FormatError) throw new ExpressionFunctionError(`$format(): ${error.message}`);
        throw error;
      }
    },
  };
  for (const [name, compat] of Object.entries(yaqlCompatFunctions)) {
    functions[name] = (...args: never[]): unknown => {
      try {
        return compat(...(args as unknown[]));
      } catch (error) {
        if (error instanceof YaqlCompatError) throw new ExpressionFunctionError(error.message);
        throw error;
      }
    };
  }
  return Object.fromEntries(
    Object.entries(functions).map(([name, implementation]) => [name, { _jsonata_function: true, implementation }]),
  );
}

/** A function did not finish within the evaluation's time limit. */
export class ExpressionTimeoutError extends ExpressionFunctionError {}

function timeLimit(name: string, limits: FunctionLimits): ExpressionTimeoutError {
  return new ExpressionTimeoutError(`${name}() did not finish within the time limit of ${limits.timeoutMs} ms`);
}

/**
 * Compact JSON of a value, refused before it is written when it would be larger than `maxBytes`
 * (the YAML of it is larger still).
 */
async function boundedJson(name: string, value: unknown, maxBytes: number): Promise<string | undefined> {
  const scan = await scanJsonYielding(value, maxBytes);
  if (scan.size > maxBytes) throw tooLarge(name, maxBytes);
  let json: string | undefined;
  try {
    json = toJsonText(value, scan);
  } catch (error) {
    if (error instanceof NotJsonError) throw new ExpressionFunctionError(`${name}(): the argument ${error.reason}`);
    throw error;
  }
  if (json !== undefined && Buffer.byteLength(json) > maxBytes) throw tooLarge(name, maxBytes);
  return json;
}

export function tooLarge(name: string, maxBytes: number): ExpressionLimitError {
  return new ExpressionLimitError(`${name}(): the result would be larger than ${maxBytes} bytes`);
}

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
