export { YaqlConversionError } from './yaql-ast';
export { expressionDialect, type ExpressionDialect } from './yaql-detection';
export { convertYaqlExpression, type ConvertedExpression } from './yaql-to-jsonata';
