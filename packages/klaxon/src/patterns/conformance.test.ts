import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePattern, matchesPattern, PatternError, PatternMatcher } from './index.js';

/** A case of ../shared/conformance/eventbridge-patterns.*.json (format in PROVENANCE.md). */
export interface PatternCase {
  name: string;
  pattern?: unknown;
  patternText?: string;
  event?: unknown;
  eventText?: string;
  expected: 'match' | 'no-match' | 'invalid';
  error?: string;
  oracleError?: string;
  caveat?: string;
}

/** Loads one of the shared pattern conformance files. */
export function loadCases(file: string): PatternCase[] {
  const url = new URL(`../../../../../shared/conformance/${file}`, import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as PatternCase[];
}

// Deviations from AWS's recorded answer, each with its reason. Every one is still asserted below
// to be what it is, so a change in behaviour shows up as a failure, never as a silent skip.
const EXCEPTIONS: Record<string, { reason: string; check: (c: PatternCase) => void }> = {
  content_wildcard_complex_EXC: {
    reason:
      'AWS rejects "*:*:*:*:*:event-bus/*" with its undocumented wildcard-complexity limit ' +
      '("Rule is too complex ..."). The limit is a service setting over event-ruler\'s internal automaton ' +
      'and is not reproduced; Klaxon accepts the pattern.',
    check: (c) => {
      const compiled = compilePattern(c.patternText ?? c.pattern);
      expect(compiled.branches.length).toBe(1);
    },
  },
};

function check(c: PatternCase, errorField: 'error' | 'oracleError'): void {
  const pattern = c.patternText ?? c.pattern;
  const event = c.eventText ?? c.event;
  if (c.expected === 'invalid') {
    let thrown: unknown;
    try {
      compilePattern(pattern);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PatternError);
    expect((thrown as PatternError).message).toBe(c[errorField]);
    return;
  }
  const compiled = compilePattern(pattern);
  const expected = c.expected === 'match';
  expect(matchesPattern(compiled, event)).toBe(expected);
  const matcher = new PatternMatcher();
  matcher.add('rule', compiled);
  expect(matcher.match(event)).toEqual(expected ? ['rule'] : []);
}

describe('conformance: eventbridge-patterns.aws.json (recorded from AWS)', () => {
  const cases = loadCases('eventbridge-patterns.aws.json');
  it('has the 177 cases PROVENANCE.md describes', () => {
    expect(cases.length).toBe(177);
  });
  for (const c of cases) {
    const exception = EXCEPTIONS[c.name];
    if (exception !== undefined) {
      it(`${c.name} — listed exception: ${exception.reason}`, () => exception.check(c));
    } else {
      it(`${c.name} (${c.expected})`, () => check(c, 'error'));
    }
  }
});

describe('conformance: eventbridge-patterns.event-ruler.json (event-ruler as oracle)', () => {
  const cases = loadCases('eventbridge-patterns.event-ruler.json');
  it('has the 88 cases PROVENANCE.md describes', () => {
    expect(cases.length).toBe(88);
  });
  for (const c of cases) {
    it(`${c.name} (${c.expected}${c.caveat === undefined ? '' : ', array consistency'})`, () =>
      check(c, 'oracleError'));
  }
});

describe('all cases through one matcher', () => {
  it('a matcher holding every valid pattern at once answers each case as the pattern alone does', () => {
    const cases = [
      ...loadCases('eventbridge-patterns.aws.json'),
      ...loadCases('eventbridge-patterns.event-ruler.json'),
    ];
    const matcher = new PatternMatcher();
    const compiled = new Map<string, ReturnType<typeof compilePattern>>();
    for (const c of cases) {
      if (c.expected === 'invalid') continue;
      const p = compilePattern(c.patternText ?? c.pattern);
      compiled.set(c.name, p);
      matcher.add(c.name, p);
    }
    for (const c of cases) {
      const event = c.eventText ?? c.event;
      const want = [...compiled].filter(([, p]) => matchesPattern(p, event)).map(([n]) => n);
      expect(matcher.match(event)).toEqual(want);
      if (compiled.has(c.name)) expect(want.includes(c.name)).toBe(c.expected === 'match');
    }
  });
});
