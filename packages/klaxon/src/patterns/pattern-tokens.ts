import { PatternError } from './errors.js';

/**
 * The pattern compiler reads a pattern as a stream of tokens, the way EventBridge's Jackson-based
 * compiler does. That matters for two observable behaviours: which error is reported first when a
 * pattern has several problems (the first one met in document order), and duplicate keys (every
 * occurrence is validated, the last one wins). A stream keeps both exact for JSON text and for
 * already-parsed values alike.
 */
export enum Tok {
  StartObject = 0,
  EndObject = 1,
  StartArray = 2,
  EndArray = 3,
  FieldName = 4,
  String = 5,
  Number = 6,
  True = 7,
  False = 8,
  Null = 9,
  End = 10,
}

/** A pull parser over a pattern: `next()` advances, `text()` is the current token's text as Jackson's getText(). */
export interface TokenSource {
  next(): Tok;
  /** String content, field name, number spelling, or the punctuation of structural tokens. */
  text(): string;
  /** Numeric value of the current Number token. */
  number(): number;
}

const VALID_TOKENS = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

function charDesc(code: number): string {
  if (code < 32) return `(CTRL-CHAR, code ${code})`;
  const ch = String.fromCodePoint(code);
  if (code > 255) return `'${ch}' (code ${code} / 0x${code.toString(16)})`;
  return `'${ch}' (code ${code})`;
}

function isIdentifierPart(code: number): boolean {
  // Jackson collects the rest of a bad token with Character.isJavaIdentifierPart; letters, digits, _ and $ cover it.
  return /[\p{L}\p{N}_$]/u.test(String.fromCodePoint(code));
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Tokenizes JSON text with Jackson's wording for the syntax errors a hand-written pattern typically has. */
export class TextTokens implements TokenSource {
  private pos = 0;
  private readonly stack: boolean[] = []; // true = object, false = array
  private first = true;
  private afterName = false;
  private started = false;
  private current = '';
  private value = 0;

  constructor(private readonly src: string) {}

  text(): string {
    return this.current;
  }

  number(): number {
    return this.value;
  }

  private fail(reason: string): never {
    throw new PatternError(reason);
  }

  private skipWs(): number {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.pos++;
      else return c;
    }
    return -1;
  }

  private unexpected(code: number, what: string): never {
    this.fail(`Unexpected character (${charDesc(code)}): ${what}`);
  }

  private endOfInput(): never {
    const top = this.stack[this.stack.length - 1];
    this.fail(`Unexpected end-of-input: expected close marker for ${top ? 'Object' : 'Array'}`);
  }

  next(): Tok {
    if (this.afterName) {
      this.afterName = false;
      const c = this.skipWs();
      if (c < 0) this.endOfInput();
      return this.valueToken(c);
    }
    if (this.stack.length === 0) {
      // Like Jackson, nothing after the root value is read: the compiler stops at the root's end.
      if (this.started) return Tok.End;
      this.started = true;
      const c = this.skipWs();
      if (c < 0) return Tok.End;
      return this.valueToken(c);
    }
    let c = this.skipWs();
    if (c < 0) this.endOfInput();
    const inObject = this.stack[this.stack.length - 1] === true;
    if (inObject) {
      if (c === 125) return this.close(Tok.EndObject, '}');
      if (!this.first) {
        if (c !== 44) this.unexpected(c, 'was expecting comma to separate Object entries');
        this.pos++;
        c = this.skipWs();
        if (c < 0) this.endOfInput();
      }
      if (c !== 34) this.unexpected(c, 'was expecting double-quote to start field name');
      this.pos++;
      this.current = this.readString();
      const colon = this.skipWs();
      if (colon < 0) this.endOfInput();
      if (colon !== 58) this.unexpected(colon, 'was expecting a colon to separate field name and value');
      this.pos++;
      this.first = false;
      this.afterName = true;
      return Tok.FieldName;
    }
    if (c === 93) return this.close(Tok.EndArray, ']');
    if (!this.first) {
      if (c !== 44) this.unexpected(c, 'was expecting comma to separate Array entries');
      this.pos++;
      c = this.skipWs();
      if (c < 0) this.endOfInput();
    }
    this.first = false;
    return this.valueToken(c);
  }

  private close(tok: Tok, text: string): Tok {
    this.pos++;
    this.stack.pop();
    this.first = false;
    this.current = text;
    return tok;
  }

  private valueToken(c: number): Tok {
    const s = this.src;
    switch (c) {
      case 123:
        this.pos++;
        this.stack.push(true);
        this.first = true;
        this.current = '{';
        return Tok.StartObject;
      case 91:
        this.pos++;
        this.stack.push(false);
        this.first = true;
        this.current = '[';
        return Tok.StartArray;
      case 34:
        this.pos++;
        this.current = this.readString();
        return Tok.String;
      case 116:
        return this.literal('true', Tok.True);
      case 102:
        return this.literal('false', Tok.False);
      case 110:
        return this.literal('null', Tok.Null);
      default:
        break;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      NUMBER_RE.lastIndex = this.pos;
      const m = NUMBER_RE.exec(s);
      if (m === null) this.fail('Invalid numeric value: Missing integer part');
      const digitStart = c === 45 ? this.pos + 1 : this.pos;
      if (s.charCodeAt(digitStart) === 48 && /[0-9]/.test(s.charAt(digitStart + 1))) {
        this.fail('Invalid numeric value: Leading zeroes not allowed');
      }
      this.pos += m[0].length;
      this.current = m[0];
      this.value = Number(m[0]);
      return Tok.Number;
    }
    if (c === 93 || c === 125) this.unexpected(c, 'expected a value');
    if (isIdentifierPart(c)) this.invalidToken('');
    this.unexpected(c, `expected a valid value ${VALID_TOKENS}`);
  }

  private invalidToken(matched: string): never {
    let token = matched;
    let p = this.pos + matched.length;
    while (p < this.src.length && token.length < 256) {
      const code = this.src.codePointAt(p) ?? 0;
      if (!isIdentifierPart(code)) break;
      const ch = String.fromCodePoint(code);
      token += ch;
      p += ch.length;
    }
    this.fail(`Unrecognized token '${token}': was expecting ${VALID_TOKENS}`);
  }

  private literal(word: string, tok: Tok): Tok {
    for (let i = 1; i < word.length; i++) {
      if (this.src.charAt(this.pos + i) !== word.charAt(i)) this.invalidToken(word.slice(0, i));
    }
    const after = this.src.codePointAt(this.pos + word.length);
    if (after !== undefined && isIdentifierPart(after)) this.invalidToken(word);
    this.pos += word.length;
    this.current = word;
    return tok;
  }

  private readString(): string {
    const s = this.src;
    let out = '';
    let run = this.pos;
    while (true) {
      if (this.pos >= s.length)
        this.fail('Unexpected end-of-input: was expecting closing quote for a string value');
      const c = s.charCodeAt(this.pos);
      if (c === 34) {
        out += s.slice(run, this.pos);
        this.pos++;
        return out;
      }
      if (c < 32) {
        this.fail(
          `Illegal unquoted character (${charDesc(c)}): has to be escaped using backslash to be included in string value`,
        );
      }
      if (c !== 92) {
        this.pos++;
        continue;
      }
      out += s.slice(run, this.pos);
      const e = s.charCodeAt(this.pos + 1);
      this.pos += 2;
      switch (e) {
        case 34:
          out += '"';
          break;
        case 92:
          out += '\\';
          break;
        case 47:
          out += '/';
          break;
        case 98:
          out += '\b';
          break;
        case 102:
          out += '\f';
          break;
        case 110:
          out += '\n';
          break;
        case 114:
          out += '\r';
          break;
        case 116:
          out += '\t';
          break;
        case 117: {
          const hex = s.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.fail('Unexpected character in character escape sequence: expected a hex-digit');
          }
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          if (Number.isNaN(e)) this.fail('Unexpected end-of-input in character escape sequence');
          this.fail(`Unrecognized character escape ${charDesc(e)}`);
      }
      run = this.pos;
    }
  }
}

type Frame =
  | { kind: 'object'; entries: [string, unknown][]; i: number }
  | { kind: 'array'; items: unknown[]; i: number };

/** Streams an already-parsed value as tokens; values JSON cannot carry are rejected with the path that held them. */
export class ValueTokens implements TokenSource {
  private readonly stack: Frame[] = [];
  private pending: { value: unknown } | undefined;
  private current = '';
  private value = 0;
  private readonly path: string[] = [];

  constructor(root: unknown) {
    this.pending = { value: root };
  }

  text(): string {
    return this.current;
  }

  number(): number {
    return this.value;
  }

  next(): Tok {
    if (this.pending !== undefined) {
      const { value } = this.pending;
      this.pending = undefined;
      return this.emit(value);
    }
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) return Tok.End;
    if (top.kind === 'object') {
      const entry = top.entries[top.i++];
      if (entry === undefined) {
        this.stack.pop();
        this.path.pop();
        this.current = '}';
        return Tok.EndObject;
      }
      this.path[this.path.length - 1] = entry[0];
      this.current = entry[0];
      this.pending = { value: entry[1] };
      return Tok.FieldName;
    }
    const index = top.i++;
    if (index >= top.items.length) {
      this.stack.pop();
      this.path.pop();
      this.current = ']';
      return Tok.EndArray;
    }
    this.path[this.path.length - 1] = String(index);
    return this.emit(top.items[index]);
  }

  private emit(value: unknown): Tok {
    if (value === null) {
      this.current = 'null';
      return Tok.Null;
    }
    switch (typeof value) {
      case 'string':
        this.current = value;
        return Tok.String;
      case 'boolean':
        this.current = String(value);
        return value ? Tok.True : Tok.False;
      case 'number':
        if (!Number.isFinite(value)) break;
        this.current = JSON.stringify(value);
        this.value = value;
        return Tok.Number;
      case 'object':
        if (Array.isArray(value)) {
          this.stack.push({ kind: 'array', items: value, i: 0 });
          this.path.push('');
          this.current = '[';
          return Tok.StartArray;
        }
        this.stack.push({
          kind: 'object',
          // Properties holding undefined are absent in JSON, so they are absent here too.
          entries: Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined),
          i: 0,
        });
        this.path.push('');
        this.current = '{';
        return Tok.StartObject;
      default:
        break;
    }
    const where = this.path.length === 0 ? 'the pattern' : `"${this.path.join('.')}"`;
    throw new PatternError(`${where} is not a JSON value (${describe(value)})`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return typeof value;
}
