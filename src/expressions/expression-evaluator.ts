import jsonata from 'jsonata';
import { ExpressionEvaluationError, type ExpressionFailure } from './expression-evaluation-error';
import {
  ExpressionFunctionError,
  ExpressionLimitError,
  ExpressionTimeoutError,
  NotJsonError,
  scopeFreeFunctions,
  scopeFunctions,
  TaskLookupFailure,
  toJsonText,
} from './expression-functions';
import { checkStringSize, guardedBuiltins } from './guarded-builtins';
import { guardedMatching } from './guarded-matching';
import { scanJson } from './json-size';
import { isJsonataError, isLimitOrOurs, positionOf, redactedMessage } from './jsonata-errors';
import { linearRegexWithin, RegexTimeout, UnsupportedRegexError } from './linear-regex';
import type { EvaluationSite, ExpressionScope } from './expression-scope';
import { compileExpression, ExpressionSyntaxError, quoteBareTaskNames, singleExpression, splitTemplate } from './expression-syntax';
import { textOf } from './python-format';

export interface ExpressionLimits {
  /** How long one expression may run, in milliseconds. */
  timeoutMs: number;
  /** Size of one result as UTF-8 JSON (and of one interpolated string), in bytes. */
  maxResultBytes: number;
  /** Nesting of jsonata's evaluation; stops runaway non-tail recursion before the JS stack does. */
  maxDepth: number;
  /** Items in one jsonata sequence (`[1..n]`, the matches of a path). */
  maxSequenceLength: number;
  /** Compiled expressions kept in memory (least recently used dropped first). */
  cacheSize: number;
}

export const DEFAULT_EXPRESSION_LIMITS: Readonly<ExpressionLimits> = Object.freeze({
  timeoutMs: 1000,
  maxResultBytes: 1024 * 1024,
  maxDepth: 2000,
  maxSequenceLength: 100_000,
  cacheSize: 1000,
});

// jsonata awaits this hook (looked up in the expression's environment) before evaluating every node
const EVALUATE_ENTRY = Symbol.for('jsonata.__evaluate_entry');
// ... and this one after every node, with the node's result
const EVALUATE_EXIT = Symbol.for('jsonata.__evaluate_exit');
type HookableExpression = jsonata.Expression & { assign(name: symbol | string, value: unknown): void };
// node types whose result may be a string built by the expression (not a value read from the context)
const BUILDING_NODES = new Set(['binary', 'function', 'apply', 'partial', 'block', 'condition']);

const YIELD_AFTER_MS = 20;
const CHECK_CLOCK_EVERY = 64;

/**
 * Evaluates the JSONata expressions of workflows (`<% ... %>`) with Sirocco's function library and
 * limits. One instance serves any number of concurrent evaluations: compiled expressions are shared,
 * everything that depends on the scope is passed per evaluation.
 *
 * Timeouts: jsonata's `evaluate` is async but never really waits unless a function does, so a loop
 * such as `($f := function($x){ $f($x) }; $f(1))` keeps the event loop busy and a timer alone could
 * never fire. Two mechanisms cover it:
 * - jsonata's own `timeout`/`stack`/`sequence` options, checked synchronously on every node
 *   (errors D1012/D1011/D2015): the hard limits;
 * - an `__evaluate_entry` hook that yields to the event loop every ~20 ms of evaluation, so other work
 *   (HTTP, other executions) proceeds during a long expression, plus a timer racing the evaluation
 *   for the case where a function waits forever (a task lookup that never answers).
 *
 * Neither stops one long built-in call, so none may run long: regexes run on RE2 (LinearRegex),
 * guarded built-ins check sizes before building, an `__evaluate_exit` hook caps every string built,
 * and large YAML goes to a worker thread ended at the time limit.
 */
export class ExpressionEvaluator {
  readonly limits: Readonly<ExpressionLimits>;
  private readonly options: jsonata.JsonataOptions;
  private readonly compiled = new Map<string, jsonata.Expression | ExpressionSyntaxError>();
  private readonly bindings = new WeakMap<ExpressionScope, Record<string, unknown>>();
  private readonly scopeFree: Record<string, unknown>;
  private readonly builtins: Record<string, { implementation: unknown; signature: string }>;
  /** the same, as jsonata function values (signatures parsed once, not on every compile) */
  private definedBuiltins?: Record<string, unknown>;
  private entries = 0;
  private lastYield = Date.now();

  constructor(limits: Partial<ExpressionLimits> = {}) {
    const merged: ExpressionLimits = { ...DEFAULT_EXPRESSION_LIMITS, ...limits };
    for (const [name, value] of Object.entries(merged)) {
      if (!Number.isInteger(value) || value <= 0) {
        throw new RangeError(`expression limit ${name} must be a positive integer`);
      }
    }
    this.limits = Object.freeze(merged);
    this.options = {
      timeout: merged.timeoutMs,
      stack: merged.maxDepth,
      sequence: merged.maxSequenceLength,
      RegexEngine: linearRegexWithin(merged.timeoutMs) as unknown as RegExpConstructor,
    } as jsonata.JsonataOptions;
    this.scopeFree = scopeFreeFunctions(merged);
    this.builtins = { ...guardedBuiltins(merged.maxResultBytes), ...guardedMatching(merged.maxResultBytes) };
    void this.defineBuiltins();
  }

  /**
   * Evaluates one expression, given bare (`$.x + 1`) or delimited (`<% $.x + 1 %>`); a result of
   * nothing (jsonata's undefined) is null.
   */
  async evaluate(source: string, scope: ExpressionScope, site: EvaluationSite): Promise<unknown> {
    return (await this.run(singleExpression(source) ?? source, scope, site)) ?? null;
  }

  /**
   * Renders a task value: strings, arrays and plain objects' values (not keys) recursively; other
   * values as they are. A string that is exactly one `<% %>` yields the raw result (undefined as
   * null); in other text each expression is replaced by its result: a string as is, nothing
   * (undefined) as '', anything else as compact JSON (`null`, `true`, `3`, `{"a":1}`).
   */
  async render(value: unknown, scope: ExpressionScope, site: EvaluationSite): Promise<unknown> {
    if (typeof value === 'string') return this.renderText(value, scope, site);
    if (Array.isArray(value)) {
      const rendered: unknown[] = [];
      for (const [index, item] of value.entries()) {
        rendered.push(await this.render(item, scope, { ...site, field: `${site.field}[${index}]` }));
      }
      return rendered;
    }
    if (isPlainObject(value)) {
      const entries: Array<[string, unknown]> = [];
      for (const [key, item] of Object.entries(value)) {
        entries.push([key, await this.render(item, scope, { ...site, field: memberPath(site.field, key) })]);
      }
      return Object.fromEntries(entries);
    }
    return value;
  }

  /**
   * Truthiness of a guard's result, as in Mistral (Python): null, false, 0, '' and empty lists and
   * objects are false, anything else true. Unlike jsonata's `$boolean`, a non-empty list is true even
   * when its items are falsy (`[0]`).
   */
  isTruthy(value: unknown): boolean {
    if (value === null || value === undefined || value === false) return false;
    if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
    if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
    if (typeof value === 'object') return Object.keys(value).length > 0;
    return true;
  }

  private async renderText(text: string, scope: ExpressionScope, site: EvaluationSite): Promise<unknown> {
    if (!text.includes('<%')) return text;
    const single = singleExpression(text);
    if (single !== null) return (await this.run(single, scope, site)) ?? null;
    let rendered = '';
    for (const part of splitTemplate(text)) {
      if (part.kind === 'text') {
        rendered += part.text;
        continue;
      }
      rendered += textOf(await this.run(part.text, scope, site));
      if (Buffer.byteLength(rendered) > this.limits.maxResultBytes) {
        throw this.failure(site, part.text, 'limit', `the text grows larger than ${this.limits.maxResultBytes} bytes`);
      }
    }
    return rendered;
  }

  /** Evaluates a bare expression; the result is plain JSON data, or undefined for nothing. */
  private async run(source: string, scope: ExpressionScope, site: EvaluationSite): Promise<unknown> {
    let result: unknown;
    try {
      const expression = this.expression(source);
      result = await this.withinTime(expression.evaluate(scope.data, this.bindingsFor(scope)));
    } catch (error) {
      if (error instanceof TaskLookupFailure) throw error.failure;
      throw this.explain(error, source, site);
    }
    return this.plainResult(result, source, site);
  }

  private expression(source: string): jsonata.Expression {
    let entry = this.compiled.get(source);
    if (entry === undefined) {
      entry = this.compile(source);
      if (this.compiled.size >= this.limits.cacheSize) this.compiled.delete(this.compiled.keys().next().value!);
    } else {
      this.compiled.delete(source); // re-inserted last: Map order is the LRU order
    }
    this.compiled.set(source, entry);
    if (entry instanceof ExpressionSyntaxError) throw entry;
    return entry;
  }

  private compile(source: string): jsonata.Expression | ExpressionSyntaxError {
    let expression: jsonata.Expression;
    try {
      // compileExpression takes no options, and the limits are compile-time options of jsonata
      expression = jsonata(quoteBareTaskNames(source), this.options);
    } catch {
      try {
        compileExpression(source);
      } catch (error) {
        if (error instanceof ExpressionSyntaxError) return error;
        throw error;
      }
      return new ExpressionSyntaxError(source, 'invalid expression');
    }
    // a constant, scope-free hook: sharing it between concurrent evaluations is harmless
    (expression as HookableExpression).assign(EVALUATE_ENTRY, this.yieldNow);
    (expression as HookableExpression).assign(EVALUATE_EXIT, this.checkSize);
    if (this.definedBuiltins !== undefined) {
      for (const [name, defined] of Object.entries(this.definedBuiltins)) (expression as HookableExpression).assign(name, defined);
    } else {
      for (const [name, { implementation, signature }] of Object.entries(this.builtins)) {
        expression.registerFunction(name, implementation as never, signature);
      }
    }
    return expression;
  }

  /** Reads the guarded built-ins back from an expression that registered them: jsonata's function values. */
  private async defineBuiltins(): Promise<void> {
    const names = Object.keys(this.builtins);
    const template = jsonata(`{${names.map((name) => `"${name}": $${name}`).join(', ')}}`);
    for (const [name, { implementation, signature }] of Object.entries(this.builtins)) {
      template.registerFunction(name, implementation as never, signature);
    }
    const defined = (await template.evaluate({})) as Record<string, unknown>;
    if (names.every((name) => (defined[name] as { _jsonata_function?: boolean } | undefined)?._jsonata_function === true)) {
      this.definedBuiltins = defined;
    }
  }

  /** Lets the event loop run when evaluations have kept it busy for a while. */
  private readonly yieldNow = (): Promise<void> | undefined => {
    if (++this.entries < CHECK_CLOCK_EVERY) return undefined;
    this.entries = 0;
    const now = Date.now();
    if (now - this.lastYield < YIELD_AFTER_MS) return undefined;
    this.lastYield = now;
    return new Promise((resolve) => setImmediate(resolve));
  };

  private readonly checkSize = (node: { type: string }, _input: unknown, environment: { base: object }, result: unknown): undefined => {
    if (BUILDING_NODES.has(node.type)) checkStringSize(result, this.limits.maxResultBytes, environment.base);
    return undefined;
  };

  private bindingsFor(scope: ExpressionScope): Record<string, unknown> {
    let bindings = this.bindings.get(scope);
    if (bindings === undefined) {
      bindings = { ...this.scopeFree, ...scopeFunctions(scope) };
      this.bindings.set(scope, bindings);
    }
    return bindings;
  }

  private async withinTime<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new DeadlineExceeded()), this.limits.timeoutMs);
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private plainResult(result: unknown, source: string, site: EvaluationSite): unknown {
    if (result === undefined) return undefined;
    const tooLarge = () =>
      this.failure(site, source, 'limit', `the result is larger than ${this.limits.maxResultBytes} bytes of JSON`);
    // counted first: writing a huge value as JSON would itself block for seconds
    const scan = scanJson(result, this.limits.maxResultBytes);
    if (scan.size > this.limits.maxResultBytes) throw tooLarge();
    let json: string | undefined;
    try {
      json = toJsonText(result, scan);
    } catch (error) {
      if (error instanceof NotJsonError) throw this.failure(site, source, 'evaluation', `the result ${error.reason}`);
      throw error;
    }
    if (json === undefined) return undefined;
    if (Buffer.byteLength(json) > this.limits.maxResultBytes) throw tooLarge();
    // a copy without jsonata's sequence markers, and which the caller cannot use to alter the context
    return typeof result === 'string' || typeof result === 'boolean' ? result : (JSON.parse(json) as unknown);
  }

  private explain(error: unknown, source: string, site: EvaluationSite): ExpressionEvaluationError {
    // `$eval(...)` wraps whatever failed inside in D3121; a limit or one of our own errors is the real reason
    // (its position is in the evaluated text, not in this expression)
    if (isJsonataError(error) && error.code === 'D3121' && isLimitOrOurs(error.error)) {
      const inner = this.explain(error.error, source, site);
      return this.failure(site, source, inner.kind, inner.reason, { code: inner.code });
    }
    if (error instanceof ExpressionSyntaxError) {
      return this.failure(site, source, 'syntax', `syntax error: ${error.reason}`, { position: error.position });
    }
    if (error instanceof DeadlineExceeded || error instanceof RegexTimeout || error instanceof ExpressionTimeoutError) return this.timedOut(site, source);
    const position = positionOf(error);
    if (error instanceof ExpressionLimitError) return this.failure(site, source, 'limit', error.message, { position });
    if (error instanceof UnsupportedRegexError) return this.failure(site, source, 'evaluation', error.message, { position });
    if (error instanceof ExpressionFunctionError) {
      return this.failure(site, source, 'evaluation', error.message, { position });
    }
    if (isJsonataError(error)) {
      const details = { code: error.code, position };
      switch (error.code) {
        case 'D1012':
          return this.timedOut(site, source, details);
        case 'D1011':
          return this.tooDeep(site, source, details);
        case 'D2014':
        case 'D2015':
          return this.tooLong(site, source, details);
        default:
          return this.failure(site, source, 'evaluation', redactedMessage(error, this.literalsOf(source)), details);
      }
    }
    if (error instanceof RangeError && /call stack/i.test(error.message)) return this.tooDeep(site, source);
    if (error instanceof RangeError && /invalid (string|array) length/i.test(error.message)) {
      return this.failure(site, source, 'limit', `a value grows larger than ${this.limits.maxResultBytes} bytes`, { position });
    }
    const kind = error instanceof Error ? error.name : typeof error;
    return this.failure(site, source, 'evaluation', `unexpected ${kind} while evaluating`, { position });
  }

  /** The string literals written in an expression: text from the definition, not from the context. */
  private literalsOf(source: string): Set<string> {
    const literals = new Set<string>();
    const seen = new Set<object>();
    const entry = this.compiled.get(source);
    const visit = (node: unknown): void => {
      if (typeof node !== 'object' || node === null || seen.has(node)) return;
      seen.add(node);
      if (Array.isArray(node)) node.forEach(visit);
      else {
        const { type, value } = node as { type?: unknown; value?: unknown };
        if (type === 'string' && typeof value === 'string') literals.add(value);
        Object.values(node).forEach(visit);
      }
    };
    if (entry !== undefined && !(entry instanceof ExpressionSyntaxError)) visit(entry.ast());
    return literals;
  }

  private tooLong(site: EvaluationSite, source: string, details?: FailureDetails): ExpressionEvaluationError {
    return this.failure(site, source, 'limit', `a sequence exceeds ${this.limits.maxSequenceLength} items`, details);
  }

  private timedOut(site: EvaluationSite, source: string, details?: FailureDetails): ExpressionEvaluationError {
    return this.failure(site, source, 'timeout', `timed out after ${this.limits.timeoutMs} ms`, details);
  }

  private tooDeep(site: EvaluationSite, source: string, details?: FailureDetails): ExpressionEvaluationError {
    const reason = `evaluation nests deeper than ${this.limits.maxDepth} levels (runaway recursion?)`;
    return this.failure(site, source, 'limit', reason, details);
  }

  private failure(
    site: EvaluationSite,
    expression: string,
    kind: ExpressionFailure['kind'],
    reason: string,
    details: FailureDetails = {},
  ): ExpressionEvaluationError {
    return new ExpressionEvaluationError({ ...details, task: site.task, field: site.field, expression, kind, reason });
  }
}

type FailureDetails = Pick<ExpressionFailure, 'code' | 'position'>;

class DeadlineExceeded extends Error {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function memberPath(base: string, key: string): string {
  const member = /^[A-Za-z_][\w-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return base === '' ? member.replace(/^\./, '') : base + member;
}
