import { PatternError } from './errors.js';
import {
  anyPredicate,
  compileCidr,
  compileGlob,
  foldCase,
  ipToHex,
  looksLikeIp,
  type Predicate,
  uniformTest,
  type ValueTest,
  wildcardProblem,
} from './operators.js';
import { TextTokens, Tok, type TokenSource, ValueTokens } from './pattern-tokens.js';

/** Limits a pattern is checked against. */
export interface PatternOptions {
  /** Longest accepted pattern, in characters of its JSON text. Default 2,048; at most 4,096. */
  maxLength?: number;
}

/** Default pattern size limit (EventBridge's documented default). */
export const DEFAULT_MAX_LENGTH = 2048;
/** Largest pattern size limit that can be configured. */
export const MAX_MAX_LENGTH = 4096;
/** Most `$or` combinations (branches) one pattern may expand to. */
export const MAX_OR_COMBINATIONS = 1000;

/**
 * One field of one branch: the event field at `path` must hold a leaf that passes one of `tests`,
 * or, when `absent` is set (`{"exists": false}`), hold no leaf at all.
 */
export interface Condition {
  readonly path: string;
  readonly tests: readonly ValueTest[];
  readonly absent: boolean;
  /** Does a leaf pass one of `tests`? (`anyPredicate` of them: the matcher's form.) */
  readonly passes: Predicate;
}

/** One way for a pattern to match (a pattern without `$or` has exactly one); conditions sorted by path. */
export type Branch = readonly Condition[];

/** A validated pattern, ready for `matchesPattern` or `PatternMatcher.add`. */
export class CompiledPattern {
  /** The `$or`-expanded branches; the pattern matches when any branch does. */
  readonly branches: readonly Branch[];
  private constructor(branches: readonly Branch[]) {
    this.branches = branches;
  }
  /** @internal Built only by compilePattern. */
  static of(branches: readonly Branch[]): CompiledPattern {
    return new CompiledPattern(branches);
  }
}

// Field names a branch of `$or` may not use (they are operator names, or reserved by EventBridge).
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

const ABSENT: unique symbol = Symbol('absent');
type Operand = ValueTest | typeof ABSENT;
type Fields = Map<string, Operand[]>;

function fail(reason: string): never {
  throw new PatternError(reason);
}

/**
 * Validates and compiles an event pattern. A string is JSON text (duplicate keys: every copy is
 * validated, the last wins); anything else is a parsed value. Throws PatternError with
 * EventBridge's message for anything EventBridge would reject.
 */
export function compilePattern(pattern: unknown, options: PatternOptions = {}): CompiledPattern {
  if (pattern instanceof CompiledPattern) return pattern;
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > MAX_MAX_LENGTH) {
    throw new RangeError(
      `maxLength must be an integer from 1 to ${MAX_MAX_LENGTH}, got ${String(maxLength)}`,
    );
  }
  let length: number;
  if (typeof pattern === 'string') {
    length = pattern.length;
  } else {
    // A value that JSON cannot carry is reported by the token stream below with its path.
    let text: string | undefined;
    try {
      text = JSON.stringify(pattern);
    } catch {
      text = undefined;
    }
    length = text?.length ?? 0;
  }
  if (length > maxLength) fail(`Event pattern is longer than ${maxLength} characters (${length})`);
  const tokens = typeof pattern === 'string' ? new TextTokens(pattern) : new ValueTokens(pattern);
  return CompiledPattern.of(new Compiler(tokens).run());
}

/** Mirrors EventBridge's compiler step by step, so the first problem met is the one reported. */
class Compiler {
  constructor(private readonly t: TokenSource) {}

  run(): Branch[] {
    const rules: Fields[] = [];
    if (this.t.next() !== Tok.StartObject) fail('Filter is not an object');
    this.parseObject(rules, [], false);
    return rules.map(toBranch);
  }

  private parseObject(rules: Fields[], path: string[], insideOr: boolean): void {
    let fieldsPresent = false;
    while (this.t.next() !== Tok.EndObject) {
      fieldsPresent = true;
      const name = this.t.text();
      if (name === '$or') {
        this.parseOr(rules, path);
        continue;
      }
      if (insideOr && RESERVED_IN_OR.has(name)) {
        fail(`${name} is Ruler reserved fieldName which cannot be used inside $or.`);
      }
      switch (this.t.next()) {
        case Tok.StartObject:
          path.push(name);
          this.parseObject(rules, path, insideOr);
          path.pop();
          break;
        case Tok.StartArray:
          this.writeField(rules, [...path, name].join('.'));
          break;
        default:
          fail(`"${name}" must be an object or an array`);
      }
    }
    if (!fieldsPresent) fail('Empty objects are not allowed');
  }

  private parseOr(rules: Fields[], path: string[]): void {
    // Every branch so far is combined with every object of the $or array (a cross product).
    const before = rules.map((r) => new Map(r));
    rules.length = 0;
    if (this.t.next() !== Tok.StartArray) fail('It must be an Array followed with $or.');
    let count = 0;
    for (let tok = this.t.next(); tok !== Tok.EndArray; tok = this.t.next()) {
      count++;
      if (tok !== Tok.StartObject) fail('Only JSON object is allowed in array of $or relationship.');
      const branches = before.length === 0 ? [new Map()] : before.map((r) => new Map(r));
      this.parseObject(branches, path, true);
      rules.push(...branches);
      if (rules.length > MAX_OR_COMBINATIONS) {
        fail(`The pattern expands to more than ${MAX_OR_COMBINATIONS} $or combinations`);
      }
    }
    if (count < 2) fail('There must have at least 2 Objects in $or relationship.');
  }

  private writeField(rules: Fields[], name: string): void {
    const operands: Operand[] = [];
    for (let tok = this.t.next(); tok !== Tok.EndArray; tok = this.t.next()) {
      switch (tok) {
        case Tok.StartObject:
          operands.push(this.matchExpression());
          break;
        case Tok.String: {
          const text = this.t.text();
          const hex = looksLikeIp(text) ? ipToHex(text) : undefined;
          operands.push(
            hex === undefined
              ? { kind: 'exact-string', value: text }
              : { kind: 'exact-ip', hex, value: text },
          );
          break;
        }
        case Tok.Number:
          operands.push({ kind: 'exact-number', value: this.t.number() });
          break;
        case Tok.True:
          operands.push({ kind: 'exact-literal', value: true });
          break;
        case Tok.False:
          operands.push({ kind: 'exact-literal', value: false });
          break;
        case Tok.Null:
          operands.push({ kind: 'exact-literal', value: null });
          break;
        default:
          fail('Match value must be String, number, true, false, or null');
      }
    }
    if (operands.length === 0) fail('Empty arrays are not allowed');
    if (rules.length === 0) rules.push(new Map());
    // The same path given twice (duplicate key, or nested and dotted spellings): the last wins.
    for (const rule of rules) rule.set(name, operands);
  }

  private endOfExpression(): void {
    if (this.t.next() !== Tok.EndObject) fail('Only one key allowed in match expression');
  }

  private tooManyElements(): never {
    fail('Too many elements in numeric expression');
  }

  private matchExpression(): Operand {
    if (this.t.next() !== Tok.FieldName) fail('Match expression name not found');
    const op = this.t.text();
    switch (op) {
      case 'exactly': {
        if (this.t.next() !== Tok.String) fail('exact match pattern must be a string');
        const value = this.t.text();
        this.endOfExpression();
        return { kind: 'exact-string', value };
      }
      case 'prefix':
      case 'suffix': {
        const tok = this.t.next();
        if (tok === Tok.StartObject) return this.affixIgnoreCase(op);
        if (tok !== Tok.String) fail(`${op} match pattern must be a string`);
        const value = this.t.text();
        this.endOfExpression();
        return { kind: op, value };
      }
      case 'numeric': {
        if (this.t.next() !== Tok.StartArray) fail('Value of numeric must be an array.');
        const range = this.numeric();
        if (this.t.next() !== Tok.EndObject) this.tooManyElements();
        return range;
      }
      case 'anything-but':
        return this.anythingBut();
      case 'exists': {
        const tok = this.t.next();
        if (tok !== Tok.True && tok !== Tok.False) fail('exists match pattern must be either true or false.');
        this.endOfExpression();
        return tok === Tok.True ? { kind: 'exists' } : ABSENT;
      }
      case 'cidr': {
        if (this.t.next() !== Tok.String) fail('prefix match pattern must be a string');
        const cidr = compileCidr(this.t.text());
        if (typeof cidr === 'string') fail(cidr);
        this.endOfExpression();
        return cidr;
      }
      case 'equals-ignore-case': {
        if (this.t.next() !== Tok.String) fail('equals-ignore-case match pattern must be a string');
        const folded = foldCase(this.t.text());
        this.endOfExpression();
        return { kind: 'equals-ignore-case', folded };
      }
      case 'wildcard': {
        if (this.t.next() !== Tok.String) fail('wildcard match pattern must be a string');
        const text = this.t.text();
        const problem = wildcardProblem(text);
        if (problem !== undefined) fail(problem);
        this.endOfExpression();
        return { kind: 'wildcard', glob: compileGlob(text) };
      }
      default:
        fail(`Unrecognized match type ${op}`);
    }
  }

  private affixIgnoreCase(op: 'prefix' | 'suffix'): Operand {
    const Op = op === 'prefix' ? 'Prefix' : 'Suffix';
    if (this.t.next() !== Tok.FieldName) fail(`${Op} expression name not found`);
    const inner = this.t.text();
    if (inner !== 'equals-ignore-case') fail(`Unsupported ${op} pattern: ${inner}`);
    if (this.t.next() !== Tok.String) fail('equals-ignore-case match pattern must be a string');
    const folded = foldCase(this.t.text());
    this.endOfExpression();
    this.endOfExpression();
    return { kind: op === 'prefix' ? 'prefix-ignore-case' : 'suffix-ignore-case', folded };
  }

  private isNumber(tok: Tok): boolean {
    return tok === Tok.Number;
  }

  private numeric(): ValueTest {
    if (this.t.next() !== Tok.String) fail(`Invalid member in numeric match: ${this.t.text()}`);
    const op = this.t.text();
    const tok = this.t.next();
    switch (op) {
      case '=': {
        if (!this.isNumber(tok)) fail('Value of equals must be numeric');
        const value = this.t.number();
        if (this.t.next() !== Tok.EndArray) this.tooManyElements();
        return { kind: 'numeric', low: value, lowOpen: false, high: value, highOpen: false };
      }
      case '>=':
      case '>': {
        if (!this.isNumber(tok)) fail(`Value of ${op} must be numeric`);
        const low = this.t.number();
        const next = this.t.next();
        if (next === Tok.EndArray) {
          return {
            kind: 'numeric',
            low,
            lowOpen: op === '>',
            high: Number.POSITIVE_INFINITY,
            highOpen: false,
          };
        }
        return this.upperBound(next, low, op === '>');
      }
      case '<=':
      case '<': {
        if (!this.isNumber(tok)) fail(`Value of ${op} must be numeric`);
        const high = this.t.number();
        if (this.t.next() !== Tok.EndArray) this.tooManyElements();
        return { kind: 'numeric', low: Number.NEGATIVE_INFINITY, lowOpen: false, high, highOpen: op === '<' };
      }
      default:
        fail(`Unrecognized numeric range operator: ${op}`);
    }
  }

  private upperBound(tok: Tok, low: number, lowOpen: boolean): ValueTest {
    if (tok !== Tok.String) fail(`Bad value in numeric range: ${this.t.text()}`);
    const op = this.t.text();
    if (op !== '<' && op !== '<=') fail(`Bad numeric range operator: ${op}`);
    if (!this.isNumber(this.t.next())) fail(`Value of ${op} must be numeric`);
    const high = this.t.number();
    if (this.t.next() !== Tok.EndArray) fail('Too many terms in numeric range expression');
    if (!(low < high)) fail('Bottom must be less than top');
    return { kind: 'numeric', low, lowOpen, high, highOpen: op === '<' };
  }

  private anythingBut(): Operand {
    let form: 'plain' | 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard' = 'plain';
    let tok = this.t.next();
    if (tok === Tok.StartObject) {
      if (this.t.next() !== Tok.FieldName) fail('Anything-But expression name not found');
      const inner = this.t.text();
      if (
        inner !== 'equals-ignore-case' &&
        inner !== 'prefix' &&
        inner !== 'suffix' &&
        inner !== 'wildcard'
      ) {
        fail(`Unsupported anything-but pattern: ${inner}`);
      }
      form = inner;
      tok = this.t.next();
    }
    if (tok !== Tok.StartArray && tok !== Tok.String && tok !== Tok.Number) {
      fail('Value of anything-but must be an array or single string/number value.');
    }
    const result = form === 'plain' ? this.anythingButValues(tok) : this.anythingButStrings(tok, form);
    if (this.t.next() !== Tok.EndObject) this.tooManyElements();
    if (form !== 'plain' && this.t.next() !== Tok.EndObject) this.tooManyElements();
    return result;
  }

  private anythingButValues(first: Tok): ValueTest {
    const strings = new Set<string>();
    const numbers = new Set<number>();
    if (first === Tok.String) strings.add(this.t.text());
    else if (first === Tok.Number) numbers.add(this.t.number());
    else {
      for (let tok = this.t.next(); tok !== Tok.EndArray; tok = this.t.next()) {
        if (tok === Tok.String) strings.add(this.t.text());
        else if (tok === Tok.Number) numbers.add(this.t.number());
        else fail('Inside anything but list, start|null|boolean is not supported.');
      }
      if (strings.size > 0 === numbers.size > 0) {
        fail('Inside anything but list, either all values are number or string, mixed type is not supported');
      }
    }
    return { kind: 'anything-but', strings, numbers };
  }

  private anythingButStrings(
    first: Tok,
    form: 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard',
  ): ValueTest {
    const texts: string[] = [];
    const take = (tok: Tok): void => {
      if (tok !== Tok.String) {
        if (form === 'equals-ignore-case') {
          fail('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
        }
        if (form === 'wildcard') fail('wildcard match pattern must be a string');
        fail('prefix/suffix match pattern must be a string');
      }
      const text = this.t.text();
      if ((form === 'prefix' || form === 'suffix') && text === '') fail('Null prefix/suffix not allowed');
      texts.push(text);
    };
    if (first === Tok.StartArray) {
      for (let tok = this.t.next(); tok !== Tok.EndArray; tok = this.t.next()) take(tok);
    } else {
      take(first);
    }
    switch (form) {
      case 'equals-ignore-case':
        return { kind: 'anything-but-ignore-case', folded: new Set(texts.map(foldCase)) };
      case 'prefix':
        return { kind: 'anything-but-prefix', values: texts };
      case 'suffix':
        return { kind: 'anything-but-suffix', values: texts };
      case 'wildcard':
        for (const text of texts) {
          const problem = wildcardProblem(text);
          if (problem !== undefined) fail(problem);
        }
        return { kind: 'anything-but-wildcard', globs: texts.map(compileGlob) };
    }
  }
}

function toBranch(fields: Fields): Branch {
  const conditions: Condition[] = [];
  for (const [path, operands] of fields) {
    const tests = operands.filter((o): o is ValueTest => o !== ABSENT).map(uniformTest);
    conditions.push({ path, tests, absent: tests.length !== operands.length, passes: anyPredicate(tests) });
  }
  // EventBridge walks a rule's fields in name order; exists:false is judged against the array
  // elements chosen for the fields before it, so the order is part of the semantics.
  conditions.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return conditions;
}
