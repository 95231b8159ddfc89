import {
  checkSchema,
  checkVersion,
  checkWorkflowExpressions,
  checkWorkflows,
  DEFAULT_DEFINITION_LIMITS,
  loadDefinitionYaml,
  parseCommandLine,
  sortDefinitionErrors,
  type DefinitionError,
  type DefinitionErrorCollector,
  type KnownActions,
  type ParseOptions,
  type WorkflowSpec,
} from '../workflows/language';
import { workbookSchema } from './workbook-language.schema';

const WORKFLOWS_KEY = 'workflows';
const ACTIONS_KEY = 'actions';
const VERSION_KEY = 'version';
/** Mistral's names of a workbook's workflows and actions: a word, hyphens allowed, not 'version'. */
const MEMBER_NAME = /^[\w-]+$/;
const ACTION_NAME = /^[\w.-]+$/;

/** One ad-hoc action of a workbook, as written (checked for shape only: ad-hoc actions run elsewhere). */
export interface WorkbookActionSpec {
  name: string;
  base: string;
  'base-input'?: Record<string, unknown>;
  input?: (string | Record<string, unknown>)[];
  output?: unknown;
  description?: string;
  tags?: string[];
}

export interface WorkbookSpec {
  name: string;
  description?: string;
  tags: string[];
  /** the member workflows, by short name (the spec's name); stored as `<workbook>.<name>` */
  workflows: WorkflowSpec[];
  /** the ad-hoc actions, by short name */
  actions: WorkbookActionSpec[];
}

export type WorkbookParseResult = { valid: true; workbook: WorkbookSpec } | { valid: false; errors: DefinitionError[] };

/**
 * Parses a Mistral v2 workbook: its own keys, its member workflows (by the workflow language, each
 * error positioned in the workbook's text) and the shape of its ad-hoc actions. A member's task may
 * name an action of the workbook by its short name or its full one.
 */
export function parseWorkbookDefinition(text: string, options: ParseOptions = {}): WorkbookParseResult {
  const limits = { ...DEFAULT_DEFINITION_LIMITS, ...options.limits };
  const loaded = loadDefinitionYaml(text, limits, [WORKFLOWS_KEY]);
  if (!loaded.loaded) return { valid: false, errors: loaded.result.valid ? [] : loaded.result.errors };
  const { data, collector } = loaded;
  const own = collector.outsideWorkflows();
  if (data === null || data === undefined) {
    own.add([], "the workbook is empty: it needs 'version', 'name' and its workflows or actions");
    return invalid(collector);
  }
  checkSchema(workbookSchema, data, own);
  if (!isRecord(data)) return invalid(collector);
  checkVersion(data[VERSION_KEY], own);

  const name = typeof data.name === 'string' ? data.name : '';
  const actions = isRecord(data[ACTIONS_KEY]) ? checkActions(data[ACTIONS_KEY], own) : [];
  let workflows: WorkflowSpec[] = [];
  const members = data[WORKFLOWS_KEY];
  if (isRecord(members)) {
    checkMemberNames(members, WORKFLOWS_KEY, 'workflow', own);
    const local = actions.map((action) => action.name);
    const known = options.actions ? withWorkbookActions(options.actions, name, local) : undefined;
    // the workflow language checks a mapping of 'version' and workflows: a workbook may leave out the version there
    workflows = checkWorkflows({ [VERSION_KEY]: '2.0', ...members }, collector.workflowsAt([WORKFLOWS_KEY]), { ...options, actions: known });
  }
  if (collector.size > 0) return invalid(collector);
  return {
    valid: true,
    workbook: {
      name,
      description: typeof data.description === 'string' ? data.description : undefined,
      tags: Array.isArray(data.tags) ? data.tags.map(String) : [],
      workflows,
      actions,
    },
  };
}

function checkActions(actions: Record<string, unknown>, own: DefinitionErrorCollector): WorkbookActionSpec[] {
  checkMemberNames(actions, ACTIONS_KEY, 'action', own);
  const specs: WorkbookActionSpec[] = [];
  for (const [name, raw] of Object.entries(actions)) {
    if (name === VERSION_KEY || !isRecord(raw)) continue;
    const path = [ACTIONS_KEY, name];
    checkWorkflowExpressions(raw, path, (at, message, anchor) => own.add(at, message, anchor));
    if (typeof raw.base !== 'string' || raw.base.trim() === '') continue;
    const line = parseCommandLine(raw.base);
    if (!ACTION_NAME.test(line.command)) {
      own.add([...path, 'base'], `'${line.command}' is not a valid action name`, { on: 'value', offset: line.commandOffset });
    }
    for (const problem of line.problems) own.add([...path, 'base'], problem.message, { on: 'value', offset: problem.offset });
    specs.push({ ...(raw as Omit<WorkbookActionSpec, 'name'>), name });
  }
  return specs;
}

function checkMemberNames(members: Record<string, unknown>, section: string, kind: string, own: DefinitionErrorCollector): void {
  for (const name of Object.keys(members)) {
    if (name !== VERSION_KEY && !MEMBER_NAME.test(name)) {
      own.add([section, name], `'${name}' is not a valid ${kind} name: use letters, digits, '_' and '-'`, { on: 'key' });
    }
  }
}

/** The actions a member workflow may name: the service's, and the workbook's own by short or full name. */
function withWorkbookActions(known: KnownActions, workbook: string, local: string[]): KnownActions {
  const names = new Set([...local, ...local.map((action) => `${workbook}.${action}`)]);
  return {
    has: (action) => names.has(action) || known.has(action),
    names: () => [...names, ...known.names()],
  };
}

function invalid(collector: DefinitionErrorCollector): WorkbookParseResult {
  return { valid: false, errors: sortDefinitionErrors(collector.errors) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
