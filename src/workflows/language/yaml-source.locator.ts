import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import type { PathSegment } from './definition-path.util';

/** Where, at a path, an error points. */
export type ErrorAnchor =
  /** the mapping key (e.g. an unknown key, a task name) */
  | { on: 'key' }
  /** the value; `offset` is a character offset inside a string value */
  | { on: 'value'; offset?: number }
  /** an offset in the source text, when the caller already knows it */
  | { sourceOffset: number };

export interface SourcePosition {
  line: number;
  column: number;
}

interface Reached {
  key?: Node;
  value?: Node;
  /** false when the path leaves the document (e.g. a key that only a merge key `<<` provides) */
  complete: boolean;
}

/** Maps a path in the parsed data back to a line and column of the YAML text. */
export class SourceLocator {
  private readonly pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    private readonly document: Document.Parsed,
    private readonly lineCounter: LineCounter,
    private readonly text: string,
  ) {}

  position(path: readonly PathSegment[], anchor: ErrorAnchor = { on: 'value' }): SourcePosition {
    return this.positionOfOffset(this.offsetOf(path, anchor));
  }

  positionOfOffset(offset: number): SourcePosition {
    const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line, column: col };
  }

  private offsetOf(path: readonly PathSegment[], anchor: ErrorAnchor): number {
    if ('sourceOffset' in anchor) return anchor.sourceOffset;
    const reached = this.walk(path);
    const keyStart = startOf(reached.key);
    const valueStart = hasContent(reached.value) ? startOf(reached.value) : undefined;
    if (anchor.on === 'key' || !reached.complete) return keyStart ?? valueStart ?? 0;
    if (valueStart === undefined) return keyStart ?? 0;
    if (anchor.offset !== undefined && isScalar(reached.value)) {
      return this.offsetInsideString(reached.value, anchor.offset);
    }
    return valueStart;
  }

  private walk(path: readonly PathSegment[]): Reached {
    let node: unknown = this.document.contents;
    let key: Node | undefined;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(this.document);
      if (isMap(node)) {
        const pair = this.pairsOf(node).get(String(segment));
        if (!pair) return { key, value: node as Node, complete: false };
        key = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        key = undefined;
        node = node.items[segment];
      } else {
        return { key, value: asNode(node), complete: false };
      }
    }
    return { key, value: asNode(node), complete: true };
  }

  /** The pairs of a mapping by key; the last of duplicate keys, as in the data. */
  private pairsOf(map: YAMLMap): Map<string, Pair> {
    let pairs = this.pairIndex.get(map);
    if (!pairs) {
      pairs = new Map();
      for (const pair of map.items) {
        const key = keyText(pair.key);
        if (key !== undefined) pairs.set(key, pair);
      }
      this.pairIndex.set(map, pairs);
    }
    return pairs;
  }

  /** A character of a string value; the value's start when quoting or folding breaks the 1:1 mapping. */
  private offsetInsideString(scalar: Scalar, offset: number): number {
    const [start, end] = scalar.range ?? [0, 0];
    if (typeof scalar.value !== 'string') return start;
    const source = this.text.slice(start, end);
    if (scalar.type === 'PLAIN' && source === scalar.value) return start + offset;
    const quoted = scalar.type === 'QUOTE_SINGLE' || scalar.type === 'QUOTE_DOUBLE';
    if (quoted && source.slice(1, -1) === scalar.value) return start + 1 + offset;
    return start;
  }
}

export function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  return undefined;
}

function asNode(value: unknown): Node | undefined {
  return value !== null && typeof value === 'object' && 'range' in value ? (value as Node) : undefined;
}

function startOf(node: Node | undefined): number | undefined {
  return node?.range?.[0];
}

/** An empty value (`key:` with nothing after it) has no text to point at. */
function hasContent(node: Node | undefined): boolean {
  if (!node?.range) return false;
  return !(isScalar(node) && node.value === null && node.range[0] === node.range[1]);
}
