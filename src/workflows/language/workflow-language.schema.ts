import type { SchemaObject } from 'ajv';

/*
 * The shape of a definition (the data after YAML parsing), checked with ajv. Fields that accept
 * several types use a type list plus keywords that only apply to one type (`pattern` to strings,
 * `minimum` to numbers...), not oneOf, so that an error points at the exact item that is wrong.
 * A `description` is the message shown when the value has the wrong type or form; the
 * micro-syntax inside strings (transitions, inline parameters, with-items, one-line retry) is
 * checked by the spec builder.
 */

/** A string that is exactly one `<% %>` expression (blanks around it allowed). */
export const EXPRESSION_PATTERN = '^\\s*<%[\\s\\S]*%>\\s*$';

const expression: SchemaObject = {
  type: 'string',
  pattern: EXPRESSION_PATTERN,
  description: 'must be a <% %> expression',
};

const nonNegativeIntegerOrExpression: SchemaObject = {
  type: ['integer', 'string'],
  minimum: 0,
  pattern: EXPRESSION_PATTERN,
  description: 'must be a non-negative integer or a <% %> expression',
};

const booleanOrExpression: SchemaObject = {
  type: ['boolean', 'string'],
  pattern: EXPRESSION_PATTERN,
  description: 'must be true, false or a <% %> expression',
};

const nonEmptyString: SchemaObject = { type: 'string', minLength: 1 };

const variables: SchemaObject = {
  type: 'object',
  description: 'must be a mapping of names to values',
};

const guard: SchemaObject = { ...expression, description: 'the guard must be a <% %> expression' };

const transitionItem: SchemaObject = {
  type: ['string', 'object'],
  minLength: 1,
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: guard,
  description: "must be a task name, an engine command (e.g. fail(msg='...')) or one 'task: <% guard %>' pair",
};

const transitions: SchemaObject = {
  type: ['string', 'object', 'array'],
  minLength: 1,
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: guard,
  minItems: 1,
  items: transitionItem,
  description: "must be a task name, an engine command, a 'task: <% guard %>' pair, or a list of them",
};

const retry: SchemaObject = {
  type: ['object', 'string'],
  minLength: 1,
  properties: {
    count: nonNegativeIntegerOrExpression,
    delay: nonNegativeIntegerOrExpression,
    'break-on': expression,
    'continue-on': expression,
  },
  required: ['count', 'delay'],
  additionalProperties: false,
  description: "must be a mapping with count and delay, or a line like 'count=3 delay=10'",
};

const policies = {
  retry,
  'wait-before': nonNegativeIntegerOrExpression,
  'wait-after': nonNegativeIntegerOrExpression,
  timeout: nonNegativeIntegerOrExpression,
  'pause-before': booleanOrExpression,
  concurrency: nonNegativeIntegerOrExpression,
  'safe-rerun': booleanOrExpression,
};

const requires: SchemaObject = {
  type: ['string', 'array'],
  minLength: 1,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, description: 'each required task must be a task name' },
  description: 'must be a task name or a list of task names',
};

const taskDefaults: SchemaObject = {
  type: 'object',
  properties: {
    ...policies,
    requires,
    'on-success': transitions,
    'on-error': transitions,
    'on-complete': transitions,
  },
  additionalProperties: false,
  description: 'must be a mapping of task settings',
};

const task: SchemaObject = {
  type: 'object',
  minProperties: 1,
  properties: {
    description: { type: 'string' },
    action: nonEmptyString,
    workflow: nonEmptyString,
    input: { ...variables, description: 'must be a mapping of parameter names to values' },
    publish: variables,
    'publish-on-error': variables,
    'on-success': transitions,
    'on-error': transitions,
    'on-complete': transitions,
    join: {
      anyOf: [{ enum: ['all', 'one'] }, { type: 'integer', minimum: 0 }],
      description: "must be 'all', 'one' or a non-negative integer",
    },
    'with-items': {
      type: ['string', 'array'],
      minLength: 1,
      minItems: 1,
      items: { type: 'string', minLength: 1, description: "must be a string like 'x in <% $.list %>'" },
      description: "must be a string like 'x in <% $.list %>', or a list of them",
    },
    ...policies,
    'keep-result': booleanOrExpression,
    requires,
  },
  additionalProperties: false,
  description: "a task must be a mapping of task keys (e.g. 'action: std.noop')",
};

const workflowInput: SchemaObject = {
  type: 'array',
  items: {
    type: ['string', 'object'],
    minLength: 1,
    minProperties: 1,
    maxProperties: 1,
    description: "each input must be a name, or one 'name: default value' pair",
  },
  description: "must be a list of input names and 'name: default value' pairs",
};

const workflow: SchemaObject = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['direct', 'reverse'], description: "must be 'direct' or 'reverse'" },
    description: { type: 'string' },
    tags: {
      type: 'array',
      items: { ...nonEmptyString, description: 'each tag must be a non-empty string' },
      uniqueItems: true,
    },
    input: workflowInput,
    output: {},
    'output-on-error': {},
    vars: variables,
    'task-defaults': taskDefaults,
    tasks: {
      type: 'object',
      minProperties: 1,
      additionalProperties: task,
      description: 'must be a mapping of task names to tasks',
    },
  },
  required: ['tasks'],
  additionalProperties: false,
  description: "a workflow must be a mapping with at least 'tasks'",
};

export const definitionSchema: SchemaObject = {
  type: 'object',
  properties: {
    version: { type: ['string', 'number'], description: "must be '2.0'" },
  },
  required: ['version'],
  additionalProperties: workflow,
  description: "a definition must be a mapping of 'version' and workflows",
};

/** Keys Mistral knows that we refuse, with the reason (instead of a plain "unknown key"). */
export const UNSUPPORTED_KEYS: Readonly<Record<string, string>> = {
  target: "'target' (run on a given executor) is not supported",
  'fail-on': "'fail-on' is not supported",
};
