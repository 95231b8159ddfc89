import Ajv, { type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { didYouMean } from './close-match.util';
import type { DefinitionErrorCollector } from './definition-errors.collector';
import type { PathSegment } from './definition-path.util';
import { definitionSchema, UNSUPPORTED_KEYS } from './workflow-language.schema';
import type { ErrorAnchor } from './yaml-source.locator';

const compiled = new WeakMap<SchemaObject, ValidateFunction>();

function validatorOf(schema: SchemaObject): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strictTypes: false }).compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * Keywords whose failure is best told by the schema's `description` when it has one ("must be
 * 'all', 'one' or a non-negative integer"); emptiness (minLength...) has its own message.
 */
const DESCRIBED_KEYWORDS = new Set(['type', 'pattern', 'minimum', 'enum', 'maxProperties', 'anyOf', 'oneOf']);

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'empty',
};

/** Validates the data against the language schema and adds one positioned error per problem. */
export function checkDefinitionSchema(data: unknown, collector: DefinitionErrorCollector): void {
  checkSchema(definitionSchema, data, collector);
}

/** The same for another document's schema (e.g. a workbook's own keys), with the same messages. */
export function checkSchema(schema: SchemaObject, data: unknown, collector: DefinitionErrorCollector): void {
  const validate = validatorOf(schema);
  if (validate(data)) return;
  for (const error of withoutCompositeDetails(validate.errors ?? [])) {
    const located = locate(error, data);
    collector.add(located.path, located.message, located.anchor);
  }
}

/** A failed anyOf already says what was expected; the failures of its branches would only add noise. */
function withoutCompositeDetails(errors: readonly ErrorObject[]): ErrorObject[] {
  const composites = new Map<string, string[]>();
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') continue;
    composites.set(error.instancePath, [...(composites.get(error.instancePath) ?? []), `${error.schemaPath}/`]);
  }
  if (composites.size === 0) return [...errors];
  // A branch's errors are at the composite's instance path or below it.
  return errors.filter((error) => {
    for (let pointer = error.instancePath; ; pointer = pointer.slice(0, pointer.lastIndexOf('/'))) {
      if (composites.get(pointer)?.some((prefix) => error.schemaPath.startsWith(prefix))) return false;
      if (!pointer) return true;
    }
  });
}

interface LocatedError {
  path: PathSegment[];
  message: string;
  anchor: ErrorAnchor;
}

function locate(error: ErrorObject, data: unknown): LocatedError {
  const path = instancePath(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    const key = String(params.additionalProperty);
    return { path: [...path, key], message: unknownKeyMessage(key, error.parentSchema), anchor: { on: 'key' } };
  }
  if (error.keyword === 'required') {
    const key = String(params.missingProperty);
    return { path: [...path, key], message: `missing required key '${key}'`, anchor: { on: 'key' } };
  }
  return { path, message: describe(error), anchor: { on: 'value' } };
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const description = error.parentSchema?.description;
  if (typeof description === 'string' && DESCRIBED_KEYWORDS.has(error.keyword)) return description;
  switch (error.keyword) {
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(',');
      return `must be ${types.map((type) => TYPE_NAMES[String(type)] ?? String(type)).join(' or ')}`;
    }
    case 'minLength':
    case 'minProperties':
    case 'minItems':
      return 'must not be empty';
    case 'uniqueItems':
      return `must not repeat an item (items ${String(params.j)} and ${String(params.i)} are equal)`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((value) => `'${String(value)}'`).join(', ')}`;
    default:
      return error.message ?? `fails the '${error.keyword}' rule`;
  }
}

function unknownKeyMessage(key: string, parentSchema: ErrorObject['parentSchema']): string {
  const note = UNSUPPORTED_KEYS[key];
  if (note) return note;
  const properties = parentSchema?.properties as Record<string, unknown> | undefined;
  return `unknown key '${key}'${didYouMean(key, Object.keys(properties ?? {}))}`;
}

/** ajv's JSON pointer as path segments; list indexes become numbers. */
function instancePath(pointer: string, data: unknown): PathSegment[] {
  if (!pointer) return [];
  const path: PathSegment[] = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      const index = Number(segment);
      path.push(index);
      current = current[index];
    } else {
      path.push(segment);
      current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}
