import { parseDocument } from 'yaml';

/** One task of a workflow definition, as the graph shows it. */
export interface GraphNode {
  id: string;
  /** the action or sub-workflow it runs, if any */
  runs: string | null;
  withItems: boolean;
}

export type EdgeKind = 'on-success' | 'on-error' | 'on-complete' | 'requires';

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** the transition's condition (`<% ... %>`) when it has one */
  condition: string | null;
}

export interface TaskGraph {
  workflow: string;
  type: 'direct' | 'reverse';
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Transition targets that are engine commands, not tasks. */
const ENGINE_COMMANDS = new Set(['fail', 'succeed', 'pause', 'noop']);

type Mapping = Record<string, unknown>;
const isMapping = (value: unknown): value is Mapping => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `task`, `task param=1`, `fail msg=...`: the name before any parameters. */
function targetName(text: string): string {
  return text.trim().split(/\s+/)[0];
}

/** A transition clause: a name, a list of names or `{name: condition}`, or `{next: ..., publish: ...}` (the newer form). */
function targets(clause: unknown): Array<{ name: string; condition: string | null }> {
  if (clause === null || clause === undefined) return [];
  if (typeof clause === 'string') return [{ name: targetName(clause), condition: null }];
  if (Array.isArray(clause)) return clause.flatMap((item) => targets(item));
  if (isMapping(clause)) {
    if ('next' in clause || 'publish' in clause) return targets(clause.next);
    return Object.entries(clause).map(([name, condition]) => ({
      name: targetName(name),
      condition: typeof condition === 'string' ? condition : condition === null ? null : JSON.stringify(condition),
    }));
  }
  return [];
}

function requires(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/** The workflows of a definition text (a workflow file, or a workbook's `workflows:`), by name. */
function workflowsOf(definition: string): Map<string, Mapping> {
  const document = parseDocument(definition).toJS() as unknown;
  const found = new Map<string, Mapping>();
  if (!isMapping(document)) return found;
  const workbookWorkflows = isMapping(document.workflows) ? document.workflows : null;
  const source = workbookWorkflows ?? document;
  for (const [name, body] of Object.entries(source)) {
    if (name === 'version' || name === 'name' || name === 'description' || name === 'actions' || !isMapping(body)) continue;
    if (isMapping(body.tasks)) found.set(workbookWorkflows && typeof document.name === 'string' ? `${document.name}.${name}` : name, body);
  }
  return found;
}

/**
 * The task graph of `workflowName` in `definition`: a node per task, an edge per transition
 * (on-success, on-error, on-complete; `requires` for a reverse workflow). Transitions to engine
 * commands (fail, succeed, pause) and to unknown tasks are left out. Throws on unparsable YAML.
 */
export function buildTaskGraph(definition: string, workflowName: string): TaskGraph {
  const workflows = workflowsOf(definition);
  const shortName = workflowName.includes('.') ? workflowName.slice(workflowName.lastIndexOf('.') + 1) : workflowName;
  const spec = workflows.get(workflowName) ?? workflows.get(shortName) ?? (workflows.size === 1 ? [...workflows.values()][0] : undefined);
  if (!spec) throw new Error(`the definition has no workflow ${workflowName}`);
  const tasks = spec.tasks as Mapping;
  const type = spec.type === 'reverse' ? 'reverse' : 'direct';
  const nodes: GraphNode[] = Object.entries(tasks).map(([id, body]) => {
    const task = isMapping(body) ? body : {};
    const runs = typeof task.action === 'string' ? targetName(task.action) : typeof task.workflow === 'string' ? targetName(task.workflow) : null;
    return { id, runs, withItems: task['with-items'] !== undefined };
  });
  const names = new Set(nodes.map((node) => node.id));
  const edges: GraphEdge[] = [];
  for (const [id, body] of Object.entries(tasks)) {
    if (!isMapping(body)) continue;
    if (type === 'reverse') {
      for (const required of requires(body.requires)) if (names.has(required)) edges.push({ from: required, to: id, kind: 'requires', condition: null });
      continue;
    }
    for (const kind of ['on-success', 'on-error', 'on-complete'] as const) {
      for (const target of targets(body[kind])) {
        if (ENGINE_COMMANDS.has(target.name) || !names.has(target.name)) continue;
        edges.push({ from: id, to: target.name, kind, condition: target.condition });
      }
    }
  }
  return { workflow: workflowName, type, nodes, edges };
}
