import { containsExpression } from '../../expressions/expression-syntax';
import type { ExpressionEvaluator } from '../../expressions/expression-evaluator';
import type { ExpressionScope } from '../../expressions/expression-scope';
import type { ActionCatalog, ScopedActionHandler } from '../action-catalog';
import { ActionFailure, type ActionHandler } from '../action.types';
import { MAX_ADHOC_CHAIN, type AdhocActionSpec, type AdhocScope } from './adhoc-action.types';

/** What an ad-hoc handler is built from (a stored row's fields). */
export interface AdhocActionSource {
  spec: AdhocActionSpec;
  projectId: string;
  scope: AdhocScope;
}

/** An ad-hoc action in the catalog: also says which action it runs, for chain checks. */
export interface AdhocActionHandler extends ScopedActionHandler {
  base: string;
}

export function isAdhocHandler(handler: ActionHandler | undefined): handler is AdhocActionHandler {
  return handler !== undefined && typeof (handler as Partial<AdhocActionHandler>).base === 'string';
}

function hasExpression(value: unknown): boolean {
  if (typeof value === 'string') return containsExpression(value);
  if (Array.isArray(value)) return value.some(hasExpression);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasExpression);
  return false;
}

/**
 * Runs an ad-hoc action as Mistral does: its `base-input` rendered with its own input as `$`
 * (defaults filled in), the base action run with that, and the result passed through `output`.
 * An asynchronous base's result, given later, goes through `output` too (transformResult).
 */
export function adhocActionHandler(source: AdhocActionSource, catalog: ActionCatalog, evaluator: ExpressionEvaluator): AdhocActionHandler {
  const { spec, projectId, scope } = source;
  const baseAction = (): ActionHandler => {
    // the chain is checked at upload; this catches one made since by deleting and re-creating actions
    let handler = catalog.get(spec.base, projectId);
    for (let depth = 1; isAdhocHandler(handler); depth += 1) {
      if (depth > MAX_ADHOC_CHAIN) throw new ActionFailure(`Action ${spec.name}: its chain of base actions is longer than ${MAX_ADHOC_CHAIN} (or loops)`);
      handler = catalog.get(handler.base, projectId);
    }
    const base = catalog.get(spec.base, projectId);
    if (!base || !handler) throw new ActionFailure(`Failed to find base action [action_name=${spec.base} namespace=]`);
    return base;
  };
  const transform = async (result: unknown): Promise<unknown> => {
    if (spec.output === undefined) return result;
    // the result is `$`, whatever it is (Mistral evaluates `output` with the result as context)
    const resultScope: ExpressionScope = { data: result as Record<string, unknown> };
    try {
      return await evaluator.render(spec.output, resultScope, { field: `output of action ${spec.name}` });
    } catch (error) {
      throw new ActionFailure(error instanceof Error ? error.message : String(error));
    }
  };
  return {
    name: spec.name,
    base: spec.base,
    projectId,
    scope,
    description: spec.description ?? '',
    parameters: spec.input,
    isIdempotent: () => {
      const base = catalog.get(spec.base, projectId);
      // an expression may choose the method: only a literal base-input tells
      return base !== undefined && !hasExpression(spec.baseInput) && base.isIdempotent(spec.baseInput);
    },
    isAsync: (input) => catalog.get(spec.base, projectId)?.isAsync?.(input) === true,
    async run(input, context) {
      const base = baseAction();
      let rendered: unknown;
      try {
        rendered = await evaluator.render(spec.baseInput, { data: input }, { field: `base-input of action ${spec.name}` });
      } catch (error) {
        throw new ActionFailure(error instanceof Error ? error.message : String(error));
      }
      const baseInput = catalog.prepareInput(spec.base, rendered as Record<string, unknown>, projectId);
      const result = await base.run(baseInput, context);
      if (base.isAsync?.(baseInput)) return null;
      return transform(result);
    },
    async transformResult(result) {
      const base = catalog.get(spec.base, projectId);
      return transform(base?.transformResult ? await base.transformResult(result) : result);
    },
  };
}
