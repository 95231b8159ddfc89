import type { DefinitionError } from './definition-error.types';
import { formatPath, type PathSegment } from './definition-path.util';
import type { ErrorAnchor, SourceLocator } from './yaml-source.locator';

const VERSION_KEY = 'version';

/** Where a collector's paths start in the document, and whether their first segment names a workflow. */
interface CollectorScope {
  base: readonly PathSegment[];
  namesWorkflows: boolean;
}

/**
 * Gathers every error of a definition. Paths are relative to the collector's base (the document
 * root, or e.g. a workbook's `workflows`); in a workflows collector the first segment, unless it
 * is 'version', is the workflow the error belongs to.
 */
export class DefinitionErrorCollector {
  constructor(
    private readonly locator: SourceLocator,
    private readonly scope: CollectorScope = { base: [], namesWorkflows: true },
    private readonly collected: DefinitionError[] = [],
  ) {}

  /** A collector of the same errors for the workflows found at `base` (e.g. a workbook's `workflows`). */
  workflowsAt(base: readonly PathSegment[]): DefinitionErrorCollector {
    return new DefinitionErrorCollector(this.locator, { base: [...this.scope.base, ...base], namesWorkflows: true }, this.collected);
  }

  /** A collector of the same errors whose paths name no workflow (e.g. a workbook's own keys). */
  outsideWorkflows(): DefinitionErrorCollector {
    return new DefinitionErrorCollector(this.locator, { base: this.scope.base, namesWorkflows: false }, this.collected);
  }

  add(path: readonly PathSegment[], message: string, anchor?: ErrorAnchor): void {
    const { line, column } = this.locator.position([...this.scope.base, ...path], anchor);
    const [first, ...rest] = path;
    const inWorkflow = this.scope.namesWorkflows && typeof first === 'string' && first !== VERSION_KEY;
    const error: DefinitionError = inWorkflow
      ? { line, column, workflow: first, path: formatPath(rest), message }
      : { line, column, path: formatPath([...this.scope.base, ...path]), message };
    this.collected.push(error);
  }

  /** Errors found by others (e.g. YAML syntax errors) whose position is already known. */
  addAtOffset(offset: number, message: string): void {
    const { line, column } = this.locator.positionOfOffset(offset);
    this.collected.push({ line, column, path: '', message });
  }

  get size(): number {
    return this.collected.length;
  }

  get errors(): DefinitionError[] {
    return this.collected;
  }
}
