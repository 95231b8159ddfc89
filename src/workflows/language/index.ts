export { parseWorkflowDefinition } from './definition.parser';
export type { KnownActions, ParseOptions } from './definition.parser';
export { DEFAULT_DEFINITION_LIMITS } from './definition-limits';
export type { DefinitionLimits } from './definition-limits';
export { formatDefinitionErrors } from './definition-errors.formatter';
export type { DefinitionError, DefinitionParseResult } from './definition-error.types';
export { convertYaqlDefinition, formatYaqlProblems } from './yaql-definition.converter';
export type { YaqlChange, YaqlConversionProblem, YaqlDefinitionConversion } from './yaql-definition.converter';
export { ENGINE_COMMANDS } from './workflow-spec.types';
export type {
  BooleanOrExpression,
  EngineCommand,
  NumberOrExpression,
  RetrySpec,
  TaskDefaultsSpec,
  TaskPolicies,
  TaskSpec,
  Transition,
  WithItemsSpec,
  WorkflowInputSpec,
  WorkflowSpec,
} from './workflow-spec.types';
