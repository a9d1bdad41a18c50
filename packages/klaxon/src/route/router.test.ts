import { describe, expect, it } from 'vitest';
import { parseFindings } from '../findings/index.js';
import { MemoryStore } from '../store/memory.js';
import { ManualClock } from './clock.js';
import { isAcknowledgementEcho, materialChanges } from './material.js';
import { nextState } from './policy.js';
import { Router } from './router.js';
import type { RouteRule, SilenceSpec } from './rule.js';
import { guardDuty, receipt, sample } from './testdata/samples.js';

const GD = { source: ['aws.guardduty'] };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function setup(rules: RouteRule[], silences: SilenceSpec[] = []) {
  const store = new MemoryStore();
  const clock = new ManualClock('2026-03-01T00:00:00.000Z');
  const router = await Router.create({ rules, silences }, store, clock);
  const route = (event: Record<string, unknown>) =>
    router.route(event, receipt(event, clock.now().toISOString()));
  return { store, clock, router, route };
}

const kinds = (d: { notifications: readonly { kind: string }[] }) => d.notifications.map((n) => n.kind);

describe('dedup and re-notify', () => {
  it('announces a finding once per rule and output by default', async () => {
    const { route, store } = await setup([{ name: 'gd', pattern: GD, notify: ['a', 'b'] }]);
    const first = await route(guardDuty({}));
    expect(first.matched).toEqual(['gd']);
    expect(first.notifications.map((n) => [n.kind, n.output])).toEqual([
      ['new', 'a'],
      ['new', 'b'],
    ]);
    const again = await route(guardDuty({ eventId: 'another-event', count: 20000 }));
    expect(again.notifications).toEqual([]);
    expect(again.findings[0]?.outcomes[0]?.reason).toBe('already-announced');
    expect((await store.listDeliveries({})).length).toBe(2);
    const state = await store.findingState('gd', first.findings[0]!.finding.key);
    expect(state?.notifications).toBe(1);
  });

  it('gives a redelivered event the same idempotency keys (store keeps one copy)', async () => {
    const a = await setup([{ name: 'gd', pattern: GD, notify: ['a'] }]);
    const b = await setup([{ name: 'gd', pattern: GD, notify: ['a'] }]);
    const [na] = (await a.route(guardDuty({}))).notifications;
    const [nb] = (await b.route(guardDuty({}))).notifications;
    expect(na?.id).toBe(nb?.id);
    const [other] = (await b.router.decide(guardDuty({ id: 'x2' }))).notifications;
    expect(other?.id).not.toBe(na?.id);
  });

  it('escalates on a severity increase only when asked to', async () => {
    const { route } = await setup([
      { name: 'plain', pattern: GD, notify: ['o'] },
      { name: 'esc', pattern: GD, notify: ['o'], renotify: { on: ['severity-increase'] } },
    ]);
    await route(guardDuty({ severity: 5 }));
    const up = await route(guardDuty({ severity: 8, eventId: 'e2' }));
    expect(up.notifications.map((n) => [n.rule, n.kind])).toEqual([['esc', 'escalation']]);
    expect(up.notifications[0]?.previous?.severity?.score).toBe(5);
    const down = await route(guardDuty({ severity: 6, eventId: 'e3' }));
    expect(down.notifications).toEqual([]);
  });

  it('re-announces a count increase, at most once per cooldown', async () => {
    const { route, clock } = await setup([
      {
        name: 'cnt',
        pattern: GD,
        notify: ['o'],
        renotify: { on: ['count-increase'], cooldown: 10 * MINUTE },
      },
    ]);
    await route(guardDuty({ count: 1 }));
    clock.advance(MINUTE);
    const early = await route(guardDuty({ count: 2, eventId: 'e2' }));
    expect(early.notifications).toEqual([]);
    expect(early.findings[0]?.outcomes[0]?.reason).toBe('count-increase-in-cooldown');
    clock.advance(10 * MINUTE);
    const late = await route(guardDuty({ count: 3, eventId: 'e3' }));
    expect(kinds(late)).toEqual(['update']);
    expect(late.notifications[0]?.previous?.count).toBe(1);
    clock.advance(MINUTE);
    expect(kinds(await route(guardDuty({ count: 3, eventId: 'e4' })))).toEqual([]);
  });

  it('repeats after `every` when the finding is seen again', async () => {
    const { route, clock } = await setup([
      { name: 'r', pattern: GD, notify: ['o'], renotify: { every: 24 * HOUR } },
    ]);
    await route(guardDuty({}));
    clock.advance(23 * HOUR);
    expect(kinds(await route(guardDuty({ eventId: 'e2' })))).toEqual([]);
    clock.advance(2 * HOUR);
    expect(kinds(await route(guardDuty({ eventId: 'e3' })))).toEqual(['repeat']);
    clock.advance(HOUR);
    expect(kinds(await route(guardDuty({ eventId: 'e4' })))).toEqual([]);
  });
});

describe('Security Hub lifecycle', () => {
  const SH = { source: ['aws.securityhub'] };
  const NEW_FAILED = 'securityhub/asr--cis-1.2.0_1.3--MEDIUM_FAILED_NEW.json';

  /** The same finding as Security Hub re-emits it after a BatchUpdateFindings (Workflow.Status NOTIFIED). */
  function acknowledged(changes: (f: Record<string, unknown>) => void = () => {}) {
    const event = sample(NEW_FAILED);
    event.id = 'after-batch-update-findings';
    const finding = (event.detail.findings as Record<string, unknown>[])[0]!;
    finding.Workflow = { Status: 'NOTIFIED' };
    finding.WorkflowState = 'NOTIFIED';
    finding.UpdatedAt = '2021-11-01T10:05:00.000Z';
    finding.Note = {
      Text: 'Announced by Klaxon',
      UpdatedBy: 'klaxon',
      UpdatedAt: '2021-11-01T10:05:00.000Z',
    };
    changes(finding);
    return event;
  }

  it('defines material: workflow moving to NOTIFIED with nothing else changed is an echo', () => {
    const [before] = parseFindings(sample(NEW_FAILED));
    const [after] = parseFindings(acknowledged());
    const state = nextState('r', undefined, before!, 'new', new Date())!;
    expect(materialChanges(state, after!)).toEqual([]);
    expect(isAcknowledgementEcho(state, after!)).toBe(true);
    const [raised] = parseFindings(
      acknowledged((f) => {
        f.Severity = { Label: 'HIGH', Normalized: 70 };
      }),
    );
    expect(materialChanges(state, raised!)).toEqual(['severity']);
    expect(isAcknowledgementEcho(state, raised!)).toBe(false);
    const [passed] = parseFindings(
      acknowledged((f) => {
        f.Compliance = { Status: 'PASSED' };
      }),
    );
    expect(materialChanges(state, passed!)).toEqual(['compliance']);
  });

  it('never re-announces the echo of its own workflow change, even past `every`', async () => {
    const { route, clock } = await setup([
      {
        name: 'sh',
        pattern: SH,
        notify: ['o'],
        renotify: { on: ['severity-increase', 'resolved'], every: HOUR },
      },
    ]);
    expect(kinds(await route(sample(NEW_FAILED)))).toEqual(['new']);
    clock.advance(2 * HOUR);
    const echo = await route(acknowledged());
    expect(kinds(echo)).toEqual([]);
    expect(echo.findings[0]?.outcomes[0]?.reason).toBe('acknowledgement-echo');
    // A real change that arrives together with NOTIFIED is still news.
    const raised = await route(
      acknowledged((f) => {
        f.Severity = { Label: 'HIGH', Normalized: 70 };
      }),
    );
    expect(kinds(raised)).toEqual(['escalation']);
  });

  it('announces resolution when configured, and a reopened finding as new', async () => {
    const { route } = await setup([
      { name: 'sh', pattern: SH, notify: ['o'], renotify: { on: ['resolved'] } },
    ]);
    await route(sample(NEW_FAILED));
    const resolved = await route(
      acknowledged((f) => {
        f.Compliance = { Status: 'PASSED' };
      }),
    );
    expect(kinds(resolved)).toEqual(['resolved']);
    const reopened = await route(sample(NEW_FAILED));
    expect(kinds(reopened)).toEqual(['new']);
    expect(reopened.findings[0]?.outcomes[0]?.reason).toBe('reopened');
  });

  it('does not announce a finding first seen already resolved', async () => {
    const { route } = await setup([{ name: 'sh', pattern: SH, notify: ['o'] }]);
    const d = await route(sample('securityhub/asr--fsbp_S3.2--INFORMATIONAL_PASSED_RESOLVED.json'));
    expect(d.matched).toEqual(['sh']);
    expect(kinds(d)).toEqual([]);
    expect(d.findings[0]?.outcomes[0]?.reason).toBe('resolved-on-first-sight');
  });
});

describe('silences', () => {
  it('records a silenced finding (event, audit) without announcing it', async () => {
    const { route, store } = await setup(
      [{ name: 'gd', pattern: GD, notify: ['o'] }],
      [{ pattern: { account: ['884003976652'] }, until: '2026-12-31T00:00:00Z', reason: 'sandbox' }],
    );
    const d = await route(guardDuty({}));
    expect(d.silenced).toBe(true);
    expect(d.matched).toEqual(['gd']);
    expect(d.notifications).toEqual([]);
    expect(await store.listDeliveries({})).toEqual([]);
    expect((await store.listEvents({})).length).toBe(1);
    const audit = await store.listAudit({});
    expect(audit.map((a) => [a.action, a.target])).toEqual([['silence', d.findings[0]!.finding.key]]);
    expect(d.findings[0]?.silencedBy).toHaveLength(1);
  });

  it('honours from/until and announces a finding once its silence is over', async () => {
    const { route, clock } = await setup(
      [{ name: 'gd', pattern: GD, notify: ['o'] }],
      [
        {
          pattern: { source: ['aws.guardduty'] },
          from: '2026-03-01T01:00:00Z',
          until: '2026-03-01T02:00:00Z',
          reason: 'maintenance',
        },
      ],
    );
    clock.set('2026-03-01T01:30:00Z');
    expect((await route(guardDuty({ id: 'in-window' }))).silenced).toBe(true);
    clock.set('2026-03-01T02:00:00Z');
    expect(kinds(await route(guardDuty({ id: 'in-window', eventId: 'later' })))).toEqual(['new']);
  });

  it('adds and removes run-time silences, validating the pattern', async () => {
    const { router, route, store } = await setup([{ name: 'gd', pattern: GD, notify: ['o'] }]);
    await expect(
      router.addSilence({ pattern: { source: 'not-a-list' }, until: '2027-01-01', reason: 'x' }),
    ).rejects.toThrow(/pattern: Event pattern is not valid/);
    await expect(router.addSilence({ pattern: GD, until: '2020-01-01', reason: 'x' })).rejects.toThrow(
      /until/,
    );
    const s = await router.addSilence({
      pattern: GD,
      until: '2027-01-01T00:00:00Z',
      reason: 'noisy',
      author: 'ana',
    });
    expect((await route(guardDuty({ id: 'a1' }))).silenced).toBe(true);
    expect(await router.removeSilence(s.id)).toBe(true);
    expect(kinds(await route(guardDuty({ id: 'a1', eventId: 'again' })))).toEqual(['new']);
    const audit = (await store.listAudit({})).map((a) => a.action);
    expect(audit).toEqual(expect.arrayContaining(['silence-add', 'silence-remove']));
  });

  it('picks up silences written by another process', async () => {
    const { router, route, store } = await setup([{ name: 'gd', pattern: GD, notify: ['o'] }]);
    await store.putSilence({
      id: 'from-cli',
      pattern: GD,
      until: '2027-01-01T00:00:00.000Z',
      reason: 'cli',
      createdAt: '2026-03-01T00:00:00.000Z',
      origin: 'api',
    });
    expect((await route(guardDuty({ id: 'b1' }))).silenced).toBe(false);
    await router.refreshSilences();
    expect((await route(guardDuty({ id: 'b2' }))).silenced).toBe(true);
  });
});

describe('rules', () => {
  it('skips disabled rules and routes to every matching rule', async () => {
    const { route } = await setup([
      { name: 'off', enabled: false, pattern: GD, notify: ['o'] },
      { name: 'low', pattern: { detail: { severity: [{ numeric: ['<', 4] }] } }, notify: ['o'] },
      { name: 'high', pattern: { detail: { severity: [{ numeric: ['>=', 7] }] } }, notify: ['o'] },
      { name: 'all', pattern: GD, notify: ['o'] },
    ]);
    expect((await route(guardDuty({ severity: 2 }))).matched).toEqual(['low', 'all']);
  });

  it('applies the rule input transformer and per-output template', async () => {
    const { route } = await setup([
      {
        name: 'tx',
        pattern: GD,
        notify: ['mail', 'hook'],
        transform: {
          inputPathsMap: { t: '$.detail.type' },
          inputTemplate: '"Finding <t> in <aws.events.rule-name>"',
        },
        templates: { mail: 'Severity {{finding.severity}}' },
      },
    ]);
    const d = await route(guardDuty({}));
    expect(d.notifications.map((n) => n.transformed)).toEqual([
      '"Finding Recon:EC2/PortProbeUnprotectedPort in tx"',
      '"Finding Recon:EC2/PortProbeUnprotectedPort in tx"',
    ]);
    expect(d.notifications.map((n) => n.template)).toEqual(['Severity {{finding.severity}}', undefined]);
  });

  it('plans actions (dry-run by default) only when a finding is announced as new or escalated', async () => {
    const { route, store } = await setup([
      {
        name: 'act',
        pattern: GD,
        notify: ['o'],
        renotify: { every: 0 },
        actions: [{ type: 'ec2-isolate', securityGroup: 'sg-12345678' }],
      },
    ]);
    const d = await route(guardDuty({}));
    expect(d.actions).toEqual([
      {
        rule: 'act',
        type: 'ec2-isolate',
        findingKey: d.findings[0]!.finding.key,
        plan: { securityGroup: 'sg-12345678', dryRun: true },
      },
    ]);
    expect((await store.listAudit({})).map((a) => [a.action, a.result, a.dryRun])).toEqual([
      ['ec2-isolate', 'planned', true],
    ]);
    const repeat = await route(guardDuty({ eventId: 'e2' }));
    expect(kinds(repeat)).toEqual(['repeat']);
    expect(repeat.actions).toEqual([]);
  });

  it('adds grouped findings to their group instead of announcing them', async () => {
    const { route } = await setup([
      {
        name: 'grp',
        pattern: GD,
        notify: ['o'],
        group: { by: ['account'], wait: 30_000, interval: 300_000 },
      },
    ]);
    const d = await route(guardDuty({ account: '111122223333' }));
    expect(d.notifications).toEqual([]);
    expect(d.batch.groupAdds?.map((g) => [g.labels, g.flushAt])).toEqual([
      [{ account: '111122223333' }, '2026-03-01T00:00:30.000Z'],
    ]);
    expect(d.findings[0]?.outcomes[0]?.kind).toBe('new');
  });

  it('announces a finding once even when its events arrive concurrently', async () => {
    const { route, store } = await setup([{ name: 'gd', pattern: GD, notify: ['o'] }]);
    const burst = await Promise.all(
      Array.from({ length: 8 }, (_, i) => route(guardDuty({ eventId: `dup-${i}`, count: 100 + i }))),
    );
    expect(burst.flatMap((d) => d.notifications)).toHaveLength(1);
    expect(await store.listDeliveries({})).toHaveLength(1);
  });
});
