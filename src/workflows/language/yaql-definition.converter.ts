import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Scalar } from 'yaml';
import { splitTemplate } from '../../expressions/expression-syntax';
import { convertYaqlExpression, expressionDialect, YaqlConversionError } from '../../expressions/yaql';
import { DEFAULT_DEFINITION_LIMITS } from './definition-limits';
import { formatPath, type PathSegment } from './definition-path.util';

/** One expression the conversion rewrote. */
export interface YaqlChange {
  line: number;
  column: number;
  /** where in the definition, e.g. `my_wf.tasks.create_vm.input.name` */
  path: string;
  from: string;
  to: string;
  notes: string[];
}

/** One expression that cannot be converted without changing its meaning. */
export interface YaqlConversionProblem {
  line: number;
  column: number;
  path: string;
  expression: string;
  message: string;
}

export interface YaqlDefinitionConversion {
  /**
   * `yaql` when some expression is YAQL-only (then every expression was read as YAQL); `jinja` when
   * the definition has Mistral's Jinja expressions (`{{ _.x }}`), which are refused; else `jsonata`
   */
  language: 'yaql' | 'jinja' | 'jsonata';
  /** the converted definition; the input text itself when nothing was converted */
  text: string;
  changes: YaqlChange[];
  /** in the order of the text; empty when the conversion succeeded */
  problems: YaqlConversionProblem[];
}

interface ExpressionSite {
  scalar: Scalar;
  path: PathSegment[];
}

/**
 * Converts the YAQL expressions of a Mistral definition to JSONata. A definition is YAQL when at
 * least one of its expressions uses a YAQL-only form (see expressionDialect); then every expression
 * is read as YAQL, including those that read the same in both. Otherwise it is left as it is.
 * Prose (the description and tags of a workflow, the description of a task) is not converted.
 * A text over `maxBytes`, or that is not YAML, is returned as it is, for the definition parser to refuse.
 */
export function convertYaqlDefinition(text: string, maxBytes = DEFAULT_DEFINITION_LIMITS.maxBytes): YaqlDefinitionConversion {
  const unchanged: YaqlDefinitionConversion = { language: 'jsonata', text, changes: [], problems: [] };
  if (Buffer.byteLength(text, 'utf8') > maxBytes) return unchanged;
  const lineCounter = new LineCounter();
  let document: Document.Parsed;
  try {
    document = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  } catch {
    return unchanged; // nested too deep for the YAML parser: the definition parser reports it
  }
  // a definition that is not YAML is reported by the definition parser
  if (document.errors.length > 0) return unchanged;
  const sites: ExpressionSite[] = [];
  collectSites(document, document.contents, [], sites);
  const isYaql = sites.some((site) =>
    splitTemplate(String(site.scalar.value)).some((part) => part.kind === 'expression' && expressionDialect(part.text) === 'yaql'),
  );
  const problems: YaqlConversionProblem[] = jinjaProblems(text, sites, lineCounter);
  if (!isYaql) return problems.length > 0 ? { ...unchanged, language: 'jinja', problems } : unchanged;

  const changes: YaqlChange[] = [];
  for (const site of sites) {
    const value = String(site.scalar.value);
    if (!value.includes('<%')) continue;
    let converted = '';
    for (const part of splitTemplate(value)) {
      if (part.kind === 'text') {
        converted += part.text;
        continue;
      }
      const start = value.indexOf(part.text, part.offset + 2);
      const position = (offset: number) => lineCounter.linePos(sourceOffset(text, site.scalar, offset));
      try {
        const { jsonata, notes } = convertYaqlExpression(part.text);
        converted += `<% ${jsonata} %>`;
        if (jsonata !== part.text) {
          const { line, col } = position(part.offset);
          changes.push({ line, column: col, path: formatPath(site.path), from: `<% ${part.text} %>`, to: `<% ${jsonata} %>`, notes });
        }
      } catch (error) {
        // the parser recurses: only an expression nested thousands of levels deep overflows the stack
        const refusal = error instanceof RangeError ? new YaqlConversionError('the expression is nested too deeply', 0) : error;
        if (!(refusal instanceof YaqlConversionError)) throw error;
        const { line, col } = position(start + refusal.offset);
        problems.push({ line, column: col, path: formatPath(site.path), expression: `<% ${part.text} %>`, message: refusal.reason });
      }
    }
    if (converted !== value) site.scalar.value = converted;
  }
  if (problems.length > 0) return { language: 'yaql', text, changes, problems: problems.sort((a, b) => a.line - b.line || a.column - b.column) };
  return { language: 'yaql', text: changes.length > 0 ? document.toString({ lineWidth: 0 }) : text, changes, problems };
}

/** `{{ _.x }}`, `{{ task('t').result }}`...: Mistral evaluates them as Jinja; Sirocco would keep them as text. */
const JINJA_EXPRESSION = /\{\{(.*?)\}\}/gs;
const JINJA_CONTEXT = /(^|[^\w.])(_\.|_\[|_\s*$|task\(|execution\(|env\(|ctx\()/;

function jinjaProblems(text: string, sites: ExpressionSite[], lineCounter: LineCounter): YaqlConversionProblem[] {
  const problems: YaqlConversionProblem[] = [];
  for (const site of sites) {
    const value = String(site.scalar.value);
    for (const match of value.matchAll(JINJA_EXPRESSION)) {
      if (!JINJA_CONTEXT.test(match[1].trim())) continue;
      const { line, col } = lineCounter.linePos(sourceOffset(text, site.scalar, match.index ?? 0));
      problems.push({
        line,
        column: col,
        path: formatPath(site.path),
        expression: match[0],
        message: 'Jinja expressions are not converted (Sirocco would keep the text as it is): write it in YAQL as <% ... %>, which is converted',
      });
    }
  }
  return problems;
}

/** One line per problem: `line 12, column 30: wf.tasks.t.input.x: <% ... %>: the reason`. */
export function formatYaqlProblems(problems: YaqlConversionProblem[]): string {
  return problems
    .map((problem) => `line ${problem.line}, column ${problem.column}: ${problem.path}: cannot convert ${problem.expression}: ${problem.message}`)
    .join('; ');
}

function collectSites(document: Document, node: unknown, path: PathSegment[], sites: ExpressionSite[]): void {
  if (isAlias(node)) return; // its anchor is visited where it is written
  if (isScalar(node)) {
    if (typeof node.value === 'string' && (node.value.includes('<%') || node.value.includes('{{'))) sites.push({ scalar: node, path });
    return;
  }
  if (isSeq(node)) {
    node.items.forEach((item, index) => collectSites(document, item, [...path, index], sites));
    return;
  }
  if (!isMap(node)) return;
  for (const pair of node.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    if (isProse(path, key) || (path.length === 0 && key === 'version')) continue;
    collectSites(document, pair.key, [...path, key], sites);
    collectSites(document, pair.value, [...path, key], sites);
  }
}

/** The description and tags of a workflow, the description of a task: text, never evaluated. */
function isProse(path: readonly PathSegment[], key: string): boolean {
  if (path.length === 1) return key === 'description' || key === 'tags';
  return path.length === 3 && path[1] === 'tasks' && key === 'description';
}

/** The offset in the YAML text of a character of a string value; the value's start when quoting or folding breaks the 1:1 mapping. */
function sourceOffset(text: string, scalar: Scalar, offset: number): number {
  const [start, end] = scalar.range ?? [0, 0];
  const source = text.slice(start, end);
  if (scalar.type === 'PLAIN' && source === scalar.value) return start + offset;
  const quoted = scalar.type === 'QUOTE_SINGLE' || scalar.type === 'QUOTE_DOUBLE';
  if (quoted && source.slice(1, -1) === scalar.value) return start + 1 + offset;
  if (scalar.type === 'BLOCK_LITERAL') {
    // `|` keeps every line: find the value's line in the source and the column in it
    const value = String(scalar.value);
    const lineIndex = value.slice(0, offset).split('\n').length - 1;
    const lineText = value.split('\n')[lineIndex] ?? '';
    const column = offset - (value.lastIndexOf('\n', offset - 1) + 1);
    const at = text.indexOf(lineText, start);
    if (lineText !== '' && at >= 0 && at < end) return at + column;
  }
  return start;
}
