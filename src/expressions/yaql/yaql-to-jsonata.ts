import { YaqlConversionError, type YaqlArgument, type YaqlNode } from './yaql-ast';
import {
  emitted,
  type Emitted,
  fieldName,
  indexable,
  isNumeric,
  nullable,
  operand,
  PRECEDENCE,
  regexLiteral,
  stringLiteral,
  truthTest,
  type YaqlType,
} from './yaql-emitted';
import { callYaqlFunction } from './yaql-functions';
import { parseYaql } from './yaql-parser';

/** One YAQL expression converted: the JSONata text and notes on what reads differently (not what means differently). */
export interface ConvertedExpression {
  jsonata: string;
  notes: string[];
}

/**
 * Converts one YAQL expression (the text inside `<% %>`) to a JSONata expression of the same
 * meaning, or throws YaqlConversionError at the offending offset when it cannot keep the meaning.
 */
export function convertYaqlExpression(source: string): ConvertedExpression {
  const converter = new YaqlToJsonata();
  const result = converter.emit(parseYaql(source));
  return { jsonata: result.text, notes: converter.notes };
}

export class YaqlToJsonata {
  readonly notes: string[] = [];
  /** the JSONata variable that holds YAQL's `$` inside where()/select() lambdas */
  private readonly items: string[] = [];
  /** names bound by let() */
  private readonly variables = new Set<string>();

  emit(node: YaqlNode): Emitted {
    switch (node.kind) {
      case 'literal':
        return literal(node.value, node.float === true);
      case 'context':
        return this.items.length === 0 ? emitted('$', 'unknown', PRECEDENCE.atom, false) : emitted(this.items.at(-1)!, 'unknown', PRECEDENCE.atom, false);
      case 'variable':
        if (this.variables.has(node.name)) return emitted(`$${node.name}`, 'unknown', PRECEDENCE.atom, false);
        throw new YaqlConversionError(`the YAQL variable $${node.name} is not converted: read the value with $.${node.name || 'name'}`, node.at);
      case 'list':
        return this.list(node.items);
      case 'dict':
        return this.dict(node.entries.map((entry) => ({ key: entry.key, value: entry.value, at: entry.key.at })), node.at);
      case 'member':
        return this.member(node.target, node.name, node.at);
      case 'index':
        return this.index(node.target, node.index, node.at);
      case 'call':
        return callYaqlFunction(this, node.name, node.args, node.at, undefined);
      case 'method':
        return callYaqlFunction(this, node.name, node.args, node.at, node.target);
      case 'unary':
        return this.unary(node.operator, node.operand);
      case 'binary':
        return this.binary(node.operator, node.left, node.right, node.at);
    }
  }

  /** `body` with YAQL's `$` bound to each item: the JSONata lambda `function($item) { ... }`. */
  lambda(body: YaqlNode, name = 'item'): { variable: string; body: Emitted } {
    const variable = this.items.length === 0 ? `$${name}` : `$${name}${this.items.length + 1}`;
    this.items.push(variable);
    try {
      return { variable, body: this.emit(body) };
    } finally {
      this.items.pop();
    }
  }

  list(items: YaqlNode[]): Emitted {
    const values = items.map((item) => this.emit(item));
    const scalar = values.every((value) => value.defined && !['list', 'dict', 'unknown'].includes(value.type));
    if (scalar || values.length === 0) return emitted(`[${values.map((value) => value.text).join(', ')}]`, 'list');
    // JSONata's [a, b] splices an item that is a list into the result; YAQL keeps it an item
    return emitted(`$list(${values.map((value) => value.text).join(', ')})`, 'list');
  }

  dict(entries: YaqlArgument[], at: number): Emitted {
    const members = entries.map((entry) => {
      const key = entry.name ?? (entry.key?.kind === 'literal' && typeof entry.key.value === 'string' ? entry.key.value : undefined);
      if (key === undefined) throw new YaqlConversionError('only keys written as strings or names are converted in a dict', entry.key?.at ?? entry.at ?? at);
      return `${stringLiteral(key)}: ${nullable(this.emit(entry.value))}`;
    });
    return emitted(`{${members.join(', ')}}`, 'dict');
  }

  private member(target: YaqlNode, name: string, at: number): Emitted {
    if (name.includes('`')) throw new YaqlConversionError('a key with a backquote is not converted', at);
    const base = this.emit(target);
    if (!['unknown', 'dict', 'list'].includes(base.type)) throw new YaqlConversionError(`a ${base.type} has no attribute ${name}`, at);
    return emitted(`${base.text.startsWith('$') && base.precedence === PRECEDENCE.atom ? base.text : indexable(base)}.${fieldName(name)}`, 'unknown', PRECEDENCE.atom, false);
  }

  private index(target: YaqlNode, index: YaqlNode, at: number): Emitted {
    const base = this.emit(target);
    const key = this.emit(index);
    if (key.type === 'string') return emitted(`$lookup(${base.text}, ${key.text})`, 'unknown', PRECEDENCE.atom, false);
    if (key.type !== 'integer') throw new YaqlConversionError('only an integer or a string literal is converted as an index', at);
    return emitted(`${indexable(base)}[${key.text}]`, 'unknown', PRECEDENCE.atom, false);
  }

  private unary(operator: 'not' | '-' | '+', node: YaqlNode): Emitted {
    const value = this.emit(node);
    if (operator === 'not') return emitted(`$not(${truthTest(value)})`, 'boolean');
    if (value.type === 'string' || value.type === 'list' || value.type === 'dict') {
      throw new YaqlConversionError(`unary ${operator} applies to numbers only`, node.at);
    }
    if (operator === '+') return value;
    return emitted(`-${operand(value, PRECEDENCE.unary)}`, value.type === 'unknown' ? 'number' : value.type, PRECEDENCE.unary, value.defined);
  }

  private binary(operator: string, leftNode: YaqlNode, rightNode: YaqlNode, at: number): Emitted {
    if (operator === '->') return this.letChain(leftNode, rightNode, at);
    const left = this.emit(leftNode);
    const right = this.emit(rightNode);
    switch (operator) {
      case 'and':
      case 'or':
        return logical(operator, left, right);
      case '=':
      case '!=':
        return equality(operator, left, right);
      case '<':
      case '>':
      case '<=':
      case '>=':
        return emitted(`${operand(left, PRECEDENCE.add)} ${operator} ${operand(right, PRECEDENCE.add)}`, 'boolean', PRECEDENCE.compare);
      case 'in':
        return membership(left, right);
      case '=~':
      case '!~': {
        if (right.type !== 'string' || rightNode.kind !== 'literal') throw new YaqlConversionError(`the pattern of ${operator} must be a string literal to be converted`, rightNode.at);
        const test = `$contains(${left.text}, ${regexLiteral(String(rightNode.value), rightNode.at)})`;
        return emitted(operator === '=~' ? test : `$not(${test})`, 'boolean');
      }
      case '+':
        return this.plus(left, right, at);
      case '-':
      case '*':
        return arithmetic(operator, left, right, at);
      case '/':
        return division(left, right, at);
      case 'mod':
        return modulo(left, right, at);
      default:
        throw new YaqlConversionError(`the operator ${operator} is not converted`, at);
    }
  }

  /** `let(a => x, b => y) -> body`: a JSONata block `($a := x; $b := y; body)`; `$` stays what it was. */
  private letChain(binding: YaqlNode, bodyNode: YaqlNode, at: number): Emitted {
    if (binding.kind !== 'call' || binding.name !== 'let') throw new YaqlConversionError('-> is converted after let(name => value, ...) only', at);
    const assignments = binding.args.map((arg) => {
      if (arg.name === undefined) throw new YaqlConversionError('let() is converted with name => value arguments only', arg.at);
      if (RESERVED_VARIABLES.has(arg.name)) throw new YaqlConversionError(`the let() name ${arg.name} would hide a JSONata function of the converted expression: rename it`, arg.at);
      return { name: arg.name, value: this.emit(arg.value) };
    });
    const added = assignments.map((assignment) => assignment.name).filter((name) => !this.variables.has(name));
    added.forEach((name) => this.variables.add(name));
    try {
      const body = this.emit(bodyNode);
      const statements = [...assignments.map((assignment) => `$${assignment.name} := ${nullable(assignment.value)}`), body.text];
      return { ...body, text: `(${statements.join('; ')})`, precedence: PRECEDENCE.atom };
    } finally {
      added.forEach((name) => this.variables.delete(name));
    }
  }

  private plus(left: Emitted, right: Emitted, at: number): Emitted {
    const type = knownType(left, right);
    if (type === 'string') return emitted(`${operand(left, PRECEDENCE.add)} & ${operand(right, PRECEDENCE.multiply)}`, 'string', PRECEDENCE.add, left.defined && right.defined);
    if (type === 'list') return emitted(`$append(${left.text}, ${right.text})`, 'list');
    if (type === 'dict') return emitted(`$merge([${left.text}, ${right.text}])`, 'dict');
    if (type !== undefined && isNumeric(type)) return arithmetic('+', left, right, at);
    throw new YaqlConversionError(
      "YAQL's + adds numbers, joins strings or lists depending on the values, and the converter cannot tell which here: " +
        'write str(x) around a string, or a number literal on one side',
      at,
    );
  }
}

/** JSONata functions the converter writes: a let() name must not hide them. */
const RESERVED_VARIABLES = new Set([
  'item', 'task', 'execution', 'env', 'len', 'truthy', 'int', 'list', 'count', 'keys', 'each', 'filter', 'map', 'not', 'type', 'contains',
  'match', 'format', 'string', 'number', 'lookup', 'append', 'merge', 'join', 'split', 'replace', 'substring', 'length', 'floor',
  'max', 'min', 'sum', 'abs', 'round', 'distinct', 'uppercase', 'lowercase', 'now', 'millis', 'fromMillis', 'toMillis', 'uuid',
  'json_parse', 'json_dump', 'yaml_parse', 'yaml_dump',
]);

function literal(value: string | number | boolean | null, float: boolean): Emitted {
  if (value === null) return emitted('null', 'null');
  if (typeof value === 'string') return emitted(stringLiteral(value), 'string');
  if (typeof value === 'boolean') return emitted(String(value), 'boolean');
  return emitted(String(value), float ? 'float' : 'integer');
}

/** The type both sides agree on (an unknown side takes the other's); undefined when neither is known or they clash. */
function knownType(left: Emitted, right: Emitted): YaqlType | undefined {
  const types = [left.type, right.type].filter((type) => type !== 'unknown' && type !== 'null');
  if (types.length === 0) return undefined;
  if (types.every(isNumeric)) return types.every((type) => type === 'integer') ? 'integer' : types.includes('float') ? 'float' : 'number';
  return types.every((type) => type === types[0]) ? types[0] : undefined;
}

function logical(operator: 'and' | 'or', left: Emitted, right: Emitted): Emitted {
  const precedence = operator === 'and' ? PRECEDENCE.and : PRECEDENCE.or;
  if (left.type === 'boolean' && right.type === 'boolean' && left.defined && right.defined) {
    return emitted(`${operand(left, precedence)} ${operator} ${operand(right, precedence + 1)}`, 'boolean', precedence);
  }
  // YAQL's and/or give one of their operands (Python's), JSONata's give true or false
  const type = left.type === right.type ? left.type : 'unknown';
  const [whenTrue, whenFalse] = operator === 'or' ? [left, right] : [right, left];
  return emitted(
    `$truthy(${left.text}) ? ${nullable(whenTrue)} : ${nullable(whenFalse)}`,
    type,
    PRECEDENCE.ternary,
  );
}

/**
 * YAQL compares null like any value (a missing key is null): `$.a = null` is true when a is missing
 * and `$.a != 'x'` too, where JSONata's comparisons with nothing are false.
 */
function equality(operator: '=' | '!=', left: Emitted, right: Emitted): Emitted {
  const compare = (a: string, b: string, op: string) => emitted(`${a} ${op} ${b}`, 'boolean', PRECEDENCE.compare);
  const side = (value: Emitted) => (value.defined ? operand(value, PRECEDENCE.add) : nullable(value));
  const oneDefinedNonNull = (left.defined && left.type !== 'null') || (right.defined && right.type !== 'null');
  if (left.defined && right.defined) return compare(operand(left, PRECEDENCE.add), operand(right, PRECEDENCE.add), operator);
  if (operator === '=' && oneDefinedNonNull) return compare(operand(left, PRECEDENCE.add), operand(right, PRECEDENCE.add), '=');
  return compare(side(left), side(right), operator);
}

function membership(item: Emitted, collection: Emitted): Emitted {
  const needle = item.defined ? operand(item, PRECEDENCE.add) : nullable(item);
  if (collection.type === 'list') return emitted(`${needle} in ${operand(collection, PRECEDENCE.add)}`, 'boolean', PRECEDENCE.compare);
  if (collection.type === 'dict') return emitted(`${needle} in $keys(${collection.text})`, 'boolean', PRECEDENCE.compare);
  if (collection.type === 'string') return emitted(`$contains(${collection.text}, ${item.text})`, 'boolean');
  // the collection's type is known only when the expression runs: YAQL's `in` tests a list's items,
  // an object's keys, or a substring of a string
  const c = collection.text;
  return emitted(
    `$type(${c}) = "string" ? $contains(${c}, ${item.text}) : ${needle} in ($type(${c}) = "object" ? $keys(${c}) : ${c})`,
    'boolean',
    PRECEDENCE.ternary,
  );
}

function requireNumbers(operator: string, left: Emitted, right: Emitted, at: number): void {
  for (const value of [left, right]) {
    if (value.type !== 'unknown' && !isNumeric(value.type)) throw new YaqlConversionError(`${operator} applies to numbers, not to a ${value.type}`, at);
  }
}

function arithmetic(operator: '+' | '-' | '*', left: Emitted, right: Emitted, at: number): Emitted {
  requireNumbers(operator, left, right, at);
  const precedence = operator === '*' ? PRECEDENCE.multiply : PRECEDENCE.add;
  return emitted(`${operand(left, precedence)} ${operator} ${operand(right, precedence + 1)}`, knownType(left, right) ?? 'number', precedence, left.defined && right.defined);
}

/** YAQL divides two integers with floor division (Python's //), and any other numbers exactly. */
function division(left: Emitted, right: Emitted, at: number): Emitted {
  requireNumbers('/', left, right, at);
  const text = `${operand(left, PRECEDENCE.multiply)} / ${operand(right, PRECEDENCE.multiply + 1)}`;
  if (left.type === 'float' || right.type === 'float') return emitted(text, 'float', PRECEDENCE.multiply);
  if (left.type === 'integer' && right.type === 'integer') return emitted(`$floor(${text})`, 'integer');
  throw new YaqlConversionError(
    "YAQL's / is a floor division when both numbers are integers, which is known only when the expression runs: " +
      'write one side as a float (x * 1.0) for an exact division, or int(...) around the division',
    at,
  );
}

/** Python's % takes the sign of the divisor; JavaScript's of the dividend. */
function modulo(left: Emitted, right: Emitted, at: number): Emitted {
  requireNumbers('mod', left, right, at);
  const a = operand(left, PRECEDENCE.multiply + 1);
  const b = operand(right, PRECEDENCE.multiply + 1);
  return emitted(`${a} - ${b} * $floor(${a} / ${b})`, knownType(left, right) ?? 'number', PRECEDENCE.add);
}
