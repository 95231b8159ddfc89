import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { DefinitionParseResult } from './definition-error.types';
import { DefinitionErrorCollector } from './definition-errors.collector';
import { sortDefinitionErrors } from './definition-errors.formatter';
import type { PathSegment } from './definition-path.util';
import { didYouMean } from './close-match.util';
import {
  DEFAULT_DEFINITION_LIMITS,
  depthLimitMessage,
  sizeLimitMessage,
  taskLimitMessage,
  tooDeepOffset,
  type DefinitionLimits,
} from './definition-limits';
import { checkReverseGraph } from './reverse-graph.validator';
import { checkDefinitionSchema } from './schema-errors.mapper';
import { isRecord } from './task-spec.builder';
import type { ReportError } from './transition.parser';
import { checkWorkflowExpressions } from './workflow-expressions.validator';
import { checkWorkflowGraph } from './workflow-graph.validator';
import { checkWorkflowLimits } from './workflow-limits.validator';
import { buildWorkflow } from './workflow-spec.builder';
import type { WorkflowSpec } from './workflow-spec.types';
import { keyText, SourceLocator } from './yaml-source.locator';

const VERSION_KEY = 'version';
const SUPPORTED_VERSION = /^\s*2(\.0*)?\s*$/;
/** Aliases are rare in workflows; a low limit stops "billion laughs" documents early. */
const MAX_ALIAS_COUNT = 50;

/** The actions a definition may name; without it, action names are not checked. */
export interface KnownActions {
  has(name: string): boolean;
  names(): Iterable<string>;
}

export interface ParseOptions {
  actions?: KnownActions;
  /** size, nesting, tasks and literal durations (defaults: DEFAULT_DEFINITION_LIMITS) */
  limits?: Partial<DefinitionLimits>;
}

/**
 * Parses a Mistral v2 definition (YAML text) into normalised workflow specs, or every error found:
 * YAML syntax, schema, names, transitions and task graph, and `<% %>` expressions, each with the
 * line and column it was written at.
 */
export function parseWorkflowDefinition(text: string, options: ParseOptions = {}): DefinitionParseResult {
  const limits: DefinitionLimits = { ...DEFAULT_DEFINITION_LIMITS, ...options.limits };
  const loaded = loadDefinitionYaml(text, limits);
  if (!loaded.loaded) return loaded.result;
  const { data, collector } = loaded;
  if (data === null || data === undefined) {
    collector.add([], "the definition is empty: it needs 'version' and at least one workflow");
    return invalid(collector);
  }
  const workflows = checkWorkflows(data, collector, options);
  if (collector.size > 0) return invalid(collector);
  return { valid: true, version: '2.0', workflows };
}

/** A definition's YAML read into data, or the errors that stopped it. */
export type LoadedDefinition =
  | { loaded: true; data: unknown; collector: DefinitionErrorCollector }
  | { loaded: false; result: DefinitionParseResult };

/**
 * What every definition goes through before its content is checked: size, YAML syntax, nesting,
 * duplicate keys and aliases. `workflowsAt` is where its workflows are (a workbook's
 * `workflows`), so that duplicates there are named as workflows and tasks.
 */
export function loadDefinitionYaml(text: string, limits: DefinitionLimits, workflowsAt: readonly PathSegment[] = []): LoadedDefinition {
  const tooLarge = sizeLimitMessage(Buffer.byteLength(text, 'utf8'), limits);
  if (tooLarge) return { loaded: false, result: { valid: false, errors: [{ line: 1, column: 1, path: '', message: tooLarge }] } };
  const lineCounter = new LineCounter();
  let document: Document.Parsed;
  try {
    // uniqueKeys off: duplicates are reported by checkNodes, which can name the task or workflow.
    document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true });
  } catch (error) {
    // the YAML parser recurses: only a document nested thousands of levels deep gets here
    if (error instanceof RangeError) {
      return { loaded: false, result: { valid: false, errors: [{ line: 1, column: 1, path: '', message: depthLimitMessage(limits) }] } };
    }
    throw error;
  }
  const collector = new DefinitionErrorCollector(new SourceLocator(document, lineCounter, text));
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const message = /call stack/i.test(error.message) ? depthLimitMessage(limits) : `YAML syntax error: ${firstLine(error.message)}`;
      collector.addAtOffset(error.pos[0], message);
    }
    return { loaded: false, result: invalid(collector) };
  }
  const deepAt = tooDeepOffset(document, limits.maxDepth);
  if (deepAt !== undefined) {
    collector.addAtOffset(deepAt, depthLimitMessage(limits));
    return { loaded: false, result: invalid(collector) };
  }
  const unknownAliases = checkNodes(document, document.contents, [], collector, workflowsAt);
  if (unknownAliases > 0) return { loaded: false, result: invalid(collector) };

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    collector.add([], `YAML: ${error instanceof Error ? error.message : String(error)}`);
    return { loaded: false, result: invalid(collector) };
  }
  // duplicate keys found by checkNodes are reported with the rest of the content's errors
  return { loaded: true, data, collector };
}

/**
 * Checks a mapping of 'version' and workflows (a definition's root, or a workbook's `workflows`
 * through a collector placed there) and returns the specs of the valid workflows; every error
 * goes to the collector.
 */
export function checkWorkflows(data: unknown, collector: DefinitionErrorCollector, options: ParseOptions = {}): WorkflowSpec[] {
  const limits: DefinitionLimits = { ...DEFAULT_DEFINITION_LIMITS, ...options.limits };
  if (checkTaskCounts(data, limits, collector)) return [];

  checkDefinitionSchema(data, collector);
  if (!isRecord(data)) return [];

  checkVersion(data[VERSION_KEY], collector);
  const report: ReportError = (path, message, anchor) => collector.add(path, message, anchor);
  const names = Object.keys(data).filter((key) => key !== VERSION_KEY);
  if (names.length === 0) collector.add([], "the definition has no workflow: add one next to 'version'");
  const workflows: WorkflowSpec[] = [];
  for (const name of names) {
    const draft = buildWorkflow(name, data[name], report);
    if (draft) {
      if (draft.spec.type === 'reverse') checkReverseGraph(draft, report);
      else checkWorkflowGraph(draft, report);
      if (options.actions) checkActionNames(draft.spec, options.actions, report);
      checkWorkflowLimits(draft.spec, limits, report);
      workflows.push(draft.spec);
    }
    checkWorkflowExpressions(data[name], [name], report);
  }
  return workflows;
}

/** Every task's action must be one the service can run (Mistral finds out only at run time). */
function checkActionNames(workflow: WorkflowSpec, actions: KnownActions, report: ReportError): void {
  for (const task of Object.values(workflow.tasks)) {
    if (task.kind !== 'action' || task.action === undefined || actions.has(task.action)) continue;
    report(
      [workflow.name, 'tasks', task.name, 'action'],
      `unknown action '${task.action}'${didYouMean(task.action, actions.names())}`,
    );
  }
}

/** A workflow over the task limit is refused before the (per-task) checks run. Returns true when one is. */
function checkTaskCounts(data: unknown, limits: DefinitionLimits, collector: DefinitionErrorCollector): boolean {
  if (!isRecord(data)) return false;
  let over = false;
  for (const [name, workflow] of Object.entries(data)) {
    const tasks = isRecord(workflow) ? workflow.tasks : undefined;
    const count = isRecord(tasks) ? Object.keys(tasks).length : 0;
    if (count > limits.maxTasksPerWorkflow) {
      collector.add([name, 'tasks'], taskLimitMessage(count, limits), { on: 'key' });
      over = true;
    }
  }
  return over;
}

/** yaml quotes the rest of the document in some messages; the position says enough. */
function firstLine(message: string): string {
  const line = message.split('\n')[0];
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

function invalid(collector: DefinitionErrorCollector): DefinitionParseResult {
  return { valid: false, errors: sortDefinitionErrors(collector.errors) };
}

/** 'version' must be '2.0' (or 2): reported at the collector's `version`. */
export function checkVersion(version: unknown, collector: DefinitionErrorCollector): void {
  if (typeof version === 'number' ? version === 2 : typeof version !== 'string' || SUPPORTED_VERSION.test(version)) return;
  collector.add([VERSION_KEY], `unsupported version '${String(version)}': it must be '2.0'`);
}

/**
 * Duplicate keys (named by what they are: workflow, task, key; the data keeps the last, as
 * Mistral does) and aliases to unknown anchors. Returns the number of unknown or self-containing aliases.
 */
function checkNodes(
  document: Document.Parsed,
  node: unknown,
  path: PathSegment[],
  collector: DefinitionErrorCollector,
  workflowsAt: readonly PathSegment[],
  ancestors: unknown[] = [],
): number {
  if (isAlias(node)) {
    const target = node.resolve(document);
    if (target && ancestors.includes(target)) {
      // a self-containing value is infinite: nothing could walk or store it
      collector.add(path, `alias '*${node.source}' refers to a value that contains it`, { sourceOffset: node.range?.[0] ?? 0 });
      return 1;
    }
    if (target) return 0;
    collector.add(path, `unknown alias '*${node.source}': no anchor '&${node.source}' before it`, {
      sourceOffset: node.range?.[0] ?? 0,
    });
    return 1;
  }
  let unknownAliases = 0;
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = keyText(pair.key);
      if (key === undefined) continue;
      if (seen.has(key)) {
        const offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
        collector.add([...path, key], duplicateMessage(path, key, workflowsAt), { sourceOffset: offset });
      }
      seen.add(key);
      unknownAliases += checkNodes(document, pair.value, [...path, key], collector, workflowsAt, [...ancestors, node]);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      unknownAliases += checkNodes(document, item, [...path, index], collector, workflowsAt, [...ancestors, node]);
    });
  }
  return unknownAliases;
}

function duplicateMessage(fullPath: readonly PathSegment[], key: string, workflowsAt: readonly PathSegment[]): string {
  const inWorkflows = workflowsAt.every((segment, index) => fullPath[index] === segment) && fullPath.length >= workflowsAt.length;
  if (!inWorkflows) return `duplicate key '${key}'`;
  const path = fullPath.slice(workflowsAt.length);
  if (path.length === 0) return key === VERSION_KEY ? `duplicate key '${key}'` : `duplicate workflow '${key}'`;
  if (path.length === 2 && path[1] === 'tasks') return `duplicate task '${key}'`;
  return `duplicate key '${key}'`;
}
