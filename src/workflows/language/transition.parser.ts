import type { PathSegment } from './definition-path.util';
import { parseCommandLine, parseInlineParameters, type InlineParameters } from '../../expressions/inline-parameters.parser';
import { ENGINE_COMMANDS, type EngineCommand, type Transition } from './workflow-spec.types';
import type { ErrorAnchor } from './yaml-source.locator';

/*
 * on-success / on-error / on-complete: a name, a `name: <% guard %>` pair, or a list of both.
 * A name is a task or an engine command; commands take an optional message, in either of
 * Mistral's forms: `fail msg="text"` or `fail(msg="text")`.
 */

export type ReportError = (path: readonly PathSegment[], message: string, anchor?: ErrorAnchor) => void;

/** A transition with where it was written, for the graph checks. */
export interface LocatedTransition {
  transition: Transition;
  path: PathSegment[];
}

export interface ParsedClause {
  transitions: LocatedTransition[];
  /** some entry could not be read: its targets are unknown, so graph checks must not trust the clause */
  broken: boolean;
}

const TARGET_NAME = /^[\w.-]+$/;
const FUNCTION_FORM = /^([\w.-]+)\s*\(([\s\S]*)\)\s*$/;
const MESSAGE_PARAMETER = 'msg';

export function parseTransitionClause(raw: unknown, path: PathSegment[], report: ReportError): ParsedClause {
  const clause: ParsedClause = { transitions: [], broken: false };
  const entries: Array<[unknown, PathSegment[]]> = Array.isArray(raw)
    ? raw.map((item, index): [unknown, PathSegment[]] => [item, [...path, index]])
    : [[raw, path]];
  for (const [entry, entryPath] of entries) {
    const transition = parseEntry(entry, entryPath, report);
    if (transition) clause.transitions.push({ transition, path: entryPath });
    else clause.broken = true;
  }
  return clause;
}

function parseEntry(entry: unknown, path: PathSegment[], report: ReportError): Transition | undefined {
  if (typeof entry === 'string') return parseTarget(entry, path, report, true);
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return undefined;
  const pairs = Object.entries(entry);
  if (pairs.length !== 1) return undefined;
  const [target, guard] = pairs[0];
  if (typeof guard !== 'string') return undefined;
  const transition = parseTarget(target, path, report, false);
  return transition && { ...transition, guard };
}

/** `task`, `fail`, `fail msg="..."`, `fail(msg="...")`. */
function parseTarget(text: string, path: PathSegment[], report: ReportError, inValue: boolean): Transition | undefined {
  // Offsets inside a string can be pointed at; inside a mapping key only the key itself.
  const at = (offset: number): ErrorAnchor => (inValue ? { on: 'value', offset } : { on: 'value' });
  const leading = text.length - text.trimStart().length;
  const functionForm = FUNCTION_FORM.exec(text.trim());
  let name: string;
  let parsed: InlineParameters;
  if (functionForm) {
    name = functionForm[1];
    const open = text.indexOf('(') + 1;
    parsed = parseInlineParameters(functionForm[2], open, { commaSeparated: true });
  } else {
    const line = parseCommandLine(text);
    name = line.command;
    parsed = line;
  }
  if (!TARGET_NAME.test(name)) {
    report(path, `'${text.trim()}' is not a task name or an engine command (e.g. fail(msg='...'))`, at(leading));
    return undefined;
  }
  if (!isEngineCommand(name)) {
    if (parsed.parameters.length > 0 || parsed.problems.length > 0) {
      report(path, `'${name}' is a task: only engine commands (fail, succeed, pause) take parameters`, at(leading));
      return undefined;
    }
    return { kind: 'task', task: name };
  }
  for (const problem of parsed.problems) report(path, problem.message, at(problem.offset));
  let ok = parsed.problems.length === 0;
  let message: string | undefined;
  for (const parameter of parsed.parameters) {
    if (name === 'noop' || parameter.name !== MESSAGE_PARAMETER) {
      const expected = name === 'noop' ? "'noop' takes no parameters" : `'${name}' takes only '${MESSAGE_PARAMETER}'`;
      report(path, `unknown parameter '${parameter.name}': ${expected}`, at(parameter.offset));
      ok = false;
    } else if (parameter.value !== null) {
      message = typeof parameter.value === 'string' ? parameter.value : JSON.stringify(parameter.value);
    }
  }
  if (!ok) return undefined;
  return message === undefined ? { kind: 'command', command: name } : { kind: 'command', command: name, message };
}

export function isEngineCommand(name: string): name is EngineCommand {
  return (ENGINE_COMMANDS as readonly string[]).includes(name);
}
