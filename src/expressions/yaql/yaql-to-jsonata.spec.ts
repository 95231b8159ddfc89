import { ExpressionEvaluator } from '../expression-evaluator';
import type { ExpressionScope, TaskView } from '../expression-scope';
import { YaqlConversionError } from './yaql-ast';
import { expressionDialect } from './yaql-detection';
import { convertYaqlExpression } from './yaql-to-jsonata';

const evaluator = new ExpressionEvaluator();

const servers = [
  { name: 'web1', status: 'ACTIVE', tags: ['a'] },
  { name: 'db1', status: 'SHUTOFF', tags: [] },
  { name: 'web2', status: 'ACTIVE', tags: ['b', 'c'] },
];

const DATA = {
  name: 'vm1',
  count: 3,
  zero: 0,
  flag: true,
  empty: '',
  nothing: null,
  servers,
  numbers: [1, 2, 3, 4],
  nested: [[1, 2], [3]],
  meta: { a: 1, b: 'x' },
  json: '{"k": [1, 2]}',
  when: '2017-08-30T12:34:56Z',
};

const tasks: Record<string, TaskView> = {
  create_vm: { id: 't1', name: 'create_vm', state: 'SUCCESS', state_info: null, result: { id: 'srv-1', ips: ['10.0.0.1'] }, published: {} },
  notify: { id: 't2', name: 'notify', state: 'ERROR', state_info: 'boom', result: null, published: {} },
};

const scope: ExpressionScope = {
  data: DATA,
  task: { current: 'notify', lookup: (name) => tasks[name] },
  execution: { id: 'exec-1', name: 'wf', input: { instance: 'vm1' }, params: { env: { region: 'R1' } }, created_at: '2017-08-30 12:00:00' },
};

/** What Mistral's YAQL gives for the expression over DATA, checked by running the converted JSONata. */
async function runConverted(yaql: string): Promise<unknown> {
  const { jsonata } = convertYaqlExpression(yaql);
  return evaluator.evaluate(jsonata, scope, { field: 'test' });
}

function refusal(yaql: string): YaqlConversionError {
  try {
    convertYaqlExpression(yaql);
  } catch (error) {
    if (error instanceof YaqlConversionError) return error;
    throw error;
  }
  throw new Error(`${yaql} was converted`);
}

describe('YAQL to JSONata: converted expressions give what Mistral gave', () => {
  it.each<[string, unknown]>([
    ['$', DATA],
    ['$.name', 'vm1'],
    ['$.meta.b', 'x'],
    ['$.missing', null],
    ['$.missing?.name', null],
    ['$.meta?.b', 'x'],
    ['$.servers.name', ['web1', 'db1', 'web2']],
    ['task(create_vm).result', { id: 'srv-1', ips: ['10.0.0.1'] }],
    ["task('create_vm').result.id", 'srv-1'],
    ['task(create_vm).state', 'SUCCESS'],
    ['task().state_info', 'boom'],
    ['execution().id', 'exec-1'],
    ['execution().input.instance', 'vm1'],
    ['execution().params.env.region', 'R1'],
    ['env().region', 'R1'],
    ['len($.servers)', 3],
    ['$.servers.len()', 3],
    ['len($.name)', 3],
    ['len($.meta)', 2],
    ['$.servers.where($.status = ACTIVE).select($.name)', ['web1', 'web2']],
    ["$.servers.where($.status = 'SHUTOFF')", [servers[1]]],
    ['$.numbers.where($ > 2)', [3, 4]],
    ['$.numbers.where($ > 9)', []],
    ['$.servers.where($.tags)', [servers[0], servers[2]]],
    ['$.servers.where($.tags.len() > 1).first().name', 'web2'],
    ['let(wanted => $.name) -> $.servers.where($.name = $wanted or $.status = SHUTOFF).select($.name)', ['db1']],
    ['$.servers.orderBy($.name).select($.name)', ['db1', 'web1', 'web2']],
    ['$.numbers.orderByDescending($).skip(1).take(2)', [3, 2]],
    ["$.name.substring(1)", 'm1'],
    ["$.name.indexOf('1')", 2],
    ["$.name.indexOf('z')", -1],
    ["$.meta.deleteAll(['a'])", { b: 'x' }],
    ['isDict($.meta) and isList($.numbers) and isString($.name)', true],
    ["regex('^VM', ignoreCase => true).matches($.name)", true],
    ['$.servers.select($.tags.len())', [1, 0, 2]],
    ['$.servers.select($.nope)', [null, null, null]],
    ['$.nested.select($)', [[1, 2], [3]]],
    ['$.numbers.first()', 1],
    ['$.servers.name.first()', 'web1'],
    ['$.servers.name[1]', 'db1'],
    ['$.servers.name.last()', 'web2'],
    ["'{0}_snapshot_{1}'.format($.name, 2017)", 'vm1_snapshot_2017'],
    ["format('{0}-{1}', $.name, $.count)", 'vm1-3'],
    ['not $.flag', false],
    ['not $.empty', true],
    ['not $.missing', true],
    ['not $.numbers', false],
    ["$.name in ['vm1', 'vm2']", true],
    ['2 in $.numbers', true],
    ["'a' in $.meta", true],
    ["'m1' in $.name", true],
    ['$.missing in $.numbers', false],
    ['$.flag and $.count > 2', true],
    ["$.empty or 'default'", 'default'],
    ["$.missing or 'default'", 'default'],
    ["$.name or 'default'", 'vm1'],
    ['$.zero and 5', 0],
    ['$.count and 5', 5],
    ['$.missing = null', true],
    ['$.nothing = null', true],
    ['$.name = null', false],
    ["$.missing != 'x'", true],
    ['$.missing = $.other', true],
    ['$.count = 3', true],
    ['$.count != 3', false],
    ['$.count >= 3 and $.count < 4', true],
    ['$.count + 1', 4],
    ['$.count * 2 - 1', 5],
    ['7 / 2', 3],
    ['-7 / 2', -4],
    ['$.count / 2.0', 1.5],
    ['$.count mod 2', 1],
    ['-7 mod 3', 2],
    ["str($.count) + '_x'", '3_x'],
    ["'a' + 'b'", 'ab'],
    ['[1, 2] + [3]', [1, 2, 3]],
    ['[$.name, $.numbers]', ['vm1', [1, 2, 3, 4]]],
    ["{a => 1, 'b c' => $.name}", { a: 1, 'b c': 'vm1' }],
    ['dict(a => $.count, b => $.missing)', { a: 3, b: null }],
    ['dict()', {}],
    ['list($.numbers)', [[1, 2, 3, 4]]],
    ['json_parse($.json).k', [1, 2]],
    ["regex('^vm[0-9]$').matches($.name)", true],
    ["regex('^db').matches($.name)", false],
    ["regex('[0-9]+').search($.name)", '1'],
    ["$.name =~ 'm1$'", true],
    ["datetime($.when).format('%Y%m%d-%H%M%S')", '20170830-123456'],
    ['datetime(2017, 8, 30).format("%Y/%m/%d %H:%M")', '2017/08/30 00:00'],
    ["int('42') + 1", 43],
    ['int($.missing)', 0],
    ['int(3.9)', 3],
    ['float($.count) / 2', 1.5],
    ['keys($.meta)', ['a', 'b']],
    ['$.meta.values()', [1, 'x']],
    ['isEmpty($.empty)', true],
    ['$.servers.isEmpty()', false],
    ['coalesce($.missing, $.nothing, $.name)', 'vm1'],
    ['coalesce($.missing, 0)', 0],
    ["switch($.count > 5 => 'big', $.count > 1 => 'medium', true => 'small')", 'medium'],
    ["switch('m1' in $.name => $.flag or 'x', true => 'no')", true],
    ["switch($.zero in $.meta => 1, true => 2 in $.numbers)", true],
    ["$.missing or ('a' in $.meta)", true],
    ["$.numbers.where($ > 9).first($.missing in $.numbers or 7)", 7],
    ["$.servers.name.join(', ')", 'web1, db1, web2'],
    ["'-'.join($.numbers)", '1-2-3-4'],
    ["' padded '.trim()", 'padded'],
    ["$.name.toUpper()", 'VM1'],
    ["$.name.replace('vm', 'host')", 'host1'],
    ["$.name.startsWith('vm')", true],
    ["$.meta.get('b')", 'x'],
    ["$.meta.get('z', 'none')", 'none'],
    ['max($.count, 10)', 10],
    ['$.numbers.max()', 4],
    ['$.numbers[1]', 2],
    ["$.meta['a']", 1],
  ])('%s', async (yaql, expected) => {
    expect(await runConverted(yaql)).toEqual(expected);
  });

  it('converts now() and now().format() to the current UTC time, noting the text form', async () => {
    const converted = convertYaqlExpression("now().format('%Y%m%d%H%M')");
    expect(converted.jsonata).toBe('$fromMillis($millis(), "[Y0001][M01][D01][H01][m01]")');
    expect(String(await runConverted("now().format('%Y')"))).toBe(String(new Date().getUTCFullYear()));
    expect(convertYaqlExpression('now()').notes[0]).toContain('ISO 8601');
  });

  it('writes readable JSONata for the common forms', () => {
    expect(convertYaqlExpression('task(create_vm).result.id').jsonata).toBe('$task("create_vm").result.id');
    expect(convertYaqlExpression('$.a = 1 and $.b = 2').jsonata).toBe('$.a = 1 and $.b = 2');
    expect(convertYaqlExpression('$.servers.where($.status = ACTIVE)').jsonata).toBe(
      '[$filter($.servers, function($item) { $item.status = "ACTIVE" })]',
    );
  });
});

describe('YAQL to JSONata: what cannot keep its meaning is refused at its offset', () => {
  it.each<[string, number, RegExp]>([
    ['$.a + $.b', 4, /cannot tell which/],
    ['$.a / $.b', 4, /floor division/],
    ['$.count / 2', 8, /floor division/],
    ['unknown_fn($.a)', 0, /unknown_fn\(\) is not converted/],
    ['$.list.groupBy($.x)', 7, /groupBy\(\) is not converted/],
    ['$var', 0, /variable \$var/],
    ["regex('(?P<n>x)').matches($.a)", 6, /Python-only/],
    ['regex($.pattern).matches($.a)', 8, /string literal/],
    ["now().format('%f')", 13, /%f/],
    ['$.a ? 1 : 2', 4, /unexpected character '\?'/],
    ['$.a.where(', 10, /ends too early/],
    ["'abc", 0, /not closed/],
    ["'a' - 1", 4, /numbers, not to a string/],
    ['a.b', 2, /a string has no attribute b/],
    ['$.x?.len()', 5, /\?\.len\(\) is not converted/],
    ['let(count => 1) -> $count', 4, /would hide a JSONata function/],
    ['$.a -> $.b', 4, /after let/],
  ])('%s', (yaql, offset, message) => {
    const error = refusal(yaql);
    expect(error.reason).toMatch(message);
    expect(error.offset).toBe(offset);
  });
});

describe('which expressions are YAQL', () => {
  it.each<[string, string]>([
    ['task(create_vm).result', 'yaql'],
    ['$.servers.where($.a = 1)', 'yaql'],
    ['len($.x)', 'yaql'],
    ['not $.a', 'yaql'],
    ['$.a mod 2', 'yaql'],
    ["{a => 1}", 'yaql'],
    // the same text in both languages, with the same meaning: they decide nothing
    ['$.a and $.b', 'both'],
    ['$.x = 1', 'both'],
    ['$.a.b', 'both'],
    ["$.a in ['x', 'y']", 'both'],
    ['$.count + 1 > 2', 'both'],
    // JSONata only
    ["$task('t').result", 'other'],
    ['$count($.x)', 'other'],
    ['$.a ? 1 : 2', 'other'],
    ["$.a & 'x'", 'other'],
    ['$not($.a)', 'other'],
  ])('%s reads as %s', (expression, dialect) => {
    expect(expressionDialect(expression)).toBe(dialect);
  });
});
