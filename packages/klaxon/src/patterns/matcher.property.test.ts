import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CompiledPattern,
  compilePattern,
  matchesPattern,
  PatternError,
  PatternMatcher,
} from './index.js';
import { anyPredicate, predicateOf, testValue, type ValueTest } from './operators.js';

// Small vocabularies make collisions (and so matches, near-misses and array conflicts) frequent.
const key = fc.constantFrom('a', 'b', 'c', 'a.b');
const str = fc.constantFrom(
  '',
  'x',
  'X',
  'xy',
  'xY',
  'yx',
  'ab',
  'a*b',
  'a\\b',
  '10.0.0.7',
  '10.0.1.7',
  '::1',
  'é',
  'É',
);
const num = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -0, 1e21, 2.5));
const leaf = fc.oneof(str, num, fc.constantFrom(true, false, null));

const globText = fc.constantFrom('x*', '*y', '*', 'a*b', 'a\\*b', '*x*', '');
const operator = fc.oneof(
  leaf,
  str.map((s) => ({ prefix: s })),
  str.map((s) => ({ suffix: s })),
  str.map((s) => ({ 'equals-ignore-case': s })),
  str.map((s) => ({ prefix: { 'equals-ignore-case': s } })),
  str.map((s) => ({ suffix: { 'equals-ignore-case': s } })),
  globText.map((s) => ({ wildcard: s })),
  fc
    .oneof(
      str,
      num,
      fc.array(str, { minLength: 1, maxLength: 3 }),
      fc.array(num, { minLength: 1, maxLength: 3 }),
    )
    .map((v) => ({ 'anything-but': v })),
  fc
    .tuple(
      fc.constantFrom('prefix', 'suffix', 'equals-ignore-case', 'wildcard'),
      fc.array(str, { minLength: 1, maxLength: 2 }),
    )
    .map(([op, v]) => ({ 'anything-but': { [op]: v.length === 1 ? v[0] : v } })),
  fc
    .oneof(
      fc.tuple(fc.constantFrom('=', '<', '<=', '>', '>='), num).map((t) => [...t]),
      fc.tuple(fc.constantFrom('>', '>='), num, fc.constantFrom('<', '<='), num).map((t) => [...t]),
    )
    .map((v) => ({ numeric: v })),
  fc.boolean().map((b) => ({ exists: b })),
  fc.constantFrom('10.0.0.0/24', '10.0.0.0/8', '::/1').map((c) => ({ cidr: c })),
);

type PatternValue = { [k: string]: unknown };
const patternObject: fc.Memo<PatternValue> = fc.memo((depth) => {
  const field =
    depth <= 1
      ? fc.array(operator, { minLength: 1, maxLength: 3 })
      : fc.oneof(
          { weight: 3, arbitrary: fc.array(operator, { minLength: 1, maxLength: 3 }) },
          { weight: 1, arbitrary: patternObject(depth - 1) },
        );
  const plain = fc.dictionary(key, field, { minKeys: 1, maxKeys: 2 });
  if (depth <= 1) return plain;
  return fc.oneof(
    { weight: 3, arbitrary: plain },
    {
      weight: 1,
      arbitrary: fc
        .tuple(plain, fc.array(patternObject(depth - 1), { minLength: 2, maxLength: 3 }))
        .map(([p, or]) => ({ ...p, $or: or })),
    },
  );
});

const eventValue: fc.Memo<unknown> = fc.memo((depth) =>
  depth <= 1
    ? fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }))
    : fc.oneof(
        { weight: 2, arbitrary: leaf },
        { weight: 1, arbitrary: fc.array(leaf, { maxLength: 3 }) },
        { weight: 2, arbitrary: fc.dictionary(key, eventValue(depth - 1), { maxKeys: 3 }) },
        {
          weight: 2,
          arbitrary: fc.array(fc.dictionary(key, eventValue(depth - 1), { maxKeys: 3 }), { maxLength: 3 }),
        },
      ),
);
const event = fc.dictionary(key, eventValue(3), { minKeys: 2, maxKeys: 4 });

function tryCompile(p: unknown): CompiledPattern | undefined {
  try {
    return compilePattern(p);
  } catch (err) {
    if (err instanceof PatternError) return undefined;
    throw err;
  }
}

describe('PatternMatcher agrees with the reference evaluator', () => {
  it('for generated patterns and events, including after removals and replacements', () => {
    // Counters guard against a vacuous property: the generators must yield valid patterns and both answers.
    const seen = { valid: 0, invalid: 0, match: 0, noMatch: 0 };
    fc.assert(
      fc.property(
        fc.array(patternObject(3), { minLength: 1, maxLength: 8 }),
        fc.array(event, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(7), { maxLength: 3 }),
        (patterns, events, removals) => {
          const compiled = new Map<string, CompiledPattern>();
          const matcher = new PatternMatcher();
          patterns.forEach((p, i) => {
            const c = tryCompile(p);
            if (c === undefined) {
              seen.invalid++;
              return;
            }
            seen.valid++;
            compiled.set(`r${i}`, c);
            matcher.add(`r${i}`, c);
          });
          const expectAgreement = (): void => {
            for (const e of events) {
              const want = [...compiled].filter(([, p]) => matchesPattern(p, e)).map(([n]) => n);
              seen.match += want.length;
              seen.noMatch += compiled.size - want.length;
              expect(matcher.match(e)).toEqual(want);
              expect(matcher.match(JSON.stringify(e))).toEqual(want);
            }
          };
          expectAgreement();
          for (const r of removals) {
            const name = `r${r}`;
            expect(matcher.remove(name)).toBe(compiled.delete(name));
          }
          expect(matcher.size).toBe(compiled.size);
          expectAgreement();
          // Replacing a pattern keeps its position and swaps its meaning.
          const first = [...compiled.keys()][0];
          const last = [...compiled.values()].at(-1);
          if (first !== undefined && last !== undefined) {
            compiled.set(first, last);
            matcher.add(first, last);
            expectAgreement();
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(seen.valid).toBeGreaterThan(seen.invalid);
    expect(seen.match).toBeGreaterThan(400);
    expect(seen.noMatch).toBeGreaterThan(seen.match);
    console.log('property coverage', seen);
  });
});

describe('the pattern parser', () => {
  it('never throws anything but PatternError on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          try {
            compilePattern(text, { maxLength: 4096 });
          } catch (err) {
            expect(err).toBeInstanceOf(PatternError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but PatternError on arbitrary values, and text and value forms agree', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), patternObject(3)), (value) => {
        let fromValue: unknown;
        try {
          compilePattern(value, { maxLength: 4096 });
          fromValue = 'ok';
        } catch (err) {
          expect(err).toBeInstanceOf(PatternError);
          fromValue = (err as PatternError).message;
        }
        let text: string | undefined;
        try {
          text = JSON.stringify(value);
        } catch {
          text = undefined;
        }
        // Where the value is plain JSON, its text must get the same verdict and the same message
        // (a string argument is itself JSON text, so it has no separate value form).
        if (
          typeof value !== 'string' &&
          text !== undefined &&
          JSON.stringify(JSON.parse(text)) === text &&
          isPlainJson(value)
        ) {
          let fromText: unknown;
          try {
            compilePattern(text, { maxLength: 4096 });
            fromText = 'ok';
          } catch (err) {
            fromText = (err as PatternError).message;
          }
          expect(fromText).toEqual(fromValue);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

function isPlainJson(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isPlainJson);
  if (typeof v === 'object') {
    if (Object.getPrototypeOf(v) !== Object.prototype) return false;
    // Integer-like keys are reordered by JS objects, so the value's key order can differ from the text's.
    return Object.keys(v).every((k) => !/^\d+$/.test(k)) && Object.values(v).every(isPlainJson);
  }
  return false;
}

describe('PatternMatcher with many rules sharing operands (anchors move between buckets)', () => {
  const type = fc.constantFrom(
    'Recon:EC2/PortProbe',
    'Backdoor:EC2/C&CActivity',
    'CryptoCurrency:EC2/BitcoinTool',
    'x',
  );
  const rule = fc.record(
    {
      source: fc.constant(['aws.guardduty']),
      'detail-type': fc.constant(['GuardDuty Finding']),
      detail: fc.record(
        {
          type: fc.oneof(
            type.map((t) => [t]),
            type.map((t) => [{ prefix: t.slice(0, 4) }]),
          ),
          severity: fc.oneof(
            fc.constant([{ numeric: ['>=', 4] }]),
            fc.constant([{ numeric: ['<', 7] }]),
            fc.constant([{ exists: false }]),
          ),
          resource: fc.constant({ instanceDetails: { tags: { key: [{ 'anything-but': 'skip' }] } } }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['source'] },
  );
  const finding = fc.record({
    source: fc.constantFrom('aws.guardduty', 'aws.securityhub'),
    'detail-type': fc.constant('GuardDuty Finding'),
    detail: fc.record(
      {
        type,
        severity: fc.constantFrom(2, 5, 8),
        resource: fc.record({
          instanceDetails: fc.record({
            tags: fc.array(fc.record({ key: fc.constantFrom('skip', 'env'), value: fc.constant('v') }), {
              maxLength: 3,
            }),
          }),
        }),
      },
      { requiredKeys: [] },
    ),
  });
  it('agrees with the reference evaluator through additions and removals', () => {
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 20, maxLength: 60 }),
        fc.array(finding, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(59), { maxLength: 30 }),
        (rules, events, removals) => {
          const compiled = new Map<string, CompiledPattern>();
          const matcher = new PatternMatcher();
          rules.forEach((r, i) => {
            // A generated `detail` with no keys is an invalid (empty) object: such rules are left out.
            const c = tryCompile(r);
            if (c === undefined) return;
            compiled.set(`r${i}`, c);
            matcher.add(`r${i}`, c);
          });
          const check = (): void => {
            for (const e of events) {
              const want = [...compiled].filter(([, p]) => matchesPattern(p, e)).map(([n]) => n);
              expect(matcher.match(JSON.stringify(e))).toEqual(want);
            }
          };
          check();
          for (const r of removals) {
            matcher.remove(`r${r}`);
            compiled.delete(`r${r}`);
          }
          check();
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('PatternMatcher with many single anything-but rules (the exclusion index)', () => {
  const word = fc.constantFrom('ab', 'AB', 'abc', 'b', 'ba', 'x', 'É', 'é', '');
  const value = fc.oneof(word, fc.constantFrom(1, 2, -0, true, null));
  const words = fc.array(
    word.filter((w) => w !== ''),
    { minLength: 1, maxLength: 3 },
  );
  const rule = fc.record({
    a: fc
      .oneof(
        fc.oneof(word, fc.array(word, { minLength: 1, maxLength: 3 })).map((v) => ({ 'anything-but': v })),
        fc
          .array(fc.constantFrom(1, 2, 3), { minLength: 1, maxLength: 2 })
          .map((v) => ({ 'anything-but': v })),
        fc
          .tuple(fc.constantFrom('prefix', 'suffix', 'equals-ignore-case', 'wildcard'), words)
          .map(([op, v]) => ({ 'anything-but': { [op]: v.length === 1 ? v[0] : v } })),
        fc.constantFrom('a*', '*b', '*').map((w) => ({ 'anything-but': { wildcard: w } })),
      )
      .map((op) => [op]),
  });
  const event = fc.record(
    { a: fc.oneof(value, fc.array(value, { maxLength: 3 })), b: value },
    { requiredKeys: ['b'] },
  );
  it('agrees with the reference evaluator, alone, in arrays and through removals', () => {
    const seen = { match: 0, noMatch: 0 };
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 12 }),
        fc.array(event, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(11), { maxLength: 6 }),
        (rules, events, removals) => {
          const compiled = new Map<string, CompiledPattern>();
          const matcher = new PatternMatcher();
          rules.forEach((r, i) => {
            const c = tryCompile(r);
            if (c === undefined) return;
            compiled.set(`r${i}`, c);
            matcher.add(`r${i}`, c);
          });
          const check = (): void => {
            for (const e of events) {
              const want = [...compiled].filter(([, p]) => matchesPattern(p, e)).map(([n]) => n);
              seen.match += want.length;
              seen.noMatch += compiled.size - want.length;
              expect(matcher.match(e)).toEqual(want);
              expect(matcher.match(JSON.stringify(e))).toEqual(want);
            }
          };
          check();
          for (const r of removals) {
            matcher.remove(`r${r}`);
            compiled.delete(`r${r}`);
          }
          check();
        },
      ),
      { numRuns: 300 },
    );
    expect(seen.match).toBeGreaterThan(500);
    expect(seen.noMatch).toBeGreaterThan(500);
  });
});

describe('PatternMatcher with two-condition rules sharing their first condition (decided from the other condition)', () => {
  // Every rule's anchor is a street, from a tiny vocabulary, so an event hits several rules at once;
  // the anchor sits at the top or inside an array of objects (`parts`, where a second condition on
  // `parts.lot` must hold in the same element), and the second condition varies in operator and
  // path (scalar, nested, array of objects, number arrays).
  const street = fc.constantFrom('TURK', 'FULTON', 'OAK');
  const second = fc.tuple(fc.constantFrom('lot', 'geo.x', 'parts.lot', 'coords'), operator);
  const rule = fc
    .tuple(
      fc.constantFrom('street', 'parts.street'),
      fc.oneof(
        street.map((s) => [s]),
        fc.constant([{ prefix: 'TU' }]),
      ),
      second,
    )
    .map(([anchorPath, anchor, [path, op]]) => {
      const pattern: PatternValue = {};
      const put = (at: string, value: unknown): void => {
        const [outer, inner] = at.split('.') as [string, string | undefined];
        if (inner === undefined) pattern[outer] = value;
        else pattern[outer] = { ...(pattern[outer] as PatternValue | undefined), [inner]: value };
      };
      put(anchorPath, anchor);
      put(path, [op]);
      return pattern;
    });
  const leafOrList = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }));
  const event = fc.record(
    {
      street: fc.oneof(street, fc.array(street, { maxLength: 2 })),
      lot: leafOrList,
      geo: fc.record({ x: leafOrList }, { requiredKeys: [] }),
      parts: fc.array(fc.record({ street, lot: leaf }, { requiredKeys: [] }), { maxLength: 3 }),
      coords: fc.array(fc.array(num, { maxLength: 3 }), { maxLength: 3 }),
    },
    { requiredKeys: ['street'] },
  );
  const step = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constant('add' as const), fc.nat(29), rule) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('remove' as const), fc.nat(29), fc.constant(undefined)) },
  );
  it('agrees with the reference evaluator while rules are added and removed between events', () => {
    const seen = { match: 0, noMatch: 0 };
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 5, maxLength: 40 }),
        fc.array(event, { minLength: 1, maxLength: 5 }),
        (steps, events) => {
          const compiled = new Map<string, CompiledPattern>();
          const matcher = new PatternMatcher();
          const check = (): void => {
            // Rules keep the order they were first added in, so the reference is taken in that order.
            for (const e of events) {
              const want = [...compiled].filter(([, p]) => matchesPattern(p, e)).map(([n]) => n);
              seen.match += want.length;
              seen.noMatch += compiled.size - want.length;
              expect(matcher.match(JSON.stringify(e))).toEqual(want);
              expect(matcher.match(e)).toEqual(want);
            }
          };
          steps.forEach(([kind, n, r], i) => {
            const name = `r${n}`;
            if (kind === 'remove') {
              expect(matcher.remove(name)).toBe(compiled.delete(name));
            } else {
              const c = tryCompile(r);
              if (c === undefined) return;
              // A replaced rule keeps its place, as Map.set keeps an existing key's.
              compiled.set(name, c);
              matcher.add(name, c);
            }
            if (i % 4 === 3) check();
          });
          check();
        },
      ),
      { numRuns: 200 },
    );
    expect(seen.match).toBeGreaterThan(500);
    expect(seen.noMatch).toBeGreaterThan(500);
  });
});

describe("the matcher's compiled tests (predicateOf, anyPredicate)", () => {
  // Infinity is what a number beyond float64 reads as from event text; no range holds it.
  const anyLeaf = fc.oneof(leaf, fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e308));
  const manyGlobs = fc.constantFrom('a*b*c', '*a*', 'x*y*', 'xy*', 'a\\**');

  it('give testValue’s answer for every operator form and leaf', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            operator,
            manyGlobs.map((g) => ({ wildcard: g })),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        fc.array(anyLeaf, { minLength: 1, maxLength: 6 }),
        (operators, leaves) => {
          const compiled = tryCompile({ a: operators });
          if (compiled === undefined) return;
          const condition = compiled.branches[0]?.[0];
          if (condition === undefined) throw new Error('a one-field pattern has one condition');
          for (const value of leaves) {
            for (const test of condition.tests) expect(predicateOf(test)(value)).toBe(testValue(test, value));
            expect(condition.passes(value)).toBe(condition.tests.some((test) => testValue(test, value)));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('tell numbers beyond float64 and range ends apart', () => {
    const tests = compilePattern({ a: [{ numeric: ['>', 0, '<=', 5] }] }).branches[0]?.[0]?.tests ?? [];
    const range = predicateOf(tests[0] as ValueTest);
    expect([range(5), range(0), range(Number.POSITIVE_INFINITY), range('3')]).toEqual([
      true,
      false,
      false,
      false,
    ]);
    const atLeast = anyPredicate(
      compilePattern({ a: [{ numeric: ['>=', -1e308] }] }).branches[0]?.[0]?.tests ?? [],
    );
    expect([atLeast(-1e308), atLeast(Number.NEGATIVE_INFINITY), atLeast(Number.MAX_VALUE)]).toEqual([
      true,
      false,
      true,
    ]);
  });
});
