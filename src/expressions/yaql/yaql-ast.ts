/** A YAQL syntax tree; `at` is the node's character offset in the expression text. */
export type YaqlNode =
  | { kind: 'literal'; at: number; value: string | number | boolean | null; float?: boolean }
  | { kind: 'context'; at: number }
  | { kind: 'variable'; at: number; name: string }
  | { kind: 'list'; at: number; items: YaqlNode[] }
  | { kind: 'dict'; at: number; entries: Array<{ key: YaqlNode; value: YaqlNode }> }
  | { kind: 'member'; at: number; target: YaqlNode; name: string }
  | { kind: 'index'; at: number; target: YaqlNode; index: YaqlNode }
  | { kind: 'call'; at: number; name: string; args: YaqlArgument[] }
  | { kind: 'method'; at: number; target: YaqlNode; name: string; args: YaqlArgument[] }
  | { kind: 'unary'; at: number; operator: 'not' | '-' | '+'; operand: YaqlNode }
  | { kind: 'binary'; at: number; operator: string; left: YaqlNode; right: YaqlNode };

/** A call argument: positional, or `name => value` (keyword). */
export interface YaqlArgument {
  name?: string;
  /** the condition of a `condition => value` argument (switch()) */
  key?: YaqlNode;
  value: YaqlNode;
  at: number;
}

/** An expression that is not YAQL, or that the converter cannot convert without changing its meaning. */
export class YaqlConversionError extends Error {
  constructor(
    readonly reason: string,
    /** character offset inside the expression text */
    readonly offset: number,
  ) {
    super(reason);
  }
}
