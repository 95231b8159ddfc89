import { isAlias, isMap, isPair, isSeq, type Document } from 'yaml';

/** Bounds on one definition, so that validating it stays fast (SIROCCO_MAX_* settings). */
export interface DefinitionLimits {
  /** largest definition text, in bytes (UTF-8) */
  maxBytes: number;
  maxTasksPerWorkflow: number;
  /** deepest nesting of mappings and lists */
  maxDepth: number;
  /** longest literal sleep, delay, wait, retry delay or timeout, in seconds */
  maxDurationSeconds: number;
  /** most items a literal with-items list may hold */
  maxWithItems: number;
}

export const DEFAULT_DEFINITION_LIMITS: DefinitionLimits = {
  maxBytes: 1048576,
  maxTasksPerWorkflow: 1000,
  maxDepth: 100,
  maxDurationSeconds: 31 * 24 * 3600,
  maxWithItems: 10000,
};

export function sizeLimitMessage(bytes: number, limits: DefinitionLimits): string | undefined {
  if (bytes <= limits.maxBytes) return undefined;
  return `the definition is ${bytes} bytes: more than the limit of ${limits.maxBytes} bytes (SIROCCO_MAX_DEFINITION_BYTES)`;
}

export function depthLimitMessage(limits: DefinitionLimits): string {
  return `the definition is nested more than ${limits.maxDepth} levels deep: more than the limit (SIROCCO_MAX_NESTING_DEPTH)`;
}

export function taskLimitMessage(count: number, limits: DefinitionLimits): string {
  return `${count} tasks: more than the limit of ${limits.maxTasksPerWorkflow} tasks per workflow (SIROCCO_MAX_TASKS_PER_WORKFLOW)`;
}

/**
 * The source offset of the first node nested deeper than the limit, or undefined. Iterative: the
 * checks after it recurse, and a deep document must not overflow the stack.
 */
export function tooDeepOffset(document: Document.Parsed, maxDepth: number): number | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: document.contents, depth: 0 }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { node, depth } = entry;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth >= maxDepth) return node.range?.[0] ?? 0;
    for (const item of node.items) {
      if (isPair(item)) {
        stack.push({ node: item.key, depth: depth + 1 }, { node: item.value, depth: depth + 1 });
      } else if (!isAlias(item)) {
        stack.push({ node: item, depth: depth + 1 });
      }
    }
  }
  return undefined;
}
