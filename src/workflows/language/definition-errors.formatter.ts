import type { DefinitionError } from './definition-error.types';

/** By position, then path and message; exact repeats dropped. */
export function sortDefinitionErrors(errors: readonly DefinitionError[]): DefinitionError[] {
  const seen = new Set<string>();
  const unique = errors.filter((error) => {
    const key = JSON.stringify([error.line, error.column, error.workflow ?? '', error.path, error.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) =>
      a.line - b.line ||
      a.column - b.column ||
      (a.workflow ?? '').localeCompare(b.workflow ?? '') ||
      a.path.localeCompare(b.path) ||
      a.message.localeCompare(b.message),
  );
}

/** One line per error, sorted by position: "line 7, column 9: wf.tasks.t1.on-success[1]: unknown task 'nope'". */
export function formatDefinitionErrors(errors: readonly DefinitionError[]): string {
  return sortDefinitionErrors(errors)
    .map((error) => {
      const where = joinWorkflowAndPath(error.workflow, error.path);
      const prefix = `line ${error.line}, column ${error.column}: `;
      return where ? `${prefix}${where}: ${error.message}` : `${prefix}${error.message}`;
    })
    .join('\n');
}

function joinWorkflowAndPath(workflow: string | undefined, path: string): string {
  if (!workflow) return path;
  if (!path) return workflow;
  return path.startsWith('[') ? `${workflow}${path}` : `${workflow}.${path}`;
}
