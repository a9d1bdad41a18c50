import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, matchesPattern, PatternMatcher } from './index.js';
import { NumberList, NumberSearch, NumberText, numberPrefix } from './number-text.js';
import { testValue, type ValueTest } from './operators.js';

const view = new DataView(new ArrayBuffer(8));

/** The next double away from zero (toward zero when `down`), by one unit in the last place. */
function ulp(x: number, down: boolean): number {
  if (!Number.isFinite(x)) return x;
  if (x === 0) return down ? x : 5e-324 * Math.sign(1 / x);
  view.setFloat64(0, x);
  view.setBigInt64(0, view.getBigInt64(0) + (down ? -1n : 1n));
  return view.getFloat64(0);
}

const EDGES = [
  0, -0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308, 1e-290,
  1e290, 0.1, -122.41017509116656, 37.74769304977191, 9007199254740994, 1e21, 123456789012345680000,
];

const double = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...EDGES),
  fc.integer(),
  fc.double({ min: -200, max: 200, noNaN: true }),
);

/** Spellings JSON allows for a double, including ones with more digits than needed. */
const spelling = fc.tuple(double, fc.nat(6), fc.integer({ min: 1, max: 21 })).map(([x, form, digits]) => {
  let text: string;
  switch (form) {
    case 0:
      text = String(x);
      break;
    case 1:
      text = x.toExponential(Math.min(digits - 1, 20));
      break;
    case 2:
      text = x.toPrecision(digits);
      break;
    case 3:
      text = Math.abs(x) < 1e21 ? x.toFixed(Math.min(digits, 20)) : String(x);
      break;
    case 4:
      text = `${String(x).replace(/e\+?/, 'e')}`.replace('e', 'E');
      break;
    case 5:
      text = x.toExponential(Math.min(digits - 1, 20)).replace('e+', 'e');
      break;
    default:
      text = `${String(Math.trunc(Math.abs(x)) % 1000)}.${'0'.repeat(digits)}1e-${digits}`;
  }
  return text;
});

/** Texts whose exact conversion is delicate: beyond 2^53, halfway cases, beyond float64, long. */
const delicate = fc.constantFrom(
  '9007199254740993',
  '0.30000000000000004',
  '1e400',
  '-1e-400',
  '2.4703282292062328e-324',
  '2.4703282292062327e-324',
  '1.7976931348623158e308',
  '123456789012345678901234567890',
  '0.000000000000000000000000000000000000000001234567890123456789',
  '0e999999999',
  '-0.0',
  '-0E-5',
);
const text = fc.oneof(spelling, delicate);

const bound = fc.tuple(double, fc.integer({ min: -2, max: 2 })).map(([x, steps]) => {
  let b = x;
  for (let i = 0; i < Math.abs(steps); i++) b = ulp(b, steps < 0);
  return b;
});
const numberTest: fc.Arbitrary<ValueTest> = fc.oneof(
  bound.map((value) => ({ kind: 'exact-number' as const, value })),
  fc
    .tuple(bound, bound, fc.boolean(), fc.boolean(), fc.nat(3))
    .map(([a, b, lowOpen, highOpen, shape]): ValueTest => {
      const [low, high] = a <= b ? [a, b] : [b, a];
      // One-sided ranges, two-sided ones, and equal bounds (the `=` form).
      if (shape === 0)
        return { kind: 'numeric', low, lowOpen, high: Number.POSITIVE_INFINITY, highOpen: false };
      if (shape === 1)
        return { kind: 'numeric', low: Number.NEGATIVE_INFINITY, lowOpen: false, high, highOpen };
      if (shape === 2) return { kind: 'numeric', low, lowOpen: false, high: low, highOpen: false };
      return { kind: 'numeric', low, lowOpen, high, highOpen };
    }),
);
// Values drawn near the bounds too: the spelling of a bound nudged by a unit or two.
const near = fc
  .tuple(numberTest, fc.integer({ min: -2, max: 2 }), fc.boolean())
  .map(([t, steps, useHigh]) => {
    let x = t.kind === 'exact-number' ? t.value : t.kind === 'numeric' ? (useHigh ? t.high : t.low) : 0;
    if (!Number.isFinite(x)) x = 0;
    for (let i = 0; i < Math.abs(steps); i++) x = ulp(x, steps < 0);
    return Number.isFinite(x) ? String(x) : '0';
  });

const ws = fc.constantFrom('', ' ', '\n', '\t ');
/** Nested arrays of the given number texts, with whitespace where JSON allows it. */
const arrayOf = (number: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.letrec((tie) => ({
    item: fc.oneof({ depthSize: 'small', withCrossShrink: true }, number, tie('array')),
    array: fc
      .tuple(fc.array(fc.tuple(ws, tie('item'), ws), { maxLength: 4 }), ws)
      .map(([items, pad]) => `[${items.map(([a, x, b]) => `${a}${x}${b}`).join(',')}${pad}]`),
  })).array as fc.Arbitrary<string>;

describe('NumberText', () => {
  it('reads every JSON spelling of a double to exactly what Number() gives', () => {
    const reader = new NumberText();
    fc.assert(
      fc.property(text, (text) => {
        expect(reader.read(`${text},`, 0)).toBe(true);
        expect(reader.end).toBe(text.length);
        expect(Object.is(reader.exactValue(), Number(text))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('decides numeric and exact-number tests as the exact value would, at and next to the bounds', () => {
    const reader = new NumberText();
    fc.assert(
      fc.property(
        fc.array(numberTest, { minLength: 1, maxLength: 3 }),
        fc.oneof(text, near),
        (tests, text) => {
          // One number in a list, as the matcher keeps them: tested on its estimate where that
          // decides, converted exactly where it does not.
          const list = new NumberList();
          reader.read(text, 0);
          list.push(reader);
          const exact = Number(text);
          expect(list.some(text, tests, reader)).toBe(tests.some((t) => testValue(t, exact)));
        },
      ),
      { numRuns: 20000 },
    );
  });

  it('passes a list of numbers exactly when one of their exact values passes, estimates kept or not', () => {
    const reader = new NumberText();
    const list = new NumberList();
    fc.assert(
      fc.property(
        fc.array(fc.oneof(text, near), { minLength: 1, maxLength: 8 }),
        fc.array(fc.array(numberTest, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        (texts, testSets) => {
          const joined = `[${texts.join(',')}]`;
          list.count = 0;
          for (let i = 1; i < joined.length; ) {
            expect(reader.read(joined, i)).toBe(true);
            list.push(reader);
            i = reader.end + 1;
          }
          // Several test sets over one list, as several rules test one event's coordinates: an
          // exact conversion made for one set is kept for the next.
          for (const tests of testSets) {
            const want = texts.some((t) => tests.some((test) => testValue(test, Number(t))));
            expect(list.some(joined, tests, reader)).toBe(want);
          }
        },
      ),
      { numRuns: 10000 },
    );
  });

  it('reads nested number arrays in one go, deciding long numbers from their first digits', () => {
    const reader = new NumberText();
    const list = new NumberList();
    // Plain decimals within a few millionths of the tests' bounds: kept as six decimals, they must
    // be decided exactly like their full values (the last digits are what decides near a bound).
    const bounds = (tests: ValueTest[]): number[] =>
      tests
        .flatMap((t) => (t.kind === 'exact-number' ? [t.value] : t.kind === 'numeric' ? [t.low, t.high] : []))
        .map((x) => (Number.isFinite(x) && Math.abs(x) < 1e8 ? x : 37.5));
    const millionths = (tests: ValueTest[]) =>
      fc
        .tuple(
          fc.constantFrom(...bounds(tests)),
          fc.integer({ min: -40, max: 40 }),
          fc.integer({ min: 7, max: 20 }),
        )
        .map(([x, steps, decimals]) => (x + steps * 1e-7).toFixed(decimals));
    const testSets = fc.array(fc.array(numberTest, { minLength: 1, maxLength: 3 }), {
      minLength: 1,
      maxLength: 3,
    });
    // Every spelling (one exponent sends the whole array to the full reader), and plain decimals
    // only (every long number is then kept as six decimals).
    const mixed = testSets.chain((sets) =>
      fc.tuple(fc.constant(sets), arrayOf(fc.oneof(text, near, millionths(sets.flat())))),
    );
    const plain = testSets.chain((sets) => fc.tuple(fc.constant(sets), arrayOf(millionths(sets.flat()))));
    fc.assert(
      fc.property(fc.oneof(mixed, plain), ([sets, text]) => {
        const values = (JSON.parse(text) as unknown[]).flat(Number.POSITIVE_INFINITY) as number[];
        const padded = `{"c":${text},"e":1}`;
        list.count = 0;
        expect(list.readArrays(padded, 5, 5 + text.length, reader)).toBe(true);
        expect(list.count).toBe(values.length);
        for (const tests of sets) {
          const want = values.some((v) => tests.some((test) => testValue(test, v)));
          expect(list.some(padded, tests, reader)).toBe(want);
        }
      }),
      { numRuns: 10000 },
    );
    list.count = 0;
    for (const other of ['[1.25,"x"]', '[[1],{"a":1}]', '[true]', '[null,2]']) {
      expect(list.readArrays(other, 0, other.length, reader)).toBe(false);
    }
  });

  it('reads the longest number and refuses texts that are not one', () => {
    const reader = new NumberText();
    const NUM = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    fc.assert(
      fc.property(fc.stringMatching(/^[-+0-9.eE]{1,12}$/), (text) => {
        NUM.lastIndex = 0;
        const matched = NUM.test(text);
        const ok = reader.read(text, 0);
        if (ok) {
          expect(matched).toBe(true);
          expect(reader.end).toBe(NUM.lastIndex);
          expect(Object.is(reader.exactValue(), Number(text.slice(0, reader.end)))).toBe(true);
        } else {
          // Refused: nothing matches, or the match stops before a dangling fraction or exponent.
          expect(!matched || /[.eE]/.test(text.charAt(NUM.lastIndex))).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('NumberSearch', () => {
  it('builds the searches of narrow ranges, and none where no common start exists', () => {
    expect(numberPrefix(37.75643003784772, 37.76643003784772)?.source).toBe(
      '(?<![-.0-9])37\\.7(?:5(?=[6-9])|6(?![7-9]))',
    );
    expect(numberPrefix(-122.48914211034774, -122.43914211034775)).toEqual({
      source: '-122\\.4(?:3(?=[9-9])|[4-7]|8)',
      length: 7,
    });
    // The low end 37.70… may be written "37.7": the search stops at the common digits.
    expect(numberPrefix(37.700001, 37.709)?.source).toBe('(?<![-.0-9])37\\.7');
    expect(numberPrefix(120.5, 129.3)?.source).toBe('(?<![-.0-9])12[0-9]');
    for (const [low, high] of [
      [-1, 1], // holds zero
      [0, 0.5], // touches zero
      [5, 15], // one and two integer digits
      [0.5, 1.5], // no common character
      [1e21, 2e21], // written with an exponent
      [1e-7, 2e-7],
      [Number.NEGATIVE_INFINITY, 3],
      [3, 2],
    ] as const) {
      expect(numberPrefix(low, high)).toBeUndefined();
    }
  });

  it('finds a passing number in plain number arrays exactly when one passes', () => {
    const reader = new NumberText();
    // Narrow ranges (what searches are built for) around doubles of many sizes, and exact numbers.
    const narrow: fc.Arbitrary<ValueTest> = fc
      .tuple(
        fc.double({ min: 1e-5, max: 1e19, noNaN: true }),
        fc.boolean(),
        fc.integer({ min: 1, max: 15 }),
        fc.double({ min: 0.5, max: 9.5, noNaN: true }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
      )
      .map(([magnitude, negative, k, scale, lowOpen, highOpen, exact]): ValueTest => {
        const x = negative ? -magnitude : magnitude;
        if (exact) return { kind: 'exact-number', value: x };
        const y = x + magnitude * scale * 10 ** -k;
        return { kind: 'numeric', low: Math.min(x, y), lowOpen, high: Math.max(x, y), highOpen };
      });
    // Numbers at, next to and between the bounds, and far off, in every spelling without exponent:
    // shortest, fixed (trailing zeros included), and longer than a double holds.
    const numberNear = (test: ValueTest): fc.Arbitrary<string> => {
      const [low, high] = test.kind === 'numeric' ? [test.low, test.high] : [0, 0];
      const ends = test.kind === 'exact-number' ? [test.value] : [low, high];
      const value = fc.oneof(
        fc.tuple(fc.constantFrom(...ends), fc.integer({ min: -3, max: 3 })).map(([b, steps]) => {
          let v = b;
          for (let i = 0; i < Math.abs(steps); i++) v = ulp(v, steps < 0 === v > 0);
          return v;
        }),
        fc
          .tuple(fc.constantFrom(...ends), fc.integer({ min: -9, max: 9 }), fc.integer({ min: 1, max: 18 }))
          .map(([b, steps, m]) => b + steps * Math.abs(b) * 10 ** -m),
        fc.double({ min: 0, max: 1, noNaN: true }).map((f) => low + f * (high - low)),
        double,
      );
      return fc
        .tuple(value, fc.nat(3), fc.integer({ min: 0, max: 20 }), fc.nat(99999999).map(String))
        .map(([v, form, digits, more]) => {
          const shortest = String(v);
          if (shortest.includes('e')) return '37.5';
          if (form === 0) return shortest;
          if (form === 1) return v.toFixed(digits);
          const precise = v.toPrecision(Math.max(1, digits));
          if (form === 2 && !precise.includes('e')) return precise;
          return shortest.includes('.') ? `${shortest}${more}` : `${shortest}.${more}`;
        });
    };
    let searched = 0;
    let found = 0;
    const runs = 20000;
    fc.assert(
      fc.property(
        narrow.chain((test) =>
          fc.tuple(fc.constant(test), arrayOf(numberNear(test)), arrayOf(numberNear(test))),
        ),
        ([test, text, after]) => {
          const search = NumberSearch.forTests([test]);
          if (search === undefined) return;
          searched++;
          const values = (JSON.parse(text) as unknown[]).flat(Number.POSITIVE_INFINITY) as number[];
          const want = values.some((v) => testValue(test, v));
          if (want) found++;
          // Numbers after the array must not count, however well they match.
          const padded = `{"c":${text},"d":${after}}`;
          expect(search.length).toBe(1);
          expect(search[0]?.find(padded, 5, 5 + text.length, reader)).toBe(want);
        },
      ),
      { numRuns: runs },
    );
    // The cases are not vacuous: most ranges get a search, and both answers come up often.
    expect(searched).toBeGreaterThan(runs * 0.6);
    expect(found).toBeGreaterThan(searched * 0.2);
    expect(found).toBeLessThan(searched * 0.8);
  });
});

describe('number conditions on parts read on demand', () => {
  it('agree with the reference evaluator on nested number arrays', () => {
    // `tag` is the only indexed condition, so `geo` is read only for candidates, from the text.
    const point = fc.array(fc.oneof(double, fc.constantFrom(-122.42, -122.41, 37.8, 37.80001, 37.8099999)), {
      minLength: 1,
      maxLength: 3,
    });
    const eventArb = fc.record({
      tag: fc.constantFrom('a', 'b'),
      geo: fc.record({
        kind: fc.constantFrom('Polygon', 'Point'),
        coords: fc.oneof(
          fc.array(fc.array(point, { maxLength: 4 }), { maxLength: 2 }),
          point,
          double,
          fc.array(fc.oneof(double, fc.constant('x'), fc.record({ v: double })), { maxLength: 3 }),
        ),
        first: fc.record({ x: double }),
      }),
    });
    const range = fc.oneof(
      fc
        .tuple(double, double, fc.constantFrom('>', '>='), fc.constantFrom('<', '<='))
        .map(([a, b, lo, hi]) => (a < b ? [lo, a, hi, b] : a === b ? ['=', a] : [lo, b, hi, a])),
      // Narrow ranges, which deferred arrays answer by a search of the text (NumberSearch).
      fc.constantFrom(
        ['>', 37.79, '<', 37.81],
        ['>=', -122.42, '<', -122.41],
        ['=', 37.8],
        ['>', 37.8, '<=', 37.80001],
      ),
    );
    const patternArb = fc.record({
      tag: fc.constant(['a']),
      geo: fc.record(
        {
          kind: fc.constant(['Polygon']),
          coords: fc.oneof(
            range.map((r) => [{ numeric: r }]),
            double.map((x) => [x]),
          ),
          first: fc.record({ x: range.map((r) => [{ numeric: r }]) }),
        },
        { requiredKeys: ['coords'] },
      ),
    });
    fc.assert(
      fc.property(
        fc.array(patternArb, { minLength: 1, maxLength: 4 }),
        fc.array(eventArb, { maxLength: 6 }),
        (patterns, events) => {
          const matcher = new PatternMatcher();
          const compiled = patterns.map((p) => compilePattern(p));
          compiled.forEach((c, i) => {
            matcher.add(`r${i}`, c);
          });
          for (const e of events) {
            // Events built with the coordinates' own spellings, as a JSON producer writes them.
            const text = JSON.stringify(e);
            const want = compiled.flatMap((c, i) => (matchesPattern(c, text) ? [`r${i}`] : []));
            expect(matcher.match(text)).toEqual(want);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
