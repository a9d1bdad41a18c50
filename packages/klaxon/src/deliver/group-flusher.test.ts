import { describe, expect, it } from 'vitest';
import { ManualClock } from '../route/clock.js';
import { Router } from '../route/router.js';
import type { RouteRule } from '../route/rule.js';
import { guardDuty, receipt } from '../route/testdata/samples.js';
import { MemoryStore } from '../store/memory.js';
import { GroupFlusher } from './group-flusher.js';

const RULE: RouteRule = {
  name: 'burst',
  pattern: { source: ['aws.guardduty'] },
  notify: ['hook', 'mail'],
  group: { by: ['account'], wait: 30_000, interval: 300_000 },
};

async function setup() {
  const store = new MemoryStore();
  const clock = new ManualClock('2026-03-01T00:00:00.000Z');
  const router = await Router.create({ rules: [RULE] }, store, clock);
  const flusher = new GroupFlusher(store, clock, [RULE]);
  const route = (e: Record<string, unknown>) => router.route(e, receipt(e, clock.now().toISOString()));
  const digests = async () =>
    (await store.listDeliveries({})).filter((d) => d.notification.kind === 'digest' && d.output === 'hook');
  return { store, clock, flusher, route, digests };
}

describe('GroupFlusher', () => {
  it('turns a burst into one digest per group and output after `wait`, losing nothing', async () => {
    const { clock, flusher, route, digests, store } = await setup();
    const accounts = ['111111111111', '222222222222'];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => route(guardDuty({ id: `f${i}`, account: accounts[i % 2]! }))),
    );
    expect(await flusher.flushDue()).toBe(0);
    clock.advance(29_999);
    expect(await flusher.flushDue()).toBe(0);
    clock.advance(1);
    expect(await flusher.flushDue()).toBe(4); // 2 groups × 2 outputs
    const hook = await digests();
    expect(hook).toHaveLength(2);
    const byAccount = Object.fromEntries(
      hook.map((d) => [d.notification.group?.labels.account, d.notification.findings.map((f) => f.raw)]),
    );
    expect(Object.keys(byAccount).sort()).toEqual(accounts);
    const ids = hook.flatMap((d) => d.notification.findings.map((f) => (f.raw as { id: string }).id)).sort();
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => `f${i}`).sort());
    expect((await store.listDeliveries({})).length).toBe(4);
  });

  it('sends later findings of a group at most once per `interval`', async () => {
    const { clock, flusher, route, digests } = await setup();
    await route(guardDuty({ id: 'a', account: '111111111111' }));
    clock.advance(30_000);
    await flusher.flushDue();
    await route(guardDuty({ id: 'b', account: '111111111111' }));
    clock.advance(60_000);
    expect(await flusher.flushDue()).toBe(0);
    await route(guardDuty({ id: 'c', account: '111111111111' }));
    clock.advance(240_000);
    expect(await flusher.flushDue()).toBe(2);
    const hook = await digests();
    expect(hook.map((d) => d.notification.findings.map((f) => (f.raw as { id: string }).id))).toEqual(
      expect.arrayContaining([['a'], ['b', 'c']]),
    );
  });

  it('flushes what a removed rule collected once and forgets the group', async () => {
    const { store, clock, route } = await setup();
    await route(guardDuty({ id: 'a' }));
    clock.advance(30_000);
    const flusher = new GroupFlusher(store, clock, []);
    expect(await flusher.flushDue()).toBe(0);
    expect(await store.dueGroups(clock.now().toISOString())).toEqual([]);
  });
});
