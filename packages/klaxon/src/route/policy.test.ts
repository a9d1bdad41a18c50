import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testFinding } from '../outputs/testdata/notifications.js';
import type { FindingState } from '../store/ports.js';
import { nextState, verdict } from './policy.js';
import type { RenotifyPolicy } from './rule.js';

/** One sighting: severity score, count, statuses, and how much time passed since the last one. */
const sighting: fc.Arbitrary<Sighting> = fc.record({
  score: fc.double({ min: 0, max: 10, noNaN: true }),
  count: fc.integer({ min: 1, max: 50 }),
  workflow: fc.constantFrom('NEW', 'NOTIFIED', undefined),
  compliance: fc.constantFrom('FAILED', 'WARNING', undefined),
  gapMs: fc.integer({ min: 0, max: 3 * 86_400_000 }),
});

const policy: fc.Arbitrary<RenotifyPolicy | undefined> = fc.option(
  fc.record(
    {
      on: fc.subarray(['severity-increase', 'count-increase'] as const),
      every: fc.integer({ min: 1, max: 86_400_000 }),
      cooldown: fc.integer({ min: 0, max: 86_400_000 }),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

interface Sighting {
  readonly score: number;
  readonly count: number;
  readonly workflow: string | undefined;
  readonly compliance: string | undefined;
  readonly gapMs: number;
}

function replay(sightings: readonly Sighting[], p: RenotifyPolicy | undefined) {
  let state: FindingState | undefined;
  let t = Date.parse('2026-01-01T00:00:00Z');
  const kinds: (string | undefined)[] = [];
  for (const s of sightings) {
    t += s.gapMs;
    const finding = testFinding({
      severity: { score: s.score, label: 'MEDIUM' },
      count: s.count,
      ...(s.workflow === undefined ? {} : { workflowStatus: s.workflow }),
      ...(s.compliance === undefined ? {} : { complianceStatus: s.compliance }),
    });
    const v = verdict(state, finding, p, new Date(t));
    kinds.push(v.kind);
    state = nextState('r', state, finding, v.kind, new Date(t));
  }
  return { kinds, state };
}

describe('re-notify policy (properties)', () => {
  it('without a policy, a finding that never resolves is announced exactly once', () => {
    fc.assert(
      fc.property(fc.array(sighting, { minLength: 1, maxLength: 30 }), (ss) => {
        const { kinds, state } = replay(ss, undefined);
        expect(kinds[0]).toBe('new');
        expect(kinds.slice(1).every((k) => k === undefined)).toBe(true);
        expect(state?.notifications).toBe(1);
      }),
    );
  });

  it('only announces kinds its policy allows, and counts every announcement', () => {
    fc.assert(
      fc.property(fc.array(sighting, { minLength: 1, maxLength: 30 }), policy, (ss, p) => {
        const { kinds, state } = replay(ss, p);
        const allowed = new Set<string | undefined>(['new', undefined]);
        if (p?.on?.includes('severity-increase')) allowed.add('escalation');
        if (p?.on?.includes('count-increase')) allowed.add('update');
        if (p?.every !== undefined) allowed.add('repeat');
        for (const k of kinds) expect(allowed.has(k)).toBe(true);
        expect(state?.notifications).toBe(kinds.filter((k) => k !== undefined).length);
      }),
    );
  });

  it('an escalation always carries a severity above the last announced one', () => {
    fc.assert(
      fc.property(fc.array(sighting, { minLength: 2, maxLength: 30 }), (ss) => {
        let last = Number.NEGATIVE_INFINITY;
        const { kinds } = replay(ss, { on: ['severity-increase'] });
        kinds.forEach((k, i) => {
          const score = ss[i]!.score;
          if (k === 'escalation') expect(score).toBeGreaterThan(last);
          if (k !== undefined) last = score;
        });
      }),
    );
  });
});

describe('nextState on a first sighting', () => {
  const now = new Date('2026-11-25T12:00:00.000Z');
  const finding = testFinding();

  it('remembers an announced finding with one notification of that kind', () => {
    expect(nextState('r', undefined, finding, 'new', now)).toMatchObject({
      rule: 'r',
      key: finding.key,
      firstNotifiedAt: now.toISOString(),
      lastKind: 'new',
      notifications: 1,
    });
  });

  it('remembers a finding it did not announce with no notification, as if last told resolved', () => {
    expect(nextState('r', undefined, finding, undefined, now)).toMatchObject({
      rule: 'r',
      key: finding.key,
      lastSeenAt: now.toISOString(),
      lastKind: 'resolved',
      notifications: 0,
    });
  });
});
