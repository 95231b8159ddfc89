import type { WorkflowSpec } from './workflow-spec.types';

export interface DefinitionError {
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
  /** the workflow the error is in, when it is inside one */
  workflow?: string;
  /** relative to the workflow (e.g. 'tasks.snapshot.on-success[1]'), or a top-level key (e.g. 'version') */
  path: string;
  message: string;
}

export type DefinitionParseResult =
  | { valid: true; version: '2.0'; workflows: WorkflowSpec[] }
  | { valid: false; errors: DefinitionError[] };
