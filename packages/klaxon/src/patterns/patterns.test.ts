import { describe, expect, it } from 'vitest';
import {
  type CompiledPattern,
  compilePattern,
  EventTextError,
  MAX_OR_COMBINATIONS,
  matchesPattern,
  PatternError,
  PatternMatcher,
} from './index.js';

function reason(pattern: unknown, options?: { maxLength?: number }): string {
  try {
    compilePattern(pattern, options);
  } catch (err) {
    expect(err).toBeInstanceOf(PatternError);
    return (err as PatternError).reason;
  }
  throw new Error('pattern was accepted');
}

function matches(pattern: unknown, event: unknown): boolean {
  const compiled = compilePattern(pattern);
  const viaReference = matchesPattern(compiled, event);
  const matcher = new PatternMatcher();
  matcher.add('p', compiled);
  expect(matcher.match(event)).toEqual(viaReference ? ['p'] : []);
  return viaReference;
}

describe('validation messages (EventBridge / event-ruler wording)', () => {
  it.each([
    [{}, 'Empty objects are not allowed'],
    [{ a: {} }, 'Empty objects are not allowed'],
    [{ a: [[1]] }, 'Match value must be String, number, true, false, or null'],
    [{ a: [{}] }, 'Match expression name not found'],
    [{ a: [{ prefix: 'x', suffix: 'y' }] }, 'Only one key allowed in match expression'],
    [{ a: [{ prefix: { foo: 'x' } }] }, 'Unsupported prefix pattern: foo'],
    [{ a: [{ suffix: {} }] }, 'Suffix expression name not found'],
    [{ a: [{ prefix: { 'equals-ignore-case': 1 } }] }, 'equals-ignore-case match pattern must be a string'],
    [{ a: [{ numeric: [] }] }, 'Invalid member in numeric match: ]'],
    [{ a: [{ numeric: [5] }] }, 'Invalid member in numeric match: 5'],
    [{ a: [{ numeric: ['!', 5] }] }, 'Unrecognized numeric range operator: !'],
    [{ a: [{ numeric: ['=', '5'] }] }, 'Value of equals must be numeric'],
    [{ a: [{ numeric: ['=', 5, '<', 6] }] }, 'Too many elements in numeric expression'],
    [{ a: [{ numeric: ['>', 5, 6] }] }, 'Bad value in numeric range: 6'],
    [{ a: [{ numeric: ['>', 5, '<', 9, 1] }] }, 'Too many terms in numeric range expression'],
    [{ a: [{ numeric: ['>', 5, '<=', 5] }] }, 'Bottom must be less than top'],
    [{ a: [{ numeric: ['>', 1], exists: true }] }, 'Too many elements in numeric expression'],
    [
      { a: [{ 'anything-but': [] }] },
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    ],
    [
      { a: [{ 'anything-but': ['a', 1] }] },
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    ],
    [{ a: [{ 'anything-but': [true] }] }, 'Inside anything but list, start|null|boolean is not supported.'],
    [{ a: [{ 'anything-but': { regex: 'x' } }] }, 'Unsupported anything-but pattern: regex'],
    [{ a: [{ 'anything-but': {} }] }, 'Anything-But expression name not found'],
    [{ a: [{ 'anything-but': { wildcard: 'a**' } }] }, 'Consecutive wildcard characters at pos 2'],
    [{ a: [{ 'anything-but': { prefix: ['x', ''] } }] }, 'Null prefix/suffix not allowed'],
    [{ a: [{ 'anything-but': 'x', prefix: 'y' }] }, 'Too many elements in numeric expression'],
    [{ a: [{ exists: 'yes' }] }, 'exists match pattern must be either true or false.'],
    [{ a: [{ wildcard: 'a\\b' }] }, 'Invalid escape character at pos 2'],
    [{ a: [{ wildcard: 'é**' }] }, 'Consecutive wildcard characters at pos 3'],
    [{ a: [{ cidr: '10.0.0.0/33' }] }, 'IPv4 mask bits must be < 32'],
    [{ a: [{ cidr: '10.0.0.0/32' }] }, 'IPv4 mask bits must be < 32'],
    [{ a: [{ cidr: '::/128' }] }, 'IPv6 mask bits must be < 128'],
    [{ a: [{ cidr: '10.0.0.0/-1' }] }, 'Malformed CIDR, mask bits must not be negative'],
    [{ a: [{ cidr: '10.0.0.0/' }] }, "Malformed CIDR, one '/' required"],
    [{ a: [{ cidr: '300.0.0.0/8' }] }, 'Invalid IP address: 300.0.0.0'],
    [{ a: [{ exactly: 1 }] }, 'exact match pattern must be a string'],
    [{ $or: { a: ['x'] } }, 'It must be an Array followed with $or.'],
    [{ $or: [{ a: ['x'] }, 'b'] }, 'Only JSON object is allowed in array of $or relationship.'],
    [{ $or: [] }, 'There must have at least 2 Objects in $or relationship.'],
    [
      { $or: [{ a: ['x'] }, { b: { prefix: ['y'] } }] },
      'prefix is Ruler reserved fieldName which cannot be used inside $or.',
    ],
    [{ $or: [{ a: ['x'] }, {}] }, 'Empty objects are not allowed'],
    [{ a: 'x' }, '"a" must be an object or an array'],
    [{ a: null }, '"a" must be an object or an array'],
  ])('%j → %s', (pattern, expected) => {
    expect(reason(pattern)).toBe(expected);
  });

  it('reports the first problem in document order, as a streaming parser does', () => {
    expect(reason('{"a": "x", "b": [}')).toBe('"a" must be an object or an array');
    expect(reason('{"a": ["x"], "b": [}')).toBe("Unexpected character ('}' (code 125)): expected a value");
  });

  it('gives Jackson-style messages for malformed JSON text', () => {
    expect(reason('')).toBe('Filter is not an object');
    expect(reason('"x"')).toBe('Filter is not an object');
    expect(reason('{"a" ["x"]}')).toBe(
      "Unexpected character ('[' (code 91)): was expecting a colon to separate field name and value",
    );
    expect(reason('{"a": ["x"] "b": ["y"]}')).toBe(
      "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries",
    );
    expect(reason('{"a": [tru]}')).toMatch(/^Unrecognized token 'tru': was expecting/);
    expect(reason('{"a": ["x"')).toBe('Unexpected end-of-input: expected close marker for Array');
    expect(reason('{"a": [01]}')).toBe('Invalid numeric value: Leading zeroes not allowed');
    expect(reason('{"a": ["\\q"]}')).toBe("Unrecognized character escape 'q' (code 113)");
  });

  it('rejects values JSON cannot carry, naming where they are', () => {
    expect(reason({ a: [Number.NaN] })).toBe('"a.0" is not a JSON value (NaN)');
    expect(reason({ a: { b: [() => 1] } })).toBe('"a.b.0" is not a JSON value (function)');
    expect(reason(undefined)).toBe('the pattern is not a JSON value (undefined)');
  });

  it('enforces the size limit, 2,048 by default and configurable up to 4,096', () => {
    const big = { a: ['x'.repeat(2100)] };
    expect(reason(big)).toBe(`Event pattern is longer than 2048 characters (${JSON.stringify(big).length})`);
    expect(compilePattern(big, { maxLength: 4096 }).branches).toHaveLength(1);
    expect(() => compilePattern(big, { maxLength: 5000 })).toThrow(RangeError);
    expect(reason('{"a":["xyz"]}', { maxLength: 10 })).toBe(
      'Event pattern is longer than 10 characters (13)',
    );
  });

  it('limits $or combinations to 1,000', () => {
    const or = (n: number, k: string) => ({
      $or: Array.from({ length: n }, (_, i) => ({ [`${k}${i}`]: ['x'] })),
    });
    const ok = { a: or(10, 'p'), b: or(10, 'q'), c: or(10, 'r') };
    expect(compilePattern(ok, { maxLength: 4096 }).branches).toHaveLength(1000);
    const tooMany = { ...ok, d: or(2, 's') };
    expect(reason(tooMany, { maxLength: 4096 })).toBe(
      `The pattern expands to more than ${MAX_OR_COMBINATIONS} $or combinations`,
    );
  });

  it('rejects $or used as an ordinary field name, as the strict compiler does (docs/PATTERNS.md rule 40)', () => {
    expect(reason({ $or: [{ cidr: '10.0.0.0/24' }] })).toBe(
      'cidr is Ruler reserved fieldName which cannot be used inside $or.',
    );
    expect(reason({ $or: [{ a: ['x'] }] })).toBe('There must have at least 2 Objects in $or relationship.');
    expect(reason({ $or: 'x' })).toBe('It must be an Array followed with $or.');
    expect(reason({ a: { $or: [['x'], { b: ['y'] }] } })).toBe(
      'Only JSON object is allowed in array of $or relationship.',
    );
    expect(reason({ $or: [{ a: ['x'] }, { b: { numeric: ['>', 1] } }] })).toBe(
      'numeric is Ruler reserved fieldName which cannot be used inside $or.',
    );
  });

  it('duplicate keys: every copy is validated, the last one wins', () => {
    expect(reason('{"a": [{"prefix": 1}], "a": ["x"]}')).toBe('prefix match pattern must be a string');
    const p = '{"a": ["x"], "a": ["y"]}';
    expect(matches(p, { a: 'y' })).toBe(true);
    expect(matches(p, { a: 'x' })).toBe(false);
  });

  it('a field set before and inside $or: the branch value replaces it in that branch only', () => {
    const p = { a: ['x'], $or: [{ a: ['y'] }, { b: ['z'] }] };
    expect(matches(p, { a: 'y' })).toBe(true);
    expect(matches(p, { a: 'x', b: 'z' })).toBe(true);
    expect(matches(p, { a: 'x' })).toBe(false);
  });
});

describe('matching semantics', () => {
  it('null vs missing: [null] matches a null value, not a missing field', () => {
    expect(matches({ a: [null] }, { a: null })).toBe(true);
    expect(matches({ a: [null] }, {})).toBe(false);
    expect(matches({ a: [null] }, { a: [] })).toBe(false);
  });

  it('exists looks at leaves only: objects and empty arrays do not exist, null does', () => {
    expect(matches({ a: [{ exists: true }] }, { a: null })).toBe(true);
    expect(matches({ a: [{ exists: true }] }, { a: { b: 1 } })).toBe(false);
    expect(matches({ a: [{ exists: true }] }, { a: [] })).toBe(false);
    expect(matches({ a: [{ exists: false }] }, { a: {} })).toBe(true);
    expect(matches({ a: [{ exists: false }] }, { a: [] })).toBe(true);
    expect(matches({ a: [{ exists: false }] }, { a: [null] })).toBe(false);
  });

  it('anything-but never matches a missing field, and matches values of another type', () => {
    expect(matches({ a: [{ 'anything-but': 'x' }] }, {})).toBe(false);
    expect(matches({ a: [{ 'anything-but': 'x' }] }, { a: null })).toBe(true);
    expect(matches({ a: [{ 'anything-but': 'x' }] }, { a: 7 })).toBe(true);
    expect(matches({ a: [{ 'anything-but': [1, 2] }] }, { a: '1' })).toBe(true);
    expect(matches({ a: [{ 'anything-but': [1, 2] }] }, { a: 1.0 })).toBe(false);
    expect(matches({ a: [{ 'anything-but': { prefix: 'x' } }] }, { a: 5 })).toBe(true);
    expect(matches({ a: [{ 'anything-but': 'x' }] }, { a: ['x', 'y'] })).toBe(true);
    expect(matches({ a: [{ 'anything-but': 'x' }] }, { a: ['x'] })).toBe(false);
  });

  it('numbers match by value, never numeric strings; strings never match numbers', () => {
    expect(matches('{"a": [300]}', '{"a": 3e2}')).toBe(true);
    expect(matches('{"a": [300]}', '{"a": 300.0}')).toBe(true);
    expect(matches({ a: [300] }, { a: '300' })).toBe(false);
    expect(matches({ a: ['300'] }, { a: 300 })).toBe(false);
    expect(matches({ a: [{ numeric: ['>', 1] }] }, { a: '5' })).toBe(false);
    expect(matches({ a: [{ numeric: ['>=', -1.7976931348623157e308, '<', 1e-300] }] }, { a: -1e300 })).toBe(
      true,
    );
    expect(matches({ a: [{ numeric: ['>', 1e300] }] }, { a: 1.7976931348623157e308 })).toBe(true);
    expect(matches({ a: [{ numeric: ['<', 0] }] }, '{"a": -1e400}')).toBe(false);
    expect(matches({ a: [true] }, { a: 'true' })).toBe(false);
  });

  it('case folding applies to the equals-ignore-case forms only', () => {
    expect(matches({ a: [{ 'equals-ignore-case': 'ÉtÉ' }] }, { a: 'été' })).toBe(true);
    expect(matches({ a: [{ prefix: { 'equals-ignore-case': 'AB' } }] }, { a: 'abc' })).toBe(true);
    expect(matches({ a: [{ suffix: { 'equals-ignore-case': '.PNG' } }] }, { a: 'x.png' })).toBe(true);
    expect(matches({ a: [{ prefix: 'AB' }] }, { a: 'abc' })).toBe(false);
    expect(matches({ a: [{ 'anything-but': { 'equals-ignore-case': ['X'] } }] }, { a: 'x' })).toBe(false);
  });

  it('prefix, suffix and wildcard only look at strings', () => {
    expect(matches({ a: [{ prefix: '' }] }, { a: '' })).toBe(true);
    expect(matches({ a: [{ prefix: '' }] }, { a: 1 })).toBe(false);
    expect(matches({ a: [{ prefix: '1' }] }, { a: 12 })).toBe(false);
    expect(matches({ a: [{ wildcard: '*' }] }, { a: null })).toBe(false);
    expect(matches({ a: [{ wildcard: 'a\\*b*' }] }, { a: 'a*bc' })).toBe(true);
    expect(matches({ a: [{ wildcard: 'a\\*b*' }] }, { a: 'axbc' })).toBe(false);
    expect(matches({ a: [{ wildcard: 'a\\\\b' }] }, { a: 'a\\b' })).toBe(true);
    expect(matches({ a: [{ wildcard: '*a*a*' }] }, { a: 'aa' })).toBe(true);
    expect(matches({ a: [{ wildcard: '*a*a*' }] }, { a: 'a' })).toBe(false);
  });

  it('cidr and IP literals compare addresses, not spellings', () => {
    expect(matches({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.255' })).toBe(true);
    expect(matches({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.1.0' })).toBe(false);
    expect(matches({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:DB8:0:0:0:0:0:1' })).toBe(true);
    expect(matches({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '::ffff:10.1.2.3' })).toBe(false);
    expect(matches({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '::ffff:a01:203' })).toBe(true);
    expect(matches({ ip: [{ exactly: '::1' }] }, { ip: '0::1' })).toBe(false);
    expect(matches({ ip: [{ exactly: '::1' }] }, { ip: '::1' })).toBe(true);
    expect(matches({ ip: ['::1'] }, { ip: '0:0:0:0:0:0:0:1' })).toBe(true);
    // EventBridge's range starts at the address as written: host bits below it are outside.
    expect(matches({ ip: [{ cidr: '10.0.0.5/24' }] }, { ip: '10.0.0.4' })).toBe(false);
    expect(matches({ ip: [{ cidr: '10.0.0.5/24' }] }, { ip: '10.0.0.6' })).toBe(true);
  });

  it('dotted and nested keys are interchangeable, in patterns and in events', () => {
    expect(matches({ 'a.b': ['x'] }, { a: { b: 'x' } })).toBe(true);
    expect(matches({ a: { b: ['x'] } }, { 'a.b': 'x' })).toBe(true);
    expect(matches({ a: { b: ['x'] } }, { a: [{ b: 'y' }, { b: 'x' }] })).toBe(true);
  });

  it('array consistency: two fields must come from the same element of an array of objects', () => {
    const p = { d: { a: ['1'], b: ['2'] } };
    expect(matches(p, { d: [{ a: '1', b: '2' }] })).toBe(true);
    expect(matches(p, { d: [{ a: '1' }, { b: '2' }] })).toBe(false);
    // exists:false is judged within the element chosen for the fields before it (in path order).
    const q = { d: { a: ['1'], b: [{ exists: false }] } };
    expect(matches(q, { d: [{ a: '1', b: 2 }, { a: '1' }] })).toBe(true);
    expect(matches(q, { d: [{ a: '1', b: 2 }] })).toBe(false);
  });

  it('events that are not objects have no fields; event text that is not JSON is an error', () => {
    expect(matches({ a: [{ exists: false }] }, [1, 2])).toBe(true);
    expect(matches({ a: ['x'] }, 'null')).toBe(false);
    expect(() => matchesPattern(compilePattern({ a: ['x'] }), '{"a":')).toThrow(EventTextError);
  });
});

describe('PatternMatcher', () => {
  it('returns names in the order they were added; replacing keeps the position; remove forgets', () => {
    const m = new PatternMatcher();
    m.add('second', { a: [{ prefix: 'x' }] });
    m.add('first', { a: ['xy'] });
    m.add('never', { a: ['zz'] });
    expect(m.match({ a: 'xy' })).toEqual(['second', 'first']);
    m.add('second', { a: ['zz'] });
    expect(m.match({ a: 'xy' })).toEqual(['first']);
    expect(m.match({ a: 'zz' })).toEqual(['second', 'never']);
    expect(m.size).toBe(3);
    expect(m.remove('never')).toBe(true);
    expect(m.remove('never')).toBe(false);
    expect(m.has('never')).toBe(false);
    expect(m.match({ a: 'zz' })).toEqual(['second']);
  });

  it('a rejected pattern leaves the matcher unchanged', () => {
    const m = new PatternMatcher();
    m.add('r', { a: ['x'] });
    expect(() => m.add('r', { a: [] })).toThrow(PatternError);
    expect(m.match({ a: 'x' })).toEqual(['r']);
  });

  it('a rule with several matching $or branches is reported once', () => {
    const m = new PatternMatcher();
    m.add('r', { $or: [{ a: ['x'] }, { b: ['y'] }] });
    expect(m.match({ a: 'x', b: 'y' })).toEqual(['r']);
  });

  it('applies its options to patterns given as text or values', () => {
    const m = new PatternMatcher({ maxLength: 12 });
    expect(() => m.add('r', { a: ['xxxxxxxx'] })).toThrow(PatternError);
  });

  it('skips event parts no rule looks at, and still sees exists:false paths', () => {
    const m = new PatternMatcher();
    m.add('r', { a: { b: [{ exists: false }] } });
    expect(m.match({ a: { b: 1 }, z: { deep: [1, 2, 3] } })).toEqual([]);
    expect(m.match({ a: { c: 1 }, z: { deep: [1, 2, 3] } })).toEqual(['r']);
  });
});

/** The names of the compiled patterns the reference evaluator matches the event with, in order. */
function byReference(compiled: Record<string, CompiledPattern>, event: string): string[] {
  return Object.keys(compiled).filter((name) => matchesPattern(compiled[name] as CompiledPattern, event));
}

describe('PatternMatcher over many events', () => {
  it('keeps the reference answers while it changes which paths it reads eagerly', () => {
    // geo.x and pts have no indexed condition, so they start deferred; most events need geo.x, so
    // after a review (every 4,096 events) the matcher reads it eagerly. A rule change mid-way resets that.
    const patterns: Record<string, unknown> = {
      x: { type: ['Polygon'], geo: { x: [{ numeric: ['>', 0] }] } },
      pts: { type: ['Polygon'], tags: [{ prefix: 'a' }], pts: [{ numeric: ['<', 2] }] },
      nested: { type: ['Polygon'], items: { id: ['k1'], n: [{ numeric: ['>=', 3] }] } },
      absent: { type: ['Line'], geo: { y: [{ exists: false }] } },
    };
    const matcher = new PatternMatcher();
    for (const [name, pattern] of Object.entries(patterns)) matcher.add(name, pattern);
    const compiled = Object.fromEntries(Object.entries(patterns).map(([k, p]) => [k, compilePattern(p)]));
    let disagreements = 0;
    let matched = 0;
    for (let i = 0; i < 10_000; i++) {
      if (i === 6_000) {
        patterns.x = { type: ['Polygon'], geo: { x: [{ numeric: ['<', 0] }] } };
        compiled.x = compilePattern(patterns.x);
        matcher.add('x', patterns.x);
      }
      const event = JSON.stringify({
        type: i % 10 === 0 ? 'Line' : 'Polygon',
        geo: i % 13 === 0 ? { y: 1 } : { x: (i % 7) - 3 },
        tags: [i % 3 === 0 ? 'abc' : 'xyz'],
        pts: [i % 9, i % 11],
        items: [
          { id: 'k1', n: i % 5 },
          { id: 'k2', n: 9 },
        ],
      });
      const got = matcher.match(event);
      matched += got.length;
      if (got.join() !== byReference(compiled, event).join()) disagreements++;
    }
    expect(disagreements).toBe(0);
    expect(matched).toBeGreaterThan(5_000);
  });
});

describe('PatternMatcher remembering the hits of recurring values', () => {
  it('sees rules added to and removed from an operand it has already looked a value up for', () => {
    const m = new PatternMatcher();
    m.add('first', { street: [{ prefix: 'MA' }] });
    m.add('folded', { street: [{ 'equals-ignore-case': 'market' }] });
    const event = '{"street":"MARKET"}';
    expect(m.match(event)).toEqual(['first', 'folded']);
    expect(m.match(event)).toEqual(['first', 'folded']);
    // The same operand as `first`: its hits go into the list already looked up for MARKET.
    m.add('second', { street: [{ prefix: 'MA' }] });
    expect(m.match(event)).toEqual(['first', 'folded', 'second']);
    m.remove('first');
    expect(m.match(event)).toEqual(['folded', 'second']);
    m.add('folded', { street: [{ suffix: 'KET' }, 'OTHER'] });
    expect(m.match(event)).toEqual(['folded', 'second']);
    expect(m.match('{"street":"OTHER"}')).toEqual(['folded']);
    expect(m.match('{"street":"MARKED"}')).toEqual(['second']);
  });

  it('looks a leaf up in operator forms first used at its path after events were matched', () => {
    const m = new PatternMatcher();
    m.add('exact', { v: ['MARKET'] });
    const text = '{"v":"MARKET"}';
    expect(m.match(text)).toEqual(['exact']);
    const added: [string, unknown, unknown][] = [
      ['prefix', { v: [{ prefix: 'MA' }] }, text],
      ['suffix', { v: [{ suffix: 'KET' }] }, text],
      ['folded', { v: [{ 'equals-ignore-case': 'market' }] }, text],
      ['folded-prefix', { v: [{ prefix: { 'equals-ignore-case': 'mar' } }] }, text],
      ['folded-suffix', { v: [{ suffix: { 'equals-ignore-case': 'ket' } }] }, text],
      ['exists', { v: [{ exists: true }] }, text],
      ['number', { v: [7] }, '{"v":7}'],
      ['literal', { v: [true] }, '{"v":true}'],
      ['ip', { v: ['10.0.0.1'] }, '{"v":"10.0.0.1"}'],
    ];
    for (const [name, pattern, event] of added) {
      // Matched before the rule exists, then after: the second answer must name it.
      m.match(event as string);
      m.add(name, pattern);
      expect(m.match(event as string)).toContain(name);
      expect(m.match(JSON.parse(event as string))).toContain(name);
    }
  });

  it('gives a value met in arrays and outside them the same hits, array consistency included', () => {
    const m = new PatternMatcher();
    m.add('one', { street: [{ prefix: 'MA' }] });
    m.add('pair', { lots: { street: [{ prefix: 'MA' }], side: ['odd'] } });
    const outside = '{"street":"MARKET","lots":[{"street":"ELM","side":"odd"}]}';
    const inside =
      '{"street":["ELM","MARKET"],"lots":[{"street":"MARKET","side":"even"},{"street":"ELM","side":"odd"}]}';
    const consistent = '{"lots":[{"street":"MARKET","side":"odd"}]}';
    for (let round = 0; round < 3; round++) {
      expect(m.match(outside)).toEqual(['one']);
      expect(m.match(inside)).toEqual(['one']);
      expect(m.match(consistent)).toEqual(['pair']);
    }
  });

  it('keeps the reference answers for values that recur, and for values that never do', () => {
    const patterns: Record<string, unknown> = {
      prefix: { id: [{ prefix: 'a1' }], street: [{ suffix: 'ST' }] },
      folded: { street: [{ 'equals-ignore-case': 'main st' }] },
      both: { street: [{ prefix: 'MA' }], id: [{ suffix: '7' }] },
    };
    const matcher = new PatternMatcher();
    for (const [name, pattern] of Object.entries(patterns)) matcher.add(name, pattern);
    const compiled = Object.fromEntries(Object.entries(patterns).map(([k, p]) => [k, compilePattern(p)]));
    // The last is longer than the texts whose hits are kept: it is looked up every time.
    const streets = ['MAIN ST', 'Main St', 'MARKET', 'ELM ST', 'OAK', `MA${'X'.repeat(300)} ST`];
    let disagreements = 0;
    let matched = 0;
    // `id` never repeats a value (its memo is dropped after a window); `street` has five.
    for (let i = 0; i < 12_000; i++) {
      const event = JSON.stringify({ id: `a${i}`, street: streets[i % streets.length] });
      const got = matcher.match(event);
      matched += got.length;
      if (got.join() !== byReference(compiled, event).join()) disagreements++;
    }
    expect(disagreements).toBe(0);
    expect(matched).toBeGreaterThan(5_000);
  });
});

describe('compiled tests', () => {
  it('share one shape whatever the operator, and keep their operands', () => {
    const compiled = compilePattern({
      a: ['x', '10.0.0.1', 3, true, null],
      b: [{ prefix: 'p' }, { suffix: 's' }, { 'equals-ignore-case': 'E' }, { wildcard: 'w*' }],
      c: [{ prefix: { 'equals-ignore-case': 'P' } }, { suffix: { 'equals-ignore-case': 'S' } }],
      d: [{ 'anything-but': ['n', 'm'] }, { 'anything-but': { prefix: 'q' } }],
      e: [{ 'anything-but': { suffix: 'z' } }, { 'anything-but': { 'equals-ignore-case': 'Y' } }],
      f: [{ 'anything-but': { wildcard: 'v*' } }, { numeric: ['>', 0, '<=', 5] }, { cidr: '10.0.0.0/8' }],
      g: [{ exists: true }],
    });
    const tests = compiled.branches.flatMap((branch) => branch.flatMap((condition) => condition.tests));
    expect(new Set(tests.map((t) => t.kind)).size).toBe(18);
    const keys = Object.keys(tests[0] as object).join();
    for (const test of tests) expect(Object.keys(test).join()).toBe(keys);
    expect(matches({ f: [{ numeric: ['>', 0, '<=', 5] }] }, { f: 5 })).toBe(true);
    expect(matches({ e: [{ 'anything-but': { suffix: 'z' } }] }, { e: 'abz' })).toBe(false);
  });
});

describe('PatternMatcher after many removals', () => {
  it('still finds the remaining prefix and suffix rules once emptied buckets are swept', () => {
    const matcher = new PatternMatcher();
    for (let i = 0; i < 1100; i++) {
      matcher.add(`p${i}`, { a: [{ prefix: `gone${i}-` }] });
      matcher.add(`s${i}`, { a: [{ suffix: `-gone${i}` }] });
    }
    matcher.add('keep-prefix', { a: [{ prefix: 'kept-' }], b: [{ prefix: { 'equals-ignore-case': 'KE' } }] });
    matcher.add('keep-suffix', { a: [{ suffix: '-kept' }] });
    expect(matcher.match('{"a":"kept-1-kept","b":"kEy"}')).toEqual(['keep-prefix', 'keep-suffix']);
    // Removing more than a thousand postings sweeps the emptied buckets (and rebuilds what is
    // derived from the operands left).
    for (let i = 0; i < 1100; i++) {
      matcher.remove(`p${i}`);
      matcher.remove(`s${i}`);
    }
    expect(matcher.size).toBe(2);
    expect(matcher.match('{"a":"kept-1-kept","b":"kEy"}')).toEqual(['keep-prefix', 'keep-suffix']);
    expect(matcher.match('{"a":"gone5-x-gone5","b":"key"}')).toEqual([]);
    matcher.add('again', { a: [{ prefix: 'gone7-' }] });
    expect(matcher.match('{"a":"gone7-x"}')).toEqual(['again']);
    expect(matcher.match('{"a":"kept-1-kept","b":"kEy"}')).toEqual(['keep-prefix', 'keep-suffix']);
  });
});
