import type { DefinitionError } from './definition-error.types';
import { formatPath, type PathSegment } from './definition-path.util';
import type { ErrorAnchor, SourceLocator } from './yaml-source.locator';

const VERSION_KEY = 'version';

/**
 * Gathers every error of a definition. Paths are absolute (from the document root); the first
 * segment, unless it is 'version', is the workflow the error belongs to.
 */
export class DefinitionErrorCollector {
  private readonly collected: DefinitionError[] = [];

  constructor(private readonly locator: SourceLocator) {}

  add(path: readonly PathSegment[], message: string, anchor?: ErrorAnchor): void {
    const { line, column } = this.locator.position(path, anchor);
    const [first, ...rest] = path;
    const inWorkflow = typeof first === 'string' && first !== VERSION_KEY;
    const error: DefinitionError = inWorkflow
      ? { line, column, workflow: first, path: formatPath(rest), message }
      : { line, column, path: formatPath(path), message };
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
