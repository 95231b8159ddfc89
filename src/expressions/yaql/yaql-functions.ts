import { YaqlConversionError, type YaqlArgument, type YaqlNode } from './yaql-ast';
import { emitted, type Emitted, indexable, isNumeric, nullable, operand, PRECEDENCE, regexLiteral, stringLiteral, truthTest } from './yaql-emitted';

/** What a call needs of the converter (yaql-to-jsonata.ts). */
export interface Converter {
  readonly notes: string[];
  emit(node: YaqlNode): Emitted;
  lambda(body: YaqlNode, name?: string): { variable: string; body: Emitted };
  list(items: YaqlNode[]): Emitted;
  dict(entries: YaqlArgument[], at: number): Emitted;
}

interface Call {
  converter: Converter;
  name: string;
  /** positional arguments; for a method call (`x.f(a)`), the target first, as YAQL reads it (`f(x, a)`) */
  args: YaqlArgument[];
  at: number;
  method: boolean;
}

type Handler = (call: Call) => Emitted;

/** Converts a YAQL function or method call; refuses a function it does not know, or a form it cannot keep. */
export function callYaqlFunction(converter: Converter, name: string, args: YaqlArgument[], at: number, target: YaqlNode | undefined): Emitted {
  const all = target === undefined ? args : [{ value: target, at: target.at }, ...args];
  const handler = HANDLERS[name];
  if (!handler) throw new YaqlConversionError(`the YAQL function ${name}() is not converted`, at);
  return handler({ converter, name, args: all, at, method: target !== undefined });
}

function arity(call: Call, min: number, max = min): Emitted[] {
  const keyword = call.args.find((arg) => arg.name !== undefined || arg.key !== undefined);
  if (keyword) throw new YaqlConversionError(`${call.name}() takes no named arguments here`, keyword.at);
  if (call.args.length < min || call.args.length > max) {
    const count = min === max ? `${min}` : `${min} to ${max}`;
    throw new YaqlConversionError(`${call.name}() is converted with ${count} argument(s) (the target of a method counts)`, call.at);
  }
  return call.args.map((arg) => call.converter.emit(arg.value));
}

function fn(jsonataName: string, type: Emitted['type'], min: number, max = min, defined = true): Handler {
  return (call) => emitted(`${jsonataName}(${arity(call, min, max).map((value) => value.text).join(', ')})`, type, PRECEDENCE.atom, defined);
}

function literalString(call: Call, index: number, what: string): string {
  const node = call.args[index]?.value;
  if (node?.kind !== 'literal' || typeof node.value !== 'string') throw new YaqlConversionError(`${what} must be a string literal to be converted`, node?.at ?? call.at);
  return node.value;
}

const HANDLERS: Record<string, Handler> = {
  task: (call) => {
    const [name] = arity(call, 0, 1);
    return emitted(`$task(${name ? name.text : ''})`, 'unknown', PRECEDENCE.atom, false);
  },
  execution: (call) => (arity(call, 0), emitted('$execution()', 'dict')),
  env: (call) => (arity(call, 0), emitted('$env()', 'dict')),
  uuid: fn('$uuid', 'string', 0),
  json_parse: fn('$json_parse', 'unknown', 1, 1, false),
  json_dump: fn('$json_dump', 'string', 1),
  yaml_parse: fn('$yaml_parse', 'unknown', 1, 1, false),
  yaml_dump: fn('$yaml_dump', 'string', 1),
  len: (call) => length(arity(call, 1)[0]),
  count: (call) => length(arity(call, 1)[0]),
  str: (call) => {
    const [value] = arity(call, 1);
    return value.type === 'string' && value.defined ? value : emitted(`$string(${nullable(value)})`, 'string');
  },
  int: fn('$int', 'integer', 1),
  float: (call) => emitted(`$number(${arity(call, 1)[0].text})`, 'float'),
  list: (call) => call.converter.list(call.args.map((arg) => arg.value)),
  dict: (call) => call.converter.dict(call.args, call.at),
  keys: (call) => emitted(`[$keys(${arity(call, 1)[0].text})]`, 'list'),
  values: (call) => emitted(`[$each(${arity(call, 1)[0].text}, function($value) { $value })]`, 'list'),
  isEmpty: (call) => emitted(`$not(${truthTest(arity(call, 1)[0])})`, 'boolean'),
  coalesce: (call) => {
    const values = arity(call, 1, 20);
    const last = values.pop()!;
    return values.reduceRight(
      (otherwise, value) => emitted(`${operand(value, PRECEDENCE.add)} != null ? ${operand(value, PRECEDENCE.atom)} : ${otherwise.text}`, 'unknown', PRECEDENCE.ternary),
      emitted(nullable(last), last.type, last.defined ? last.precedence : PRECEDENCE.atom),
    );
  },
  format: (call) => {
    const values = arity(call, 1, 20);
    if (values[0].type === 'datetime') return formatDatetime(call, values);
    return emitted(`$format(${values.map((value) => value.text).join(', ')})`, 'string');
  },
  switch: (call) => {
    if (call.args.length === 0 || call.args.some((arg) => arg.key === undefined)) {
      throw new YaqlConversionError('switch() is converted with condition => value arguments only', call.at);
    }
    const branches = call.args.map((arg) => ({ test: call.converter.emit(arg.key!), value: call.converter.emit(arg.value) }));
    const test = (value: Emitted) => (value.type === 'boolean' && value.defined ? operand(value, PRECEDENCE.or) : truthTest(value));
    const text = branches.reduceRight((otherwise, branch) => `${test(branch.test)} ? ${nullable(branch.value)} : ${otherwise}`, 'null');
    return emitted(text, 'unknown', PRECEDENCE.ternary);
  },
  max: (call) => extremum(call, '$max'),
  min: (call) => extremum(call, '$min'),
  sum: fn('$sum', 'number', 1),
  abs: fn('$abs', 'number', 1),
  round: fn('$round', 'number', 1, 2),
  regex: (call) => {
    const options = call.args.filter((arg) => arg.name !== undefined);
    const ignoreCase = options.some((option) => option.name === 'ignoreCase' && option.value.kind === 'literal' && option.value.value === true);
    const unknown = options.find((option) => option.name !== 'ignoreCase' || option.value.kind !== 'literal' || typeof option.value.value !== 'boolean');
    if (unknown) throw new YaqlConversionError('regex() is converted with the option ignoreCase => true/false only', unknown.at);
    arity({ ...call, args: call.args.filter((arg) => arg.name === undefined) }, 1);
    const regex = regexLiteral(literalString(call, 0, 'the pattern of regex()'), call.args[0].at) + (ignoreCase ? 'i' : '');
    return { ...emitted(regex, 'regex'), regex };
  },
  isDict: (call) => emitted(`$type(${arity(call, 1)[0].text}) = "object"`, 'boolean', PRECEDENCE.compare),
  isList: (call) => emitted(`$type(${arity(call, 1)[0].text}) = "array"`, 'boolean', PRECEDENCE.compare),
  isString: (call) => emitted(`$type(${arity(call, 1)[0].text}) = "string"`, 'boolean', PRECEDENCE.compare),
  matches: (call) => {
    const [pattern, text] = arity(call, 2);
    if (pattern.regex === undefined) throw new YaqlConversionError('matches() is converted on regex(...) only', call.at);
    return emitted(`$contains(${text.text}, ${pattern.regex})`, 'boolean');
  },
  search: (call) => {
    const [pattern, text] = arity(call, 2);
    if (pattern.regex === undefined) throw new YaqlConversionError('search() is converted on regex(...) only', call.at);
    return emitted(`$match(${text.text}, ${pattern.regex})[0].match`, 'string', PRECEDENCE.atom, false);
  },
  now: (call) => {
    arity(call, 0);
    call.converter.notes.push('now() is written as ISO 8601 text (2017-08-30T12:00:00.000Z), where Mistral wrote "2017-08-30 12:00:00.000000"');
    return { ...emitted('$now()', 'datetime'), millis: '$millis()' };
  },
  datetime: (call) => {
    const values = arity(call, 1, 6);
    if (values.length === 1) {
      if (values[0].type !== 'string' && values[0].type !== 'unknown') throw new YaqlConversionError('datetime() of one value expects a date string', call.at);
      const millis = `$toMillis(${values[0].text})`;
      return { ...emitted(`$fromMillis(${millis})`, 'datetime'), millis };
    }
    if (values.some((value) => !isNumeric(value.type) && value.type !== 'unknown')) throw new YaqlConversionError('datetime() takes year, month, day, hour, minute, second numbers', call.at);
    const parts = ['{0:04d}', '-{1:02d}', '-{2:02d}', 'T{3:02d}', ':{4:02d}', ':{5:02d}'];
    const padded = [...values.map((value) => value.text), ...['0', '0', '0'].slice(0, 6 - values.length)];
    const millis = `$toMillis($format(${stringLiteral(`${parts.join('')}Z`)}, ${padded.join(', ')}))`;
    return { ...emitted(`$fromMillis(${millis})`, 'datetime'), millis };
  },
  where: (call) => {
    const [collection] = collectionAndLambda(call);
    const { variable, body } = call.converter.lambda(call.args[1].value);
    return emitted(`[$filter(${collection.text}, function(${variable}) { ${truthTest(body)} })]`, 'list');
  },
  select: (call) => {
    const [collection] = collectionAndLambda(call);
    const { variable, body } = call.converter.lambda(call.args[1].value);
    return emitted(`[$map(${collection.text}, function(${variable}) { ${nullable(body)} })]`, 'list');
  },
  first: (call) => {
    const [collection, otherwise] = arity(call, 1, 2);
    const first = `${indexable(collection)}[0]`;
    return otherwise ? emitted(`${first} ?? ${operand(otherwise, PRECEDENCE.atom)}`, 'unknown', PRECEDENCE.ternary) : emitted(first, 'unknown', PRECEDENCE.atom, false);
  },
  orderBy: (call) => ordered(call, '>'),
  orderByDescending: (call) => ordered(call, '<'),
  skip: (call) => {
    const [collection, count] = arity(call, 2);
    return emitted(`[$filter(${collection.text}, function($value, $index) { $index >= ${operand(count, PRECEDENCE.add)} })]`, 'list');
  },
  take: (call) => {
    const [collection, count] = arity(call, 2);
    return emitted(`[$filter(${collection.text}, function($value, $index) { $index < ${operand(count, PRECEDENCE.add)} })]`, 'list');
  },
  substring: (call) => {
    const [text, start, length] = arity(call, 2, 3);
    if (!length) return emitted(`$substring(${text.text}, ${start.text})`, 'string');
    const literal = length.type === 'integer' && !length.text.startsWith('-');
    // YAQL reads a negative length as "to the end"
    const count = literal ? length.text : `${operand(length, PRECEDENCE.compare + 1)} < 0 ? $length(${text.text}) : ${length.text}`;
    return emitted(`$substring(${text.text}, ${start.text}, ${count})`, 'string');
  },
  indexOf: (call) => {
    const [text, part] = arity(call, 2);
    if (text.type !== 'string' && text.type !== 'unknown') throw new YaqlConversionError('indexOf() is converted on strings only', call.at);
    // Python's find(): -1 when absent
    return emitted(`$contains(${text.text}, ${part.text}) ? $length($substringBefore(${text.text}, ${part.text})) : -1`, 'integer', PRECEDENCE.ternary);
  },
  deleteAll: (call) => {
    const [dict, keys] = arity(call, 2);
    return emitted(`$sift(${dict.text}, function($value, $key) { $not($key in ${operand(keys, PRECEDENCE.add)}) }) ?? {}`, 'dict', PRECEDENCE.ternary);
  },
  last: (call) => emitted(`${indexable(arity(call, 1)[0])}[-1]`, 'unknown', PRECEDENCE.atom, false),
  distinct: (call) => emitted(`[$distinct(${arity(call, 1)[0].text})]`, 'list'),
  join: (call) => {
    const [first, second] = arity(call, 2);
    const [items, separator] = first.type === 'string' && call.method ? [second, first] : [first, second];
    if (separator.type !== 'string') throw new YaqlConversionError('join() is converted when its separator is a string literal', call.at);
    return emitted(`$join($map(${items.text}, function($item) { $string($item) }), ${separator.text})`, 'string');
  },
  split: (call) => {
    const [text, separator] = arity(call, 2);
    return emitted(`$split(${text.text}, ${separator.text})`, 'list');
  },
  trim: (call) => emitted(`$replace(${arity(call, 1)[0].text}, /^\\s+|\\s+$/, "")`, 'string'),
  toUpper: fn('$uppercase', 'string', 1),
  toLower: fn('$lowercase', 'string', 1),
  replace: (call) => {
    const [text, old, replacement] = arity(call, 3);
    return emitted(`$replace(${text.text}, ${old.text}, ${replacement.text})`, 'string');
  },
  startsWith: (call) => {
    const [text, prefix] = arity(call, 2);
    return emitted(`$substring(${text.text}, 0, $length(${prefix.text})) = ${prefix.text}`, 'boolean', PRECEDENCE.compare);
  },
  endsWith: (call) => {
    const [text, suffix] = arity(call, 2);
    return emitted(`$substring(${text.text}, -$length(${suffix.text})) = ${suffix.text}`, 'boolean', PRECEDENCE.compare);
  },
  get: (call) => {
    const [dict, key, otherwise] = arity(call, 2, 3);
    const lookup = `$lookup(${dict.text}, ${key.text})`;
    return otherwise ? emitted(`${lookup} ?? ${operand(otherwise, PRECEDENCE.atom)}`, 'unknown', PRECEDENCE.ternary) : emitted(lookup, 'unknown', PRECEDENCE.atom, false);
  },
};

function length(value: Emitted): Emitted {
  if (value.type === 'list') return emitted(`$count(${value.text})`, 'integer');
  if (value.type === 'dict') return emitted(`$count($keys(${value.text}))`, 'integer');
  return emitted(`$len(${value.text})`, 'integer');
}

function extremum(call: Call, name: '$max' | '$min'): Emitted {
  const values = arity(call, 1, 2);
  if (values.length === 2) return emitted(`${name}([${values.map((value) => value.text).join(', ')}])`, 'number');
  return emitted(`${name}(${values[0].text})`, 'number');
}

/** orderBy($.key): JSONata's (stable) $sort, with the key read from both items of a comparison. */
function ordered(call: Call, swapWhen: '>' | '<'): Emitted {
  const [collection] = collectionAndLambda(call);
  const left = call.converter.lambda(call.args[1].value, 'left');
  const right = call.converter.lambda(call.args[1].value, 'right');
  return emitted(
    `[$sort(${collection.text}, function(${left.variable}, ${right.variable}) { ${operand(left.body, PRECEDENCE.add)} ${swapWhen} ${operand(right.body, PRECEDENCE.add)} })]`,
    'list',
  );
}

function collectionAndLambda(call: Call): [Emitted] {
  if (call.args.length !== 2 || call.args[1].name !== undefined || call.args[1].key !== undefined) {
    throw new YaqlConversionError(`${call.name}() is converted with a collection and one expression`, call.at);
  }
  return [call.converter.emit(call.args[0].value)];
}

/** `dt.format('%Y%m%d')`: Python's strftime directives as a JSONata picture string. */
function formatDatetime(call: Call, values: Emitted[]): Emitted {
  if (values.length !== 2) throw new YaqlConversionError('format() of a datetime takes one format string', call.at);
  const format = literalString(call, 1, 'the format of a datetime');
  let picture = '';
  for (let index = 0; index < format.length; index++) {
    const char = format[index];
    if (char !== '%') {
      picture += char === '[' ? '[[' : char === ']' ? ']]' : char;
      continue;
    }
    const directive = format[++index];
    const mapped = STRFTIME[directive];
    if (mapped === undefined) throw new YaqlConversionError(`the datetime directive %${directive ?? ''} is not converted`, call.args[1].at);
    picture += mapped;
  }
  return emitted(`$fromMillis(${values[0].millis}, ${stringLiteral(picture)})`, 'string');
}

const STRFTIME: Record<string, string> = {
  Y: '[Y0001]',
  y: '[Y01]',
  m: '[M01]',
  d: '[D01]',
  H: '[H01]',
  M: '[m01]',
  S: '[s01]',
  j: '[d001]',
  B: '[MNn]',
  b: '[MNn,3-3]',
  A: '[FNn]',
  a: '[FNn,3-3]',
  '%': '%',
};
