import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { workflowSourceTexts } from '../workflows/workflow-source.util';
import { ApiRequestError, type SiroccoClient } from './sirocco-client';

/** One error of a definition, where the API placed it. */
export interface DefinitionProblem {
  line?: number;
  column?: number;
  message: string;
}

/**
 * The errors of POST /v2/workflows/validate's `error` text: "Invalid DSL: line 5, column 7:
 * wf.tasks.t: ..." one per line (the format of workflows/language's formatter).
 */
export function definitionProblems(error: string): DefinitionProblem[] {
  const text = error.replace(/^Invalid DSL:\s*/, '');
  return text
    .split('\n')
    .filter((piece) => piece.trim() !== '')
    .map((piece) => {
      const placed = /^(.*?)line (\d+), column (\d+): ([\s\S]*)$/.exec(piece);
      if (!placed) return { message: piece };
      return { line: Number(placed[2]), column: Number(placed[3]), message: `${placed[1]}${placed[4]}` };
    });
}

/** One of the `errors` Sirocco's validate answer adds to Mistral's {valid, error}. */
interface PlacedError {
  line: number;
  column: number;
  workflow?: string;
  path?: string;
  message: string;
}

export async function validateDefinition(client: SiroccoClient, text: string): Promise<DefinitionProblem[]> {
  const result = await client.request<{ valid: boolean; error?: string; errors?: PlacedError[] }>('POST', '/v2/workflows/validate', { text });
  if (result.valid) return [];
  // the placed errors when the service gives them; else (a Mistral-like answer) the text
  if (Array.isArray(result.errors) && result.errors.length > 0) {
    return result.errors.map((error) => {
      const { workflow, path: at } = error;
      const where = workflow && at ? `${workflow}${at.startsWith('[') ? '' : '.'}${at}` : (workflow ?? at ?? '');
      return { line: error.line, column: error.column, message: where ? `${where}: ${error.message}` : error.message };
    });
  }
  return definitionProblems(result.error ?? 'invalid');
}

/** The *.yaml and *.yml files of a folder (not its sub-folders), by name. */
export function definitionFiles(dir: string): string[] {
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/i.test(name))
    .sort()
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile());
}

export type PushResult = 'created' | 'updated' | 'unchanged' | 'error';

export interface PushReport {
  file: string;
  workflow: string | null;
  result: PushResult;
  error?: string;
}

interface WorkflowResource {
  name: string;
  definition: string;
  scope: string;
}

export interface PushOptions {
  namespace: string;
  scope?: 'private' | 'public';
  dryRun: boolean;
}

function workflowNames(text: string): string[] {
  const data: unknown = parse(text);
  if (!data || typeof data !== 'object' || Array.isArray(data)) return [];
  return Object.keys(data).filter((key) => key !== 'version');
}

async function existing(client: SiroccoClient, name: string, namespace: string): Promise<WorkflowResource | undefined> {
  try {
    return await client.get<WorkflowResource>(`/v2/workflows/${encodeURIComponent(name)}`, { namespace });
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * Creates or updates every workflow of one file, each on its own (as Sirocco stores them: one
 * text per workflow), so a file may mix new and existing workflows. An invalid file changes nothing.
 */
export async function pushFile(client: SiroccoClient, file: string, options: PushOptions): Promise<PushReport[]> {
  const text = readFileSync(file, 'utf8');
  const problems = await validateDefinition(client, text);
  if (problems.length > 0) {
    const error = problems.map((problem) => (problem.line ? `${problem.line}:${problem.column}: ${problem.message}` : problem.message)).join('; ');
    return [{ file, workflow: null, result: 'error', error }];
  }
  const names = workflowNames(text);
  const texts = workflowSourceTexts(text, names);
  const query = { namespace: options.namespace, scope: options.scope };
  const reports: PushReport[] = [];
  for (const name of names) {
    const own = texts.get(name) ?? text;
    try {
      const found = await existing(client, name, options.namespace);
      if (!found) {
        if (!options.dryRun) await client.request('POST', '/v2/workflows', { text: own, query });
        reports.push({ file, workflow: name, result: 'created' });
      } else if (found.definition === own && (!options.scope || options.scope === found.scope)) {
        reports.push({ file, workflow: name, result: 'unchanged' });
      } else {
        if (!options.dryRun) await client.request('PUT', `/v2/workflows/${encodeURIComponent(name)}`, { text: own, query });
        reports.push({ file, workflow: name, result: 'updated' });
      }
    } catch (error) {
      if (!(error instanceof ApiRequestError) || error.exitCode !== 1) throw error;
      reports.push({ file, workflow: name, result: 'error', error: error.message });
    }
  }
  return reports;
}
