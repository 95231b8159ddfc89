import { type YaqlArgument, YaqlConversionError, type YaqlNode } from './yaql-ast';

type TokenKind = 'number' | 'string' | 'name' | 'variable' | 'punct' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  /** for strings: the unescaped value */
  value?: string;
  at: number;
}

const PUNCTUATION = ['?.', '->', '=>', '!=', '<=', '>=', '=~', '!~', '(', ')', '[', ']', '{', '}', ',', '.', '=', '<', '>', '+', '-', '*', '/', ':'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '`': '`', '0': '\0' };

/** Splits a YAQL expression into tokens, each with its offset. */
export function tokenizeYaql(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index];
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    const at = index;
    if (/[0-9]/.test(char)) {
      const match = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(index))!;
      tokens.push({ kind: 'number', text: match[0], at });
      index += match[0].length;
      continue;
    }
    if (char === "'" || char === '"' || char === '`') {
      let value = '';
      index++;
      while (index < source.length && source[index] !== char) {
        if (source[index] === '\\' && index + 1 < source.length) {
          const escaped = ESCAPES[source[index + 1]];
          if (escaped === undefined) throw new YaqlConversionError(`unknown escape '\\${source[index + 1]}' in a string`, index);
          value += escaped;
          index += 2;
        } else {
          value += source[index++];
        }
      }
      if (index >= source.length) throw new YaqlConversionError('the string is not closed', at);
      index++;
      tokens.push({ kind: char === '`' ? 'name' : 'string', text: source.slice(at, index), value, at });
      continue;
    }
    if (char === '$') {
      const match = /^\$[A-Za-z0-9_]*/.exec(source.slice(index))!;
      tokens.push({ kind: 'variable', text: match[0], at });
      index += match[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(index))!;
      tokens.push({ kind: 'name', text: match[0], at });
      index += match[0].length;
      continue;
    }
    const punct = PUNCTUATION.find((candidate) => source.startsWith(candidate, index));
    if (!punct) throw new YaqlConversionError(`unexpected character '${char}'`, index);
    tokens.push({ kind: 'punct', text: punct, at });
    index += punct.length;
  }
  tokens.push({ kind: 'end', text: '', at: source.length });
  return tokens;
}

const CONSTANTS = new Set(['true', 'false', 'null']);
const COMPARISONS = new Set(['=', '!=', '<', '>', '<=', '>=', '=~', '!~']);

/** Parses one YAQL expression (the text between `<%` and `%>`) into a tree with offsets. */
export function parseYaql(source: string): YaqlNode {
  return new YaqlParser(tokenizeYaql(source)).parseAll();
}

class YaqlParser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parseAll(): YaqlNode {
    if (this.peek().kind === 'end') throw new YaqlConversionError('empty expression', 0);
    const node = this.parseChain();
    const rest = this.peek();
    if (rest.kind !== 'end') throw new YaqlConversionError(`unexpected '${rest.text}'`, rest.at);
    return node;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.position + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    return this.tokens[Math.min(this.position++, this.tokens.length - 1)];
  }

  private isWord(word: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'name' && token.text === word && !token.text.startsWith('`');
  }

  private isPunct(text: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.text === text;
  }

  private expect(text: string): Token {
    const token = this.next();
    if (token.kind !== 'punct' || token.text !== text) {
      throw new YaqlConversionError(token.kind === 'end' ? `expected '${text}' before the end` : `expected '${text}', found '${token.text}'`, token.at);
    }
    return token;
  }

  /** `a -> b`: b evaluated with what a gives (`let(x => 1) -> $x + 1`); the lowest precedence. */
  private parseChain(): YaqlNode {
    const left = this.parseOr();
    if (!this.isPunct('->')) return left;
    // right-associative: let(a => 1) -> let(b => $a) -> $b
    const at = this.next().at;
    return { kind: 'binary', at, operator: '->', left, right: this.parseChain() };
  }

  private parseOr(): YaqlNode {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      const at = this.next().at;
      left = { kind: 'binary', at, operator: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): YaqlNode {
    let left = this.parseNot();
    while (this.isWord('and')) {
      const at = this.next().at;
      left = { kind: 'binary', at, operator: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): YaqlNode {
    if (this.isWord('not')) {
      const at = this.next().at;
      return { kind: 'unary', at, operator: 'not', operand: this.parseNot() };
    }
    return this.parseComparison();
  }

  private parseComparison(): YaqlNode {
    let left = this.parseAdditive();
    for (;;) {
      const token = this.peek();
      const isComparison = token.kind === 'punct' && COMPARISONS.has(token.text);
      if (!isComparison && !this.isWord('in')) return left;
      this.next();
      left = { kind: 'binary', at: token.at, operator: token.text, left, right: this.parseAdditive() };
    }
  }

  private parseAdditive(): YaqlNode {
    let left = this.parseMultiplicative();
    while (this.isPunct('+') || this.isPunct('-')) {
      const token = this.next();
      left = { kind: 'binary', at: token.at, operator: token.text, left, right: this.parseMultiplicative() };
    }
    return left;
  }

  private parseMultiplicative(): YaqlNode {
    let left = this.parseUnary();
    while (this.isPunct('*') || this.isPunct('/') || this.isWord('mod')) {
      const token = this.next();
      left = { kind: 'binary', at: token.at, operator: token.text, left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): YaqlNode {
    if (this.isPunct('-') || this.isPunct('+')) {
      const token = this.next();
      return { kind: 'unary', at: token.at, operator: token.text as '-' | '+', operand: this.parseUnary() };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(target: YaqlNode): YaqlNode {
    for (;;) {
      if (this.isPunct('.') || this.isPunct('?.')) {
        const nullSafe = this.next().text === '?.';
        const name = this.next();
        if (name.kind !== 'name') throw new YaqlConversionError(`expected a name after '.', found '${name.text || 'the end'}'`, name.at);
        if (this.isPunct('(')) {
          // a JSONata path is null-safe already; a call on nothing is not
          if (nullSafe) throw new YaqlConversionError(`?.${name.text}() is not converted: only ?.name is`, name.at);
          target = { kind: 'method', at: name.at, target, name: name.text, args: this.parseArguments() };
        } else {
          target = { kind: 'member', at: name.at, target, name: name.value ?? name.text };
        }
      } else if (this.isPunct('[')) {
        const at = this.next().at;
        const index = this.parseOr();
        this.expect(']');
        target = { kind: 'index', at, target, index };
      } else {
        return target;
      }
    }
  }

  private parseArguments(): YaqlArgument[] {
    this.expect('(');
    const args: YaqlArgument[] = [];
    while (!this.isPunct(')')) {
      const at = this.peek().at;
      const keyword = this.peek().kind === 'name' && !CONSTANTS.has(this.peek().text) && this.peek(1).kind === 'punct' && this.peek(1).text === '=>';
      if (keyword) {
        const name = this.next().text;
        this.next();
        args.push({ name, value: this.parseChain(), at });
      } else {
        const value = this.parseChain();
        if (this.isPunct('=>')) {
          this.next();
          args.push({ key: value, value: this.parseChain(), at });
        } else {
          args.push({ value, at });
        }
      }
      if (!this.isPunct(',')) break;
      this.next();
    }
    this.expect(')');
    return args;
  }

  private parsePrimary(): YaqlNode {
    const token = this.next();
    const at = token.at;
    switch (token.kind) {
      case 'number': {
        const float = /[.eE]/.test(token.text);
        return { kind: 'literal', at, value: Number(token.text), float };
      }
      case 'string':
        return { kind: 'literal', at, value: token.value! };
      case 'variable':
        return token.text === '$' ? { kind: 'context', at } : { kind: 'variable', at, name: token.text.slice(1) };
      case 'name': {
        if (token.text === 'true' || token.text === 'false') return { kind: 'literal', at, value: token.text === 'true' };
        if (token.text === 'null') return { kind: 'literal', at, value: null };
        if (this.isPunct('(')) return { kind: 'call', at, name: token.text, args: this.parseArguments() };
        // YAQL reads a bare word as a string: task(create_vm) names the task create_vm
        return { kind: 'literal', at, value: token.value ?? token.text };
      }
      case 'punct':
        if (token.text === '(') {
          const inner = this.parseChain();
          this.expect(')');
          return inner;
        }
        if (token.text === '[') return { kind: 'list', at, items: this.parseItems(']') };
        if (token.text === '{') return this.parseDict(at);
        throw new YaqlConversionError(`unexpected '${token.text}'`, at);
      default:
        throw new YaqlConversionError('the expression ends too early', at);
    }
  }

  private parseItems(close: string): YaqlNode[] {
    const items: YaqlNode[] = [];
    while (!this.isPunct(close)) {
      items.push(this.parseChain());
      if (!this.isPunct(',')) break;
      this.next();
    }
    this.expect(close);
    return items;
  }

  private parseDict(at: number): YaqlNode {
    const entries: Array<{ key: YaqlNode; value: YaqlNode }> = [];
    while (!this.isPunct('}')) {
      const key = this.parseOr();
      this.expect('=>');
      entries.push({ key, value: this.parseChain() });
      if (!this.isPunct(',')) break;
      this.next();
    }
    this.expect('}');
    return { kind: 'dict', at, entries };
  }
}
