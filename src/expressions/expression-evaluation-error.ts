import type { EvaluationSite } from './expression-scope';

/**
 * - `syntax`: the expression does not compile;
 * - `evaluation`: it failed at run time (type error, bad function argument, $error()...);
 * - `timeout`: it ran longer than the evaluator's time limit;
 * - `limit`: it went past another limit (result size, recursion depth, sequence length).
 */
export type ExpressionFailureKind = 'syntax' | 'evaluation' | 'timeout' | 'limit';

export interface ExpressionFailure extends EvaluationSite {
  /** the expression source, without `<% %>` */
  expression: string;
  kind: ExpressionFailureKind;
  /** what went wrong; never holds values from the evaluation's context */
  reason: string;
  /** jsonata's error code (`T2001`, `D3030`...), when it reported one */
  code?: string;
  /** character offset in the expression, when jsonata reported one */
  position?: number;
}

const MAX_QUOTED_EXPRESSION = 300;

/**
 * An expression of a workflow failed. The message names the task, the field and the expression, e.g.
 * `task 'snapshot', field 'input.name': <% $foo( %>: ...`, and is safe to store as a task's
 * `state_info` or to log: it carries no value from the context.
 */
export class ExpressionEvaluationError extends Error {
  override readonly name = 'ExpressionEvaluationError';
  readonly task?: string;
  readonly field: string;
  readonly expression: string;
  readonly kind: ExpressionFailureKind;
  readonly reason: string;
  readonly code?: string;
  readonly position?: number;

  constructor(failure: ExpressionFailure) {
    super(describe(failure));
    this.task = failure.task;
    this.field = failure.field;
    this.expression = failure.expression;
    this.kind = failure.kind;
    this.reason = failure.reason;
    this.code = failure.code;
    this.position = failure.position;
  }
}

function describe({ task, field, expression, reason }: ExpressionFailure): string {
  const quoted =
    expression.length > MAX_QUOTED_EXPRESSION ? `${expression.slice(0, MAX_QUOTED_EXPRESSION)}…` : expression;
  const where = task === undefined ? `field '${field}'` : `task '${task}', field '${field}'`;
  return `${where}: <% ${quoted} %>: ${reason}`;
}
