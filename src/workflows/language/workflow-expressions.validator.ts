import { compileExpression, ExpressionSyntaxError, splitTemplate } from '../../expressions/expression-syntax';
import type { PathSegment } from './definition-path.util';
import type { ReportError } from './transition.parser';
import type { ErrorAnchor } from './yaml-source.locator';

/** Keys whose text is prose or names, never evaluated: a workflow's or a task's description, tags. */
const PROSE_KEYS = new Set(['description', 'tags']);

/**
 * Compiles every `<% %>` expression of a workflow (its raw data, so that inline parameters,
 * guards, with-items and one-line retries are covered too) and reports each that does not
 * compile, at the expression's own position when the YAML quoting allows it.
 */
export function checkWorkflowExpressions(raw: unknown, path: PathSegment[], report: ReportError): void {
  walk(raw, path, report, path.length);
}

function walk(value: unknown, path: PathSegment[], report: ReportError, workflowDepth: number): void {
  if (typeof value === 'string') {
    checkText(value, path, report, 'value');
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) report(path, 'numbers must be finite');
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, [...path, index], report, workflowDepth));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (isProse(path, key, workflowDepth)) continue;
      // Guard pairs put the target in the key: `fail(msg=<% ... %>): <% guard %>`.
      checkText(key, [...path, key], report, 'key');
      walk(item, [...path, key], report, workflowDepth);
    }
  }
}

/** description and tags of the workflow itself, description of a task. */
function isProse(path: readonly PathSegment[], key: string, workflowDepth: number): boolean {
  if (!PROSE_KEYS.has(key)) return false;
  const relative = path.length - workflowDepth;
  return relative === 0 || (key === 'description' && relative === 2 && path[workflowDepth] === 'tasks');
}

function checkText(text: string, path: PathSegment[], report: ReportError, on: 'key' | 'value'): void {
  const at = (offset: number): ErrorAnchor => (on === 'key' ? { on: 'key' } : { on: 'value', offset });
  for (const part of splitTemplate(text)) {
    if (part.kind === 'text') {
      const unclosed = part.text.indexOf('<%');
      if (unclosed >= 0) report(path, "'<%' is not closed by '%>'", at(part.offset + unclosed));
      continue;
    }
    try {
      compileExpression(part.text);
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      report(path, error.message, at(part.offset));
    }
  }
}
