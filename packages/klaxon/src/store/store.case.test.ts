import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { MemoryStore } from './memory.js';
import type { Delivery, Store } from './ports.js';
import { SqliteStore } from './sqlite.js';
import { ThreadedSqliteStore } from './sqlite-threaded.js';
import {
  archivedEvent,
  at,
  auditRecord,
  delivery,
  finding,
  findingState,
  notification,
  silence,
} from './testdata/builders.js';

/**
 * The contract every Store adapter must meet. An adapter joins with one line at the bottom:
 * `describeStore('name', () => open a fresh, empty store)`.
 */
export function describeStore(name: string, open: () => Store | Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const ids = (deliveries: readonly Delivery[]) => deliveries.map((d) => d.id);

    describe('commit', () => {
      it('stores every kind of row and reads each back equal', async () => {
        const f = finding('gk-1');
        await store.commit({
          events: [archivedEvent('e1'), archivedEvent('e2', { status: 'rejected', reason: 'not JSON' })],
          states: [findingState('rule-a', 'k1', { status: 'NEW' })],
          deliveries: [delivery('d1', { lastError: 'earlier' })],
          groupAdds: [{ key: 'g1', rule: 'rule-a', labels: { account: '1' }, finding: f, flushAt: at(30) }],
          audit: [auditRecord('a1')],
        });
        expect(await store.listEvents({})).toEqual([
          archivedEvent('e2', { status: 'rejected', reason: 'not JSON' }),
          archivedEvent('e1'),
        ]);
        expect(await store.findingState('rule-a', 'k1')).toEqual(
          findingState('rule-a', 'k1', { status: 'NEW' }),
        );
        expect(await store.findingState('rule-b', 'k1')).toBeUndefined();
        expect(await store.getDelivery('d1')).toEqual(delivery('d1', { lastError: 'earlier' }));
        expect(await store.getDelivery('nope')).toBeUndefined();
        expect(await store.dueGroups(at(30))).toEqual([
          { key: 'g1', rule: 'rule-a', labels: { account: '1' }, pending: [f], flushAt: at(30) },
        ]);
        expect(await store.listAudit({})).toEqual([auditRecord('a1')]);
      });

      it('accepts an empty batch', async () => {
        await store.commit({});
        expect(await store.stats()).toEqual({
          deliveries: { pending: 0, sent: 0, dead: 0 },
          events: { accepted: 0, rejected: 0 },
        });
      });

      it('writes nothing when a batch repeats an event id', async () => {
        const batch = {
          events: [archivedEvent('e1'), archivedEvent('e1')],
          states: [findingState('rule-a', 'k1')],
          deliveries: [delivery('d1')],
          groupAdds: [{ key: 'g1', rule: 'rule-a', labels: {}, finding: finding('x'), flushAt: at(0) }],
          audit: [auditRecord('a1')],
        };
        await expect(store.commit(batch)).rejects.toBeInstanceOf(StoreError);
        expect(await store.listEvents({})).toEqual([]);
        expect(await store.findingState('rule-a', 'k1')).toBeUndefined();
        expect(await store.getDelivery('d1')).toBeUndefined();
        expect(await store.dueGroups(at(100))).toEqual([]);
        expect(await store.listAudit({})).toEqual([]);
      });

      it('rolls back every earlier row when the last row of a batch conflicts', async () => {
        await store.commit({
          audit: [auditRecord('a1')],
          states: [findingState('rule-a', 'k1', { count: 1 })],
        });
        const failing = store.commit({
          events: [archivedEvent('e1')],
          states: [findingState('rule-a', 'k1', { count: 9 })],
          deliveries: [delivery('d1')],
          groupAdds: [{ key: 'g1', rule: 'rule-a', labels: {}, finding: finding('x'), flushAt: at(0) }],
          audit: [auditRecord('a2'), auditRecord('a1')],
        });
        await expect(failing).rejects.toBeInstanceOf(StoreError);
        expect(await store.listEvents({})).toEqual([]);
        expect((await store.findingState('rule-a', 'k1'))?.count).toBe(1);
        expect(await store.getDelivery('d1')).toBeUndefined();
        expect(await store.dueGroups(at(100))).toEqual([]);
        expect(await store.listAudit({})).toEqual([auditRecord('a1')]);
        // The store is still usable afterwards.
        await store.commit({ events: [archivedEvent('e1')] });
        expect(await store.listEvents({})).toHaveLength(1);
      });

      it('rejects an invalid time naming its path, writing nothing', async () => {
        const failing = store.commit({
          events: [archivedEvent('e1')],
          deliveries: [delivery('d1'), delivery('d2', { nextAttemptAt: 'tomorrow' })],
        });
        await expect(failing).rejects.toThrow(/deliveries\[1\]\.nextAttemptAt/);
        expect(await store.listEvents({})).toEqual([]);
        expect(await store.getDelivery('d1')).toBeUndefined();
      });

      it('rejects a delivery whose id is not its notification id', async () => {
        const bad = { ...delivery('d1'), notification: notification('other') };
        await expect(store.commit({ deliveries: [bad] })).rejects.toThrow(
          /deliveries\[0\]\.notification\.id/,
        );
      });

      it('keeps the original delivery when the same id is committed again', async () => {
        await store.commit({ deliveries: [delivery('d1', { output: 'hook' })] });
        await store.recordOutcome('d1', { kind: 'sent', at: at(5), ref: 'ts-1' });
        const before = await store.getDelivery('d1');
        await store.commit({
          deliveries: [delivery('d1', { output: 'other', createdAt: at(9), updatedAt: at(9) })],
        });
        expect(await store.getDelivery('d1')).toEqual(before);
        expect(before?.state).toBe('sent');
        await store.commit({
          deliveries: [delivery('d2', { attempts: 0 }), delivery('d2', { attempts: 7 })],
        });
        expect((await store.getDelivery('d2'))?.attempts).toBe(0);
      });

      it('replaces a finding state on a later commit', async () => {
        await store.commit({ states: [findingState('rule-a', 'k1')] });
        const escalated = findingState('rule-a', 'k1', {
          severity: { score: 8, label: 'HIGH' },
          lastKind: 'escalation',
          notifications: 2,
          lastNotifiedAt: at(60),
          lastSeenAt: at(60),
        });
        await store.commit({ states: [escalated] });
        expect(await store.findingState('rule-a', 'k1')).toEqual(escalated);
      });

      it('never lets a caller mutate stored values through a returned object', async () => {
        await store.commit({ deliveries: [delivery('d1')], states: [findingState('rule-a', 'k1')] });
        const got = (await store.getDelivery('d1')) as unknown as { notification: { findings: unknown[] } };
        got.notification.findings.length = 0;
        expect((await store.getDelivery('d1'))?.notification.findings).toHaveLength(1);
        const state = (await store.findingState('rule-a', 'k1')) as { count: number };
        state.count = 99;
        expect((await store.findingState('rule-a', 'k1'))?.count).toBe(1);
      });
    });

    describe('claimDeliveries', () => {
      it('takes only due pending rows, earliest first, up to the limit', async () => {
        await store.commit({
          deliveries: [
            delivery('late', { nextAttemptAt: at(100) }),
            delivery('b', { nextAttemptAt: '2026-01-01T00:00:01Z' }),
            delivery('a', { nextAttemptAt: '2026-01-01T00:00:00.500Z' }),
            delivery('c', { nextAttemptAt: at(1) }),
            delivery('sent', { state: 'sent' }),
            delivery('dead', { state: 'dead' }),
          ],
        });
        // Times compare as instants, not text ('…:01Z' sorts after '…:00.500Z' as text too, but
        // '…:01Z' vs '…:01.000Z' would not).
        expect(ids(await store.claimDeliveries(at(10), 2, 30_000))).toEqual(['a', 'b']);
        expect(ids(await store.claimDeliveries(at(10), 10, 30_000))).toEqual(['c']);
        expect(await store.claimDeliveries(at(10), 10, 30_000)).toEqual([]);
      });

      it('returns the row unchanged by the lease', async () => {
        await store.commit({ deliveries: [delivery('d1')] });
        expect(await store.claimDeliveries(at(1), 1, 1000)).toEqual([delivery('d1')]);
      });

      it('makes a leased row due again when the lease expires', async () => {
        await store.commit({ deliveries: [delivery('d1')] });
        expect(ids(await store.claimDeliveries(at(0), 5, 10_000))).toEqual(['d1']);
        expect(await store.claimDeliveries(at(9.999), 5, 10_000)).toEqual([]);
        expect(ids(await store.claimDeliveries(at(10), 5, 10_000))).toEqual(['d1']);
        expect(await store.claimDeliveries(at(15), 5, 10_000)).toEqual([]);
      });

      it('leaves a row committed with leasedUntil to its committer until then, and returns it without it', async () => {
        await store.commit({
          deliveries: [
            { ...delivery('held'), leasedUntil: at(30) },
            { ...delivery('due-later'), nextAttemptAt: at(50), leasedUntil: at(30) },
          ],
        });
        expect(await store.claimDeliveries(at(29.999), 5, 1000)).toEqual([]);
        expect(await store.claimDeliveries(at(30), 5, 100_000)).toEqual([delivery('held')]);
        // A lease shorter than the wait for the next attempt does not make it due early.
        expect(await store.claimDeliveries(at(49), 5, 1000)).toEqual([]);
        expect(ids(await store.claimDeliveries(at(50), 5, 1000))).toEqual(['due-later']);
        await expect(
          store.commit({ deliveries: [{ ...delivery('bad'), leasedUntil: 'soon' }] }),
        ).rejects.toThrow(/deliveries\[0\]\.leasedUntil: expected an ISO-8601 time/);
      });

      it('rejects a bad limit or lease', async () => {
        await expect(store.claimDeliveries(at(0), 0, 1000)).rejects.toBeInstanceOf(StoreError);
        await expect(store.claimDeliveries(at(0), 1, -5)).rejects.toBeInstanceOf(StoreError);
        await expect(store.claimDeliveries('now', 1, 1000)).rejects.toThrow(/now/);
      });
    });

    describe('recordOutcome and threadRef', () => {
      it('marks a sent delivery and keeps the first successful ref per finding key and output', async () => {
        await store.commit({
          deliveries: [
            delivery('d1', { findingKey: 'fk' }),
            delivery('d2', { findingKey: 'fk' }),
            delivery('d3', { findingKey: 'fk', output: 'slack' }),
            delivery('d4', { findingKey: 'other' }),
          ],
        });
        expect(await store.threadRef('fk', 'hook')).toBeUndefined();
        await store.recordOutcome('d4', { kind: 'sent', at: at(1) });
        await store.recordOutcome('d1', { kind: 'sent', at: at(2), ref: 'first' });
        await store.recordOutcome('d2', { kind: 'sent', at: at(3), ref: 'second' });
        expect(await store.getDelivery('d1')).toEqual(
          delivery('d1', { findingKey: 'fk', state: 'sent', attempts: 1, updatedAt: at(2), ref: 'first' }),
        );
        expect(await store.threadRef('fk', 'hook')).toBe('first');
        expect(await store.threadRef('fk', 'slack')).toBeUndefined();
        expect(await store.threadRef('other', 'hook')).toBeUndefined();
      });

      it('reschedules on retry and clears the lease', async () => {
        await store.commit({ deliveries: [delivery('d1')] });
        await store.claimDeliveries(at(0), 1, 60_000);
        await store.recordOutcome('d1', {
          kind: 'retry',
          at: at(1),
          error: 'HTTP 500',
          nextAttemptAt: at(5),
        });
        expect(await store.getDelivery('d1')).toEqual(
          delivery('d1', { attempts: 1, nextAttemptAt: at(5), updatedAt: at(1), lastError: 'HTTP 500' }),
        );
        expect(await store.claimDeliveries(at(4), 1, 60_000)).toEqual([]);
        expect(ids(await store.claimDeliveries(at(5), 1, 60_000))).toEqual(['d1']);
      });

      it('dead-letters, lists and retries a delivery with a fresh attempt count', async () => {
        await store.commit({ deliveries: [delivery('d1'), delivery('d2')] });
        await store.recordOutcome('d1', {
          kind: 'retry',
          at: at(1),
          error: 'HTTP 500',
          nextAttemptAt: at(2),
        });
        await store.recordOutcome('d1', { kind: 'dead', at: at(3), error: 'HTTP 400' });
        expect(await store.getDelivery('d1')).toMatchObject({
          state: 'dead',
          attempts: 2,
          lastError: 'HTTP 400',
        });
        expect(ids(await store.listDeliveries({ state: 'dead' }))).toEqual(['d1']);
        expect(ids(await store.claimDeliveries(at(10), 10, 60_000))).toEqual(['d2']);
        expect(await store.retryDelivery('d1', at(20))).toBe(true);
        expect(await store.getDelivery('d1')).toMatchObject({
          state: 'pending',
          attempts: 0,
          nextAttemptAt: at(20),
          updatedAt: at(20),
        });
        expect(await store.claimDeliveries(at(19), 10, 1000)).toEqual([]);
        expect(ids(await store.claimDeliveries(at(20), 10, 1000))).toEqual(['d1']);
      });

      it('retries a leased pending delivery at once and keeps its attempts', async () => {
        await store.commit({ deliveries: [delivery('d1', { attempts: 2 })] });
        await store.claimDeliveries(at(0), 1, 60_000);
        expect(await store.retryDelivery('d1', at(1))).toBe(true);
        expect(await store.claimDeliveries(at(1), 1, 60_000)).toEqual([
          delivery('d1', { attempts: 2, nextAttemptAt: at(1), updatedAt: at(1) }),
        ]);
      });

      it('treats sent as final', async () => {
        await store.commit({ deliveries: [delivery('d1')] });
        await store.recordOutcome('d1', { kind: 'sent', at: at(1), ref: 'r' });
        const sent = await store.getDelivery('d1');
        await store.recordOutcome('d1', { kind: 'retry', at: at(2), error: 'late', nextAttemptAt: at(3) });
        await store.recordOutcome('d1', { kind: 'dead', at: at(2), error: 'late' });
        expect(await store.getDelivery('d1')).toEqual(sent);
        expect(await store.retryDelivery('d1', at(4))).toBe(false);
        expect(await store.getDelivery('d1')).toEqual(sent);
      });

      it('reports an unknown delivery', async () => {
        await expect(store.recordOutcome('ghost', { kind: 'sent', at: at(1) })).rejects.toBeInstanceOf(
          StoreError,
        );
        expect(await store.retryDelivery('ghost', at(1))).toBe(false);
      });
    });

    describe('listDeliveries', () => {
      it('lists in creation order with state filter, limit and an after cursor', async () => {
        await store.commit({
          deliveries: [
            delivery('c', { createdAt: at(1) }),
            delivery('a', { createdAt: at(2) }),
            delivery('b', { createdAt: at(2) }),
            delivery('d', { createdAt: at(0) }),
            delivery('e', { createdAt: at(3), state: 'dead' }),
          ],
        });
        expect(ids(await store.listDeliveries({}))).toEqual(['d', 'c', 'a', 'b', 'e']);
        expect(ids(await store.listDeliveries({ limit: 2 }))).toEqual(['d', 'c']);
        expect(ids(await store.listDeliveries({ limit: 2, after: 'c' }))).toEqual(['a', 'b']);
        expect(ids(await store.listDeliveries({ limit: 2, after: 'b' }))).toEqual(['e']);
        expect(ids(await store.listDeliveries({ after: 'e' }))).toEqual([]);
        expect(ids(await store.listDeliveries({ state: 'pending', after: 'a' }))).toEqual(['b']);
        expect(ids(await store.listDeliveries({ state: 'dead' }))).toEqual(['e']);
        expect(ids(await store.listDeliveries({ state: 'sent' }))).toEqual([]);
        await expect(store.listDeliveries({ after: 'ghost' })).rejects.toBeInstanceOf(StoreError);
      });

      it('pages through every row exactly once', async () => {
        const all = Array.from({ length: 23 }, (_, i) =>
          delivery(`d${String(i).padStart(2, '0')}`, { createdAt: at(i % 4) }),
        );
        await store.commit({ deliveries: all });
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.listDeliveries(after === undefined ? { limit: 5 } : { limit: 5, after });
          if (page.length === 0) break;
          seen.push(...ids(page));
          after = page.at(-1)?.id;
        }
        expect([...seen].sort()).toEqual(ids(all).sort());
        expect(new Set(seen).size).toBe(all.length);
      });
    });

    describe('groups', () => {
      const add = (
        key: string,
        f: string,
        flushAt: string,
        labels: Record<string, string> = { type: 't' },
      ) => ({
        key,
        rule: 'rule-a',
        labels,
        finding: finding(f),
        flushAt,
      });

      it('appends in arrival order and keeps the flushAt it was created with', async () => {
        await store.commit({ groupAdds: [add('g1', 'f1', at(30)), add('g1', 'f2', at(31))] });
        await store.commit({ groupAdds: [add('g1', 'f3', at(45), { type: 'changed' })] });
        expect(await store.dueGroups(at(29))).toEqual([]);
        expect(await store.dueGroups(at(30))).toEqual([
          {
            key: 'g1',
            rule: 'rule-a',
            labels: { type: 't' },
            pending: [finding('f1'), finding('f2'), finding('f3')],
            flushAt: at(30),
          },
        ]);
      });

      it('lists due groups earliest first', async () => {
        await store.commit({
          groupAdds: [
            add('gb', 'f1', at(20)),
            add('ga', 'f2', at(20)),
            add('gc', 'f3', at(10)),
            add('gz', 'f4', at(99)),
          ],
        });
        expect((await store.dueGroups(at(50))).map((g) => g.key)).toEqual(['gc', 'ga', 'gb']);
      });

      it('flushes atomically: empties the group, moves flushAt, enqueues the digest', async () => {
        await store.commit({ groupAdds: [add('g1', 'f1', at(30)), add('g1', 'f2', at(30))] });
        const digest = delivery('digest-1', { findingKey: 'f1', createdAt: at(30), nextAttemptAt: at(30) });
        await store.flushGroup('g1', at(30), at(330), [digest]);
        expect(await store.getDelivery('digest-1')).toEqual(digest);
        expect(await store.dueGroups(at(1000))).toEqual([]);
        await store.commit({ groupAdds: [add('g1', 'f3', at(999))] });
        expect(await store.dueGroups(at(329))).toEqual([]);
        expect(await store.dueGroups(at(330))).toEqual([
          {
            key: 'g1',
            rule: 'rule-a',
            labels: { type: 't' },
            pending: [finding('f3')],
            flushAt: at(330),
            lastFlushedAt: at(30),
          },
        ]);
      });

      it('deletes a group flushed without a next time, so the next finding starts a new one', async () => {
        await store.commit({ groupAdds: [add('g1', 'f1', at(30))] });
        await store.flushGroup('g1', at(30), undefined, []);
        await store.commit({ groupAdds: [add('g1', 'f2', at(100))] });
        expect(await store.dueGroups(at(99))).toEqual([]);
        expect(await store.dueGroups(at(100))).toEqual([
          { key: 'g1', rule: 'rule-a', labels: { type: 't' }, pending: [finding('f2')], flushAt: at(100) },
        ]);
      });

      it('keeps findings that arrived after dueGroups when told how many were flushed', async () => {
        await store.commit({ groupAdds: [add('g1', 'f1', at(30)), add('g1', 'f2', at(30))] });
        const due = await store.dueGroups(at(30));
        await store.commit({ groupAdds: [add('g1', 'late', at(30))] });
        await store.flushGroup('g1', at(30), undefined, [], due[0]?.pending.length);
        expect(await store.dueGroups(at(30))).toEqual([
          {
            key: 'g1',
            rule: 'rule-a',
            labels: { type: 't' },
            pending: [finding('late')],
            flushAt: at(30),
            lastFlushedAt: at(30),
          },
        ]);
      });

      it('changes nothing when a flush fails', async () => {
        await store.commit({ groupAdds: [add('g1', 'f1', at(30))] });
        const bad = delivery('digest-2', { createdAt: 'yesterday' });
        await expect(store.flushGroup('g1', at(30), at(60), [delivery('digest-1'), bad])).rejects.toThrow(
          /deliveries\[1\]\.createdAt/,
        );
        expect(await store.getDelivery('digest-1')).toBeUndefined();
        expect((await store.dueGroups(at(30))).map((g) => g.pending.length)).toEqual([1]);
        await expect(
          store.flushGroup('ghost', at(30), at(60), [delivery('digest-3')]),
        ).rejects.toBeInstanceOf(StoreError);
        expect(await store.getDelivery('digest-3')).toBeUndefined();
      });

      it('keeps an existing delivery id when a digest is flushed twice', async () => {
        await store.commit({ groupAdds: [add('g1', 'f1', at(30))], deliveries: [delivery('digest-1')] });
        await store.recordOutcome('digest-1', { kind: 'sent', at: at(31) });
        await store.flushGroup('g1', at(30), at(60), [delivery('digest-1')]);
        expect((await store.getDelivery('digest-1'))?.state).toBe('sent');
      });
    });

    describe('silences', () => {
      it('creates, lists oldest first, replaces and deletes', async () => {
        await store.putSilence(silence('s2', { createdAt: at(5) }));
        await store.putSilence(
          silence('s1', { createdAt: at(1), from: at(1), author: 'ana', origin: 'config' }),
        );
        expect(await store.listSilences()).toEqual([
          silence('s1', { createdAt: at(1), from: at(1), author: 'ana', origin: 'config' }),
          silence('s2', { createdAt: at(5) }),
        ]);
        await store.putSilence(silence('s2', { createdAt: at(5), reason: 'extended', until: at(7200) }));
        expect((await store.listSilences()).map((s) => s.reason)).toEqual(['sandbox', 'extended']);
        expect(await store.deleteSilence('s1')).toBe(true);
        expect(await store.deleteSilence('s1')).toBe(false);
        expect((await store.listSilences()).map((s) => s.id)).toEqual(['s2']);
      });

      it('rejects a silence without a valid until', async () => {
        await expect(store.putSilence(silence('s1', { until: 'soon' }))).rejects.toThrow(/silence\.until/);
        expect(await store.listSilences()).toEqual([]);
      });
    });

    describe('audit and events', () => {
      it('lists audit records newest first, with a limit', async () => {
        await store.commit({ audit: [auditRecord('a1', { at: at(1) }), auditRecord('a2', { at: at(3) })] });
        await store.commit({ audit: [auditRecord('a3', { at: at(2), result: 'failed', detail: null })] });
        await store.commit({ audit: [auditRecord('a4', { at: at(3) })] });
        expect((await store.listAudit({})).map((a) => a.id)).toEqual(['a4', 'a2', 'a3', 'a1']);
        expect(await store.listAudit({ limit: 2 })).toEqual([
          auditRecord('a4', { at: at(3) }),
          auditRecord('a2', { at: at(3) }),
        ]);
        expect((await store.listAudit({})).find((a) => a.id === 'a3')?.detail).toBeNull();
      });

      it('lists events newest first, filtered by status', async () => {
        await store.commit({
          events: [
            archivedEvent('e1', { receivedAt: at(1) }),
            archivedEvent('e2', { receivedAt: at(2), status: 'rejected', reason: 'too large', via: 'sns' }),
            archivedEvent('e3', { receivedAt: at(2) }),
          ],
        });
        await store.commit({ events: [archivedEvent('e4', { receivedAt: at(0), via: 'cli' })] });
        const noEventId = archivedEvent('e5', { receivedAt: at(9) });
        delete (noEventId as { eventId?: string }).eventId;
        await store.commit({ events: [noEventId] });
        expect((await store.listEvents({})).map((e) => e.id)).toEqual(['e5', 'e3', 'e2', 'e1', 'e4']);
        expect((await store.listEvents({ status: 'accepted', limit: 3 })).map((e) => e.id)).toEqual([
          'e5',
          'e3',
          'e1',
        ]);
        expect(await store.listEvents({ status: 'rejected' })).toEqual([
          archivedEvent('e2', { receivedAt: at(2), status: 'rejected', reason: 'too large', via: 'sns' }),
        ]);
        expect((await store.listEvents({ limit: 1 }))[0]).toEqual(noEventId);
      });
    });

    it('counts deliveries by state and events by status', async () => {
      await store.commit({
        events: [archivedEvent('e1'), archivedEvent('e2', { status: 'rejected' }), archivedEvent('e3')],
        deliveries: [delivery('d1'), delivery('d2'), delivery('d3'), delivery('d4', { state: 'dead' })],
      });
      await store.recordOutcome('d1', { kind: 'sent', at: at(1) });
      expect(await store.stats()).toEqual({
        deliveries: { pending: 2, sent: 1, dead: 1 },
        events: { accepted: 2, rejected: 1 },
      });
    });

    describe('prune', () => {
      it('removes history older than each retention and nothing else', async () => {
        const day = 86_400_000;
        await store.commit({
          events: [
            archivedEvent('old', { receivedAt: at(0) }),
            archivedEvent('new', { receivedAt: at(86_400) }),
          ],
          deliveries: [
            delivery('sent-old', { findingKey: 'fk-old' }),
            delivery('sent-new', { findingKey: 'fk-new' }),
            delivery('dead-old', { state: 'dead' }),
            delivery('pending-old'),
          ],
          audit: [auditRecord('a-old', { at: at(0) }), auditRecord('a-new', { at: at(86_400) })],
          states: [
            findingState('rule-a', 'fk-old', { lastSeenAt: at(0) }),
            findingState('rule-a', 'fk-new', { lastSeenAt: at(86_400) }),
          ],
        });
        await store.recordOutcome('sent-old', { kind: 'sent', at: at(10), ref: 'r-old' });
        await store.recordOutcome('sent-new', { kind: 'sent', at: at(86_400), ref: 'r-new' });
        const now = at(86_400 + 3600);

        expect(await store.prune(now, {})).toBe(0);
        // events, sent-old, a-old, state fk-old, thread ref of fk-old.
        expect(
          await store.prune(now, { events: day, sentDeliveries: day, audit: day, findingStates: day }),
        ).toBe(5);
        expect((await store.listEvents({})).map((e) => e.id)).toEqual(['new']);
        expect(ids(await store.listDeliveries({}))).toEqual(['dead-old', 'pending-old', 'sent-new']);
        expect((await store.listAudit({})).map((a) => a.id)).toEqual(['a-new']);
        expect(await store.findingState('rule-a', 'fk-old')).toBeUndefined();
        expect(await store.findingState('rule-a', 'fk-new')).toBeDefined();
        expect(await store.threadRef('fk-old', 'hook')).toBeUndefined();
        expect(await store.threadRef('fk-new', 'hook')).toBe('r-new');
        expect(
          await store.prune(now, { events: day, sentDeliveries: day, audit: day, findingStates: day }),
        ).toBe(0);
      });

      it('keeps a thread that is still in use', async () => {
        await store.commit({
          deliveries: [delivery('d1', { findingKey: 'fk' }), delivery('d2', { findingKey: 'fk' })],
        });
        await store.recordOutcome('d1', { kind: 'sent', at: at(0), ref: 'root' });
        await store.recordOutcome('d2', { kind: 'sent', at: at(5000), ref: 'reply' });
        await store.prune(at(6000), { findingStates: 3_000_000 });
        expect(await store.threadRef('fk', 'hook')).toBe('root');
      });

      it('rejects a negative retention', async () => {
        await expect(store.prune(at(0), { events: -1 })).rejects.toThrow(/retention\.events/);
      });
    });

    it('tells bad input from store failures', async () => {
      await store.commit({ events: [archivedEvent('e1')], deliveries: [delivery('d1')] });
      const blame = (promise: Promise<unknown>) =>
        promise.then(
          () => 'resolved',
          (error: unknown) => (error instanceof StoreError ? (error.badInput ? 'input' : 'store') : 'other'),
        );
      expect(await blame(store.listDeliveries({ after: 'ghost' }))).toBe('input');
      expect(await blame(store.commit({ events: [archivedEvent('e2', { receivedAt: 'now' })] }))).toBe(
        'input',
      );
      expect(await blame(store.recordOutcome('ghost', { kind: 'sent', at: at(1) }))).toBe('input');
      expect(await blame(store.flushGroup('ghost', at(1), undefined, []))).toBe('input');
      expect(await blame(store.claimDeliveries(at(1), 0, 1000))).toBe('input');
      expect(await blame(store.commit({ events: [archivedEvent('e1')] }))).toBe('store');
    });

    it('fails every call after close', async () => {
      await store.close();
      await expect(store.getDelivery('d1')).rejects.toMatchObject({ name: 'StoreError', badInput: false });
      await expect(store.commit({})).rejects.toBeInstanceOf(StoreError);
      store = await open();
    });
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-store-'));
  dirs.push(dir);
  return join(dir, 'nested', 'klaxon.db');
}

describeStore('memory', () => new MemoryStore());
describeStore('sqlite', () => SqliteStore.open(tempDb()));
describeStore('sqlite, writes on a worker thread', () => ThreadedSqliteStore.open(tempDb()));
