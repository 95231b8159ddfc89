import type { YaqlNode } from './yaql-ast';
import { parseYaql } from './yaql-parser';

/**
 * How one `<% %>` expression reads:
 * - `yaql`: it parses as YAQL and uses a form JSONata does not have (a call without `$` such as
 *   `task(t)`, `len(x)`, a method such as `.where(...)`, `not`, `mod`, `=~`, a `{k => v}` dict, a
 *   bare word read as a string inside a call);
 * - `both`: it parses as YAQL and reads the same in JSONata (`$.a`, `$.a.b`, `$.a = 1`,
 *   `$.a and $.b`, literals, arithmetic): it decides nothing;
 * - `other`: it does not parse as YAQL (JSONata such as `$count($.x)`, `a ? b : c`, `&`).
 */
export type ExpressionDialect = 'yaql' | 'both' | 'other';

export function expressionDialect(source: string): ExpressionDialect {
  let tree: YaqlNode;
  try {
    tree = parseYaql(source);
  } catch {
    return 'other';
  }
  return usesYaqlOnlyForm(tree) ? 'yaql' : 'both';
}

function usesYaqlOnlyForm(node: YaqlNode): boolean {
  switch (node.kind) {
    case 'call':
    case 'method':
    case 'dict':
      return true;
    case 'unary':
      return node.operator === 'not' || usesYaqlOnlyForm(node.operand);
    case 'binary':
      return ['mod', '=~', '!~'].includes(node.operator) || usesYaqlOnlyForm(node.left) || usesYaqlOnlyForm(node.right);
    case 'list':
      return node.items.some(usesYaqlOnlyForm);
    case 'member':
      return usesYaqlOnlyForm(node.target);
    case 'index':
      return usesYaqlOnlyForm(node.target) || usesYaqlOnlyForm(node.index);
    default:
      return false;
  }
}
