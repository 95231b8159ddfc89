import type { PathSegment } from './definition-path.util';
import type { ReportError } from './transition.parser';
import type { WorkflowType } from './workflow-spec.types';

/*
 * What differs between direct and reverse workflows in the text: a direct task leads on with
 * on-success / on-error / on-complete (and may join); a reverse task names what it `requires`.
 * Keys of the other type are refused with the reason, as Mistral's schema per type refuses them.
 */

/** A `requires` entry with where it was written. */
export interface LocatedRequirement {
  task: string;
  path: PathSegment[];
}

const DIRECT_ONLY_KEYS = ['on-success', 'on-error', 'on-complete', 'join'];
const REVERSE_ONLY_KEYS = ['requires'];

export function workflowTypeOf(raw: Record<string, unknown>): WorkflowType {
  return raw.type === 'reverse' ? 'reverse' : 'direct';
}

/** Refuses in a task (or task-defaults) the keys that belong to the other type of workflow. */
export function checkKeysOfType(type: WorkflowType, raw: Record<string, unknown>, path: PathSegment[], report: ReportError): void {
  const refused = type === 'reverse' ? DIRECT_ONLY_KEYS : REVERSE_ONLY_KEYS;
  for (const key of refused) {
    if (raw[key] === undefined) continue;
    const message =
      type === 'reverse'
        ? `'${key}' is not allowed in a reverse workflow: its tasks run by 'requires' (use 'type: direct' for transitions)`
        : `'requires' belongs to reverse workflows: add 'type: reverse' to the workflow, or lead to this task with on-success`;
    report([...path, key], message, { on: 'key' });
  }
}

/** `requires: name` or `requires: [names]`, each with its path (the schema reported values of the wrong type). */
export function readRequires(raw: Record<string, unknown>, path: PathSegment[]): LocatedRequirement[] {
  const value = raw.requires;
  const at = [...path, 'requires'];
  if (typeof value === 'string' && value) return [{ task: value, path: at }];
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown, index) => (typeof item === 'string' && item ? [{ task: item, path: [...at, index] }] : []));
}

/**
 * A task's requirements: its own, then task-defaults' (Mistral's rule: a default never makes a
 * task require itself). Each name once.
 */
export function mergeRequires(taskName: string, own: readonly LocatedRequirement[], defaults: readonly LocatedRequirement[]): LocatedRequirement[] {
  const merged: LocatedRequirement[] = [];
  const seen = new Set<string>();
  for (const requirement of [...own, ...defaults.filter((item) => item.task !== taskName)]) {
    if (seen.has(requirement.task)) continue;
    seen.add(requirement.task);
    merged.push(requirement);
  }
  return merged;
}
