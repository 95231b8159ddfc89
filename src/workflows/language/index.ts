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
  WorkflowType,
} from './workflow-spec.types';
// the building blocks of other documents that hold workflows (workbooks)
export { checkVersion, checkWorkflows, loadDefinitionYaml } from './definition.parser';
export type { LoadedDefinition } from './definition.parser';
export type { DefinitionErrorCollector } from './definition-errors.collector';
export { sortDefinitionErrors } from './definition-errors.formatter';
export type { PathSegment } from './definition-path.util';
export { checkSchema } from './schema-errors.mapper';
export { parseCommandLine } from '../../expressions/inline-parameters.parser';
export { checkWorkflowExpressions } from './workflow-expressions.validator';
