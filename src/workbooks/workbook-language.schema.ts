import type { SchemaObject } from 'ajv';

/*
 * The shape of a workbook (Mistral's WorkbookSpec and ActionSpec): its own keys and its ad-hoc
 * actions. The member workflows under `workflows` are checked by the workflow language itself.
 */

const version: SchemaObject = { type: ['string', 'number'], description: "must be '2.0'" };

const tags: SchemaObject = {
  type: 'array',
  items: { type: 'string', minLength: 1, description: 'each tag must be a non-empty string' },
  uniqueItems: true,
  description: 'must be a list of tags',
};

/** Mistral's ad-hoc action: an existing action with preset input, its own input and output. */
const action: SchemaObject = {
  type: 'object',
  properties: {
    base: {
      type: 'string',
      minLength: 1,
      description: "must be the name of the action it is based on, with its parameters if any (e.g. 'std.echo output=hi')",
    },
    'base-input': {
      type: 'object',
      minProperties: 1,
      description: "must be a mapping of the base action's parameters to values",
    },
    input: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: {
        type: ['string', 'object'],
        minLength: 1,
        minProperties: 1,
        maxProperties: 1,
        description: "each input must be a name, or one 'name: default value' pair",
      },
      description: "must be a list of input names and 'name: default value' pairs",
    },
    output: {},
    description: { type: 'string' },
    tags,
  },
  required: ['base'],
  additionalProperties: false,
  description: "an action must be a mapping with at least 'base'",
};

export const workbookSchema: SchemaObject = {
  type: 'object',
  properties: {
    version,
    name: { type: 'string', minLength: 1, description: 'must be the name of the workbook' },
    description: { type: 'string' },
    tags,
    workflows: {
      type: 'object',
      minProperties: 1,
      properties: { version },
      description: 'must be a mapping of workflow names to workflows',
    },
    actions: {
      type: 'object',
      minProperties: 1,
      properties: { version },
      additionalProperties: action,
      description: 'must be a mapping of action names to actions',
    },
  },
  required: ['version', 'name'],
  additionalProperties: false,
  description: "a workbook must be a mapping with 'version', 'name', and its 'workflows' and 'actions'",
};
