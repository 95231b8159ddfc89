import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** One request of the fuzz: a stored corpus entry or a generated one. */
export interface FuzzCase {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** may hold placeholders: {wf}, {exec}, {exec_other}, {task}, {trigger}, {env}, {uuid}, {c*N} (c repeated N times) */
  path: string;
  query?: Record<string, string>;
  /** a JSON body; the string "{deep}" stands for JSON text nested 3,000 levels */
  body?: unknown;
  /** a text body (YAML definitions) */
  text?: string;
  /** a body sent byte for byte, with `contentType` */
  raw?: string;
  contentType?: string;
  note?: string;
  /** where the case comes from, for the report */
  origin?: string;
}

/** The objects the placeholders name, made before the fuzz starts. */
export interface FuzzFixtures {
  wf: string;
  exec: string;
  exec_other: string;
  task: string;
  trigger: string;
  env: string;
}

const DEEP = `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`;

export function loadCorpus(): FuzzCase[] {
  const cases = JSON.parse(readFileSync(path.join(__dirname, 'api-fuzz.corpus.json'), 'utf8')) as FuzzCase[];
  return cases.map((entry, index) => ({ ...entry, origin: `corpus #${index}` }));
}

/** Replaces the placeholders of a string. */
export function expand(text: string, fixtures: FuzzFixtures): string {
  if (text === '{deep}') return DEEP;
  return text
    .replace(/\{(.)\*(\d+)\}/g, (_, char: string, count: string) => char.repeat(Number(count)))
    .replace(/\{(wf|exec_other|exec|task|trigger|env|uuid)\}/g, (_, name: keyof FuzzFixtures | 'uuid') =>
      name === 'uuid' ? randomUUID() : fixtures[name],
    );
}

export function expandValue(value: unknown, fixtures: FuzzFixtures): unknown {
  if (typeof value === 'string') return expand(value, fixtures);
  if (Array.isArray(value)) return value.map((item) => expandValue(item, fixtures));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [expand(key, fixtures), expandValue(item, fixtures)]));
  }
  return value;
}

/** encodeURIComponent, but a lone surrogate becomes the (invalid UTF-8) bytes a careless client would send. */
export function encodeLoose(text: string): string {
  const lone = /([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/;
  return text
    .split(lone)
    .map((part, index) => (index % 2 === 1 ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');
}

/** mulberry32: a small seeded generator, so that a failing case can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LISTS = [
  '/v2/workflows', '/v2/executions', '/v2/tasks', '/v2/action_executions', '/v2/environments', '/v2/cron_triggers',
  '/v2/actions', '/v2/executions/{exec}/tasks', '/v2/executions/{exec}/executions', '/v2/tasks/{task}/action_executions',
  '/v2/cron_triggers/{trigger}/firings',
];
const ITEMS = [
  '/v2/workflows/', '/v2/executions/', '/v2/tasks/', '/v2/action_executions/', '/v2/environments/', '/v2/cron_triggers/',
  '/v2/actions/', '/v2/executions/{exec}/report?x=', '/v2/cron_triggers/{trigger}/next?count=',
];
const BODY_ENDPOINTS: [FuzzCase['method'], string][] = [
  ['POST', '/v2/executions'], ['PUT', '/v2/executions/{exec}'], ['POST', '/v2/action_executions'], ['POST', '/v2/environments'],
  ['PUT', '/v2/environments'], ['POST', '/v2/cron_triggers'], ['PUT', '/v2/cron_triggers/{trigger}'],
  ['PATCH', '/v2/cron_triggers/{trigger}'], ['PUT', '/v2/tasks/{task}'],
];
const QUERY_KEYS = ['limit', 'marker', 'sort_keys', 'sort_dirs', 'fields', 'name', 'id', 'created_at', 'updated_at', 'state', 'tags', 'scope', 'namespace', 'workflow_name', 'all_projects', 'include_output', 'zzz'];
const BODY_KEYS = ['name', 'workflow_name', 'workflow_id', 'input', 'params', 'env', 'state', 'state_info', 'description', 'variables', 'pattern', 'timezone', 'first_execution_time', 'remaining_executions', 'workflow_input', 'workflow_params', 'enabled', 'jitter', 'misfire_policy', 'reset', 'id', 'scope', 'namespace'];
const NASTY = [
  '', ' ', '\u0000', 'a\u0000b', '1e20', '-1', '0', '1.5', 'NaN', 'Infinity', '99999999999999999999', '0x1f', 'null', 'true', '[]', '{}',
  '{"a": 1}', '[1, 2]', "'", '"', '\\', '%', '_', '%25', "' OR 1=1 --", 'in:', 'in:a,b', 'nin:x', 'gt:notatime', 'lte:2020-01-01', 'has:%',
  'eq:', 'neq:\u0000', 'asc', 'desc', 'id', 'name', 'created_at', '<% $.x %>', '<% 1e300 %>', '\u202e\ud83d\ude00', '\u00e9\u00e8', '\ud800',
  // no pattern or first time that would fire during the fuzz: a firing would change the database under a 4xx
  'std.echo', 'std.sleep', '0 5 31 12 *', '0 5 * * * 30', 'Europe/Zurich', 'RUNNING', 'PAUSED', 'SUCCESS', 'ERROR', 'CANCELLED',
  '2099-01-01 00:00', '99999-99-99', '{wf}', '{exec}', '{uuid}', '{env}', '{trigger}', '{task}', '{x*5000}',
];
/** Valid requests, each mutated in one field: they reach the code behind the first checks. */
const TEMPLATES: { method: FuzzCase['method']; path: string; body: Record<string, unknown>; fixed?: string[] }[] = [
  { method: 'POST', path: '/v2/executions', body: { workflow_name: '{wf}', input: { x: 1 }, params: { env: '{env}' }, description: 'gen' } },
  { method: 'PUT', path: '/v2/executions/{exec}', body: { description: 'gen' } },
  { method: 'PUT', path: '/v2/executions/{exec_other}', body: { state: 'ERROR', state_info: 'gen' } },
  { method: 'POST', path: '/v2/action_executions', body: { name: 'std.echo', input: { output: 1 }, params: { run_sync: true } } },
  { method: 'POST', path: '/v2/environments', body: { name: 'gen_env', variables: { a: 1 }, description: 'gen', scope: 'private' } },
  { method: 'PUT', path: '/v2/environments', body: { name: '{env}', variables: { a: 2 } } },
  {
    method: 'POST',
    path: '/v2/cron_triggers',
    body: { name: 'gen_cron', workflow_name: '{wf}', pattern: '0 0 1 1 *', workflow_input: { x: 1 }, remaining_executions: 3 },
    fixed: ['pattern', 'first_execution_time'],
  },
  { method: 'PATCH', path: '/v2/cron_triggers/{trigger}', body: { description: 'gen', enabled: true }, fixed: ['pattern', 'first_execution_time'] },
  { method: 'PUT', path: '/v2/tasks/{task}', body: { state: 'RUNNING', reset: true } },
];

function mutateTemplate(random: () => number): Pick<FuzzCase, 'method' | 'path' | 'body'> {
  const template = pick(random, TEMPLATES);
  const body: Record<string, unknown> = { ...template.body };
  const keys = [...Object.keys(body), ...BODY_KEYS].filter((key) => !template.fixed?.includes(key));
  const key = pick(random, keys);
  if (random() < 0.15) delete body[key];
  else body[key] = randomValue(random);
  return { method: template.method, path: template.path, body };
}

const YAML_BASE = `version: '2.0'\nfuzz_gen_wf:\n  input:\n    - x: 1\n  vars:\n    v: [1, 2]\n  tasks:\n    a:\n      action: std.echo output=<% $.x %>\n      publish:\n        y: <% $task().result %>\n      on-success: [b]\n    b:\n      action: std.noop\n      with-items: i in <% $.v %>\n      retry: count=1 delay=1\n`;
const YAML_TOKENS = ['\u0000', '&a', '*a', '*nope', '[', ']', '{', '}', ': ', '- ', '\t', '"', "'", '<%', '%>', '!!binary', '!!js/function', '? ', '|', '>', '#', '\n  ', '1e400', '\ufeff', '\u202e', '---\n', '...\n'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function randomValue(random: () => number, depth = 0): unknown {
  const roll = random();
  if (roll < 0.45 || depth > 3) return pick(random, NASTY);
  if (roll < 0.6) return pick(random, [0, -1, 1.5, 1e20, -1e308, 2 ** 53 + 1, true, false, null]);
  if (roll < 0.75) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  if (roll < 0.8) return '{deep}';
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(random() * 4); i > 0; i--) object[pick(random, [...BODY_KEYS, 'x', '\u0000k', ''])] = randomValue(random, depth + 1);
  return object;
}

function mutateYaml(random: () => number, base = YAML_BASE): string {
  let text = base;
  for (let i = 1 + Math.floor(random() * 3); i > 0; i--) {
    const at = Math.floor(random() * text.length);
    const roll = random();
    if (roll < 0.4) text = text.slice(0, at) + pick(random, YAML_TOKENS) + text.slice(at);
    else if (roll < 0.7) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 10));
    else text = text.slice(0, at) + String(pick(random, NASTY)) + text.slice(at);
  }
  return text;
}

/** `count` requests from a seeded generator: the same seed gives the same requests. */
export function generateCases(seed: number, count: number): FuzzCase[] {
  const random = seededRandom(seed);
  const cases: FuzzCase[] = [];
  for (let index = 0; index < count; index++) {
    const origin = `generated #${index} (seed ${seed})`;
    const kind = random();
    if (kind < 0.35) {
      const query: Record<string, string> = {};
      for (let i = 1 + Math.floor(random() * 3); i > 0; i--) query[pick(random, QUERY_KEYS)] = String(pick(random, NASTY));
      cases.push({ method: 'GET', path: pick(random, LISTS), query, origin });
    } else if (kind < 0.5) {
      const raw = encodeLoose(String(pick(random, NASTY))).replace(/%7B/g, '{').replace(/%7D/g, '}').replace(/%2A/gi, '*');
      // no DELETE of the fixtures: the later cases need them
      const method = raw.includes('{') ? 'GET' : pick(random, ['GET', 'GET', 'DELETE'] as const);
      cases.push({ method, path: `${pick(random, ITEMS)}${raw || 'x'}`, origin });
    } else if (kind < 0.65) {
      cases.push({ ...mutateTemplate(random), origin });
    } else if (kind < 0.8) {
      const [method, endpoint] = pick(random, BODY_ENDPOINTS);
      const body: Record<string, unknown> = {};
      for (let i = 1 + Math.floor(random() * 4); i > 0; i--) body[pick(random, BODY_KEYS)] = randomValue(random);
      cases.push({ method, path: endpoint, body: random() < 0.9 ? body : randomValue(random), origin });
    } else {
      const [method, endpoint] = pick(random, [['POST', '/v2/workflows'], ['POST', '/v2/workflows/validate'], ['PUT', '/v2/workflows']] as const);
      cases.push({ method, path: endpoint, text: mutateYaml(random), origin });
    }
  }
  return cases;
}

const WORKBOOK_BASE = `version: '2.0'\nname: fuzz_gen_book\ntags: [fuzz]\nactions:\n  act:\n    base: std.echo output=<% $.x %>\n    input: [x]\nworkflows:\n  main:\n    tasks:\n      a:\n        workflow: helper\n        on-success: [b]\n      b:\n        action: act x=1\n  helper:\n    tasks:\n      t:\n        action: std.noop\n`;

/** `count` workbook uploads, each a mutated workbook, from their own seeded generator. */
export function generateWorkbookCases(seed: number, count: number): FuzzCase[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const [method, path] = pick(random, [['POST', '/v2/workbooks'], ['POST', '/v2/workbooks/validate'], ['PUT', '/v2/workbooks']] as const);
    return { method, path, text: mutateYaml(random, WORKBOOK_BASE), origin: `generated workbook #${index} (seed ${seed})` };
  });
}
