import type { WorkflowSpec } from '../../workflows/language';

/** Tasks held at most, over all cached specs (a 5,000-task spec is ~1 MB of JSON). */
const MAX_TASKS = 100_000;
const MAX_ENTRIES = 2_000;

/**
 * The workflow specs of recent executions, by spec id (a row of workflow_specs, shared by the
 * executions of one version of a workflow), so that a transition need not read and parse its
 * execution's spec again: an id is the hash of the spec's content, so a cached spec is always
 * the stored one. Without it every transition of an N-task workflow read N tasks' worth of JSON,
 * and the run of the whole workflow grew as N².
 * Least recently used first out, bounded by tasks (the spec's size) and by entries.
 */
export class SpecCache {
  private readonly specs = new Map<string, { spec: WorkflowSpec; tasks: number }>();
  private tasks = 0;

  get(specId: string): WorkflowSpec | undefined {
    const entry = this.specs.get(specId);
    if (!entry) return undefined;
    // Map keeps insertion order: moved to the end, it is the most recently used
    this.specs.delete(specId);
    this.specs.set(specId, entry);
    return entry.spec;
  }

  set(specId: string, spec: WorkflowSpec): void {
    const tasks = Object.keys(spec.tasks ?? {}).length + 1;
    if (tasks > MAX_TASKS) return;
    this.delete(specId);
    this.specs.set(specId, { spec, tasks });
    this.tasks += tasks;
    for (const [id] of this.specs) {
      if (this.tasks <= MAX_TASKS && this.specs.size <= MAX_ENTRIES) break;
      this.delete(id);
    }
  }

  delete(specId: string): void {
    const entry = this.specs.get(specId);
    if (!entry) return;
    this.specs.delete(specId);
    this.tasks -= entry.tasks;
  }
}
