/**
 * The plans Sirocco's list queries get, as PostgreSQL's auto_explain logs them: a second Sirocco
 * process whose connections load auto_explain (PGOPTIONS) sends each request once, and the plans
 * its connections logged meanwhile are read back from the server's log file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Connection options that make every statement's plan go to the server log, as JSON. */
export const AUTO_EXPLAIN_OPTIONS =
  '-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0 -c auto_explain.log_format=json';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** "Limit > Index Scan (workflow_executions_x)" for a plan tree, depth first. */
function describe(node: PlanNode): string {
  const name = node['Index Name'] ? ` (${node['Index Name']})` : node['Relation Name'] ? ` (${node['Relation Name']})` : '';
  const children = (node.Plans ?? []).map(describe);
  const self = `${node['Node Type']}${name}`;
  return children.length === 0 ? self : children.length === 1 ? `${self} > ${children[0]}` : `${self} > [${children.join('; ')}]`;
}

/** The plans logged in `text` whose query reads `table` and orders (the list queries). */
function listPlans(text: string, table: string): string[] {
  const found: string[] = [];
  for (const piece of text.split(/plan:\s*\n/).slice(1)) {
    const json = piece.split(/\n(?=\d{4}-\d\d-\d\d )/)[0];
    try {
      const parsed = JSON.parse(json) as { 'Query Text': string; Plan: PlanNode };
      if (parsed['Query Text'].includes(table) && /ORDER BY/i.test(parsed['Query Text'])) found.push(describe(parsed.Plan));
    } catch {
      // a plan cut by another process's line: skipped
    }
  }
  return found;
}

export class PlanLog {
  constructor(readonly file: string) {}

  get readable(): boolean {
    try {
      return existsSync(this.file) && statSync(this.file).isFile() && (readFileSync(this.file).length >= 0);
    } catch {
      return false;
    }
  }

  /** Sends one request and returns the plans of its list query on `table`. */
  async plansOf(request: () => Promise<unknown>, table: string): Promise<string[]> {
    const start = statSync(this.file).size;
    await request();
    await sleep(400);
    const buffer = readFileSync(this.file);
    return listPlans(buffer.subarray(start).toString('utf8'), table);
  }
}
