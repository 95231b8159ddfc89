import { parseJsonField } from '../../api/client';
import type { Task } from '../../api/types';

interface RuntimeContext {
  retry_no?: number;
  with_items?: { count: number; next: number; running: number; results?: unknown[] };
}

function runtimeOf(task: Task): RuntimeContext {
  const value = parseJsonField(task.runtime_context);
  return value && typeof value === 'object' ? (value as RuntimeContext) : {};
}

/**
 * A with-items task's progress: items finished of the count (null for other tasks). Once the task
 * ended, the engine drops its item bookkeeping: its result, the list of the items' results, counts.
 */
export function itemsProgress(task: Task, withItems: boolean): { done: number; count: number } | null {
  const items = runtimeOf(task).with_items;
  if (!items || typeof items.count !== 'number') {
    const result = parseJsonField(task.result);
    return withItems && Array.isArray(result) ? { done: result.length, count: result.length } : null;
  }
  const done = task.state === 'SUCCESS' ? items.count : Math.max(0, items.next - items.running);
  return { done, count: items.count };
}

/** How many times the task was retried. */
export function retriesOf(task: Task): number {
  return runtimeOf(task).retry_no ?? 0;
}
