import type { WorkflowSpec } from '../../workflows/language';

/** The input does not fit the workflow's declared input (Mistral's message). */
export class InvalidWorkflowInput extends Error {}

/**
 * Checks an execution's input against the workflow's: unknown or missing names are refused
 * (Mistral's message), defaults are filled in.
 */
export function resolveWorkflowInput(spec: WorkflowSpec, input: Record<string, unknown>): Record<string, unknown> {
  const declared = new Set(spec.input.map((entry) => entry.name));
  const unknown = Object.keys(input).filter((name) => !declared.has(name));
  const missing = spec.input.filter((entry) => entry.required && !(entry.name in input)).map((entry) => entry.name);
  if (missing.length > 0 || unknown.length > 0) {
    const parts = [`name=${spec.name}`, 'class=DirectWorkflowSpec'];
    if (missing.length > 0) parts.push(`missing=[${missing.map((name) => `'${name}'`).join(', ')}]`);
    if (unknown.length > 0) parts.push(`unexpected=[${unknown.map((name) => `'${name}'`).join(', ')}]`);
    throw new InvalidWorkflowInput(`Invalid input [${parts.join(', ')}]`);
  }
  const resolved: Record<string, unknown> = {};
  for (const entry of spec.input) resolved[entry.name] = entry.name in input ? input[entry.name] : entry.default;
  return resolved;
}
