import { isCollection, parseDocument, visit } from 'yaml';
import { compileExpression, ExpressionSyntaxError, splitTemplate } from '../../expressions/expression-syntax';
import { parseCommandLine } from '../../expressions/inline-parameters.parser';
import type { ActionParameter } from '../action.types';
import type { AdhocActionSpec } from './adhoc-action.types';

const SUPPORTED_VERSION = /^\s*2(\.0*)?\s*$/;
const ACTION_KEYS = new Set(['base', 'base-input', 'input', 'output', 'description', 'tags']);
const NAME = /^[^\s,=]+$/;
/** Aliases are rare in definitions; a low limit stops "billion laughs" documents early. */
const MAX_ALIAS_COUNT = 50;

export type AdhocParseResult = { valid: true; actions: AdhocActionSpec[] } | { valid: false; error: string };

/** An error of a definition, as Mistral words the start of it. */
function invalid(message: string): AdhocParseResult {
  return { valid: false, error: `Invalid DSL: ${message}` };
}

/** Parses an action definition text: `version: '2.0'` and one or more actions, each name -> {base, ...}. */
export function parseAdhocDefinition(text: string): AdhocParseResult {
  if (!text || text.trim() === '') return invalid('the definition is empty: send the actions YAML as the request body');
  let document: unknown;
  try {
    const parsed = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    if (parsed.errors.length > 0) return invalid(`YAML syntax error: ${parsed.errors[0].message.split('\n')[0]}`);
    let collectionKey = false;
    visit(parsed, {
      Pair(_, pair) {
        if (isCollection(pair.key)) collectionKey = true;
      },
    });
    if (collectionKey) return invalid('keys must be text, not lists or mappings');
    document = parsed.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return invalid(`YAML syntax error: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
  }
  if (!isObject(document)) return invalid("the definition must be a mapping of 'version' and actions");
  const { version, ...actions } = document;
  if (version === undefined) return invalid("'version' is required ('2.0')");
  if (!SUPPORTED_VERSION.test(String(version))) return invalid(`version must be '2.0' (got ${JSON.stringify(version)})`);
  if (Object.keys(actions).length === 0) return invalid('the definition holds no action');
  return parseAdhocActions(actions);
}

/** The actions of a map name -> {base, base-input, input, output, description, tags} (a definition's, or a workbook's `actions`). */
export function parseAdhocActions(actions: Record<string, unknown>): AdhocParseResult {
  const specs: AdhocActionSpec[] = [];
  for (const [name, raw] of Object.entries(actions)) {
    const spec = actionSpec(name, raw);
    if (typeof spec === 'string') return invalid(`action '${name}': ${spec}`);
    specs.push(spec);
  }
  return { valid: true, actions: specs };
}

function actionSpec(name: string, raw: unknown): AdhocActionSpec | string {
  if (!NAME.test(name)) return 'the name must be one word, without spaces, commas or =';
  if (!isObject(raw)) return 'must be a mapping with at least a base';
  const unknown = Object.keys(raw).filter((key) => !ACTION_KEYS.has(key));
  if (unknown.length > 0) return `unknown key(s) ${unknown.map((key) => `'${key}'`).join(', ')}; allowed: ${[...ACTION_KEYS].join(', ')}`;
  const base = raw.base;
  if (typeof base !== 'string' || base.trim() === '') return "'base' is required: the action it runs";
  // `base: std.echo output="hi"`: Mistral's inline parameters, merged under base-input (which wins)
  const line = parseCommandLine(base.trim());
  if (line.problems.length > 0) return `'base': ${line.problems[0].message}`;
  const written = raw['base-input'] ?? {};
  if (!isObject(written)) return "'base-input' must be a mapping of the base action's parameters";
  const baseInput = { ...Object.fromEntries(line.parameters.map((parameter) => [parameter.name, parameter.value])), ...written };
  const input = parameters(raw.input ?? []);
  if (typeof input === 'string') return input;
  const description = raw.description ?? null;
  if (description !== null && typeof description !== 'string') return "'description' must be text";
  const tags = raw.tags ?? [];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string')) return "'tags' must be a list of strings";
  const expressionError = firstExpressionError(baseInput, 'base-input') ?? ('output' in raw ? firstExpressionError(raw.output, 'output') : undefined);
  if (expressionError) return expressionError;
  return {
    name,
    base: line.command,
    baseInput,
    input,
    ...(raw.output !== undefined && raw.output !== null ? { output: raw.output } : {}),
    description,
    tags: tags as string[],
  };
}

/** `input`: names (required) or one-key mappings name: default, each name once. */
function parameters(raw: unknown): ActionParameter[] | string {
  if (!Array.isArray(raw)) return "'input' must be a list of names or name: default";
  const list: ActionParameter[] = [];
  for (const entry of raw) {
    if (typeof entry === 'string' && NAME.test(entry)) list.push({ name: entry });
    else if (isObject(entry) && Object.keys(entry).length === 1 && NAME.test(Object.keys(entry)[0])) {
      const [[key, value]] = Object.entries(entry);
      list.push({ name: key, default: value ?? null });
    } else return `'input' entries are names or one-key mappings name: default (got ${JSON.stringify(entry)})`;
  }
  const names = list.map((parameter) => parameter.name);
  const repeated = names.find((item, index) => names.indexOf(item) !== index);
  if (repeated) return `'input' names ${repeated} twice`;
  return list;
}

function firstExpressionError(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') {
    for (const part of splitTemplate(value)) {
      if (part.kind === 'text') {
        if (part.text.includes('<%')) return `${path}: '<%' is not closed by '%>'`;
        continue;
      }
      try {
        compileExpression(part.text);
      } catch (error) {
        if (!(error instanceof ExpressionSyntaxError)) throw error;
        return `${path}: ${error.message}`;
      }
    }
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const error = firstExpressionError(item, `${path}[${index}]`);
      if (error) return error;
    }
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const error = firstExpressionError(item, `${path}.${key}`);
      if (error) return error;
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
