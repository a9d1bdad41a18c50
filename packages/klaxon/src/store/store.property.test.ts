import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { MemoryStore } from './memory.js';
import type { CommitBatch, DeliveryOutcome, DeliveryState, Retention, Store } from './ports.js';
import { SqliteStore } from './sqlite.js';
import { ThreadedSqliteStore } from './sqlite-threaded.js';
import {
  archivedEvent,
  at,
  auditRecord,
  delivery,
  finding,
  findingState,
  silence,
} from './testdata/builders.js';

/*
 * Random sequences of operations, run against the memory adapter and the SQLite adapter side by
 * side: every call must give the same result (or both fail with a StoreError), and the final
 * contents must be equal. Small id pools and coarse times force collisions, ties, re-commits,
 * unknown ids and expired leases.
 */

const id = (prefix: string) => fc.integer({ min: 0, max: 4 }).map((n) => `${prefix}${n}`);
const time = fc.integer({ min: 0, max: 40 }).map((s) => at(s));
const optionalTime = fc.option(time, { nil: undefined });
const state = fc.constantFrom<DeliveryState>('pending', 'sent', 'dead');

const deliveryArb = fc
  .record({
    id: id('d'),
    key: id('fk'),
    output: fc.constantFrom('hook', 'slack'),
    state,
    next: time,
    created: time,
  })
  .map((d) =>
    delivery(d.id, {
      findingKey: d.key,
      output: d.output,
      state: d.state,
      nextAttemptAt: d.next,
      createdAt: d.created,
      updatedAt: d.created,
    }),
  );

const batchArb: fc.Arbitrary<CommitBatch> = fc.record(
  {
    events: fc.array(
      fc.record({ id: id('e'), t: time, rejected: fc.boolean() }).map((e) =>
        archivedEvent(e.id, {
          receivedAt: e.t,
          ...(e.rejected ? { status: 'rejected', reason: 'bad' } : {}),
        }),
      ),
      { maxLength: 2 },
    ),
    states: fc.array(
      fc
        .record({ key: id('fk'), t: time, count: fc.nat(5) })
        .map((s) => findingState('rule-a', s.key, { lastSeenAt: s.t, count: s.count })),
      { maxLength: 2 },
    ),
    deliveries: fc.array(deliveryArb, { maxLength: 3 }),
    groupAdds: fc.array(
      fc.record({ key: id('g'), f: id('f'), t: time }).map((g) => ({
        key: g.key,
        rule: 'rule-a',
        labels: { k: g.key },
        finding: finding(g.f),
        flushAt: g.t,
      })),
      { maxLength: 3 },
    ),
    audit: fc.array(
      fc.record({ id: id('a'), t: time }).map((a) => auditRecord(a.id, { at: a.t })),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

const outcomeArb: fc.Arbitrary<DeliveryOutcome> = fc.oneof(
  fc
    .record({ t: time, ref: fc.option(id('ref'), { nil: undefined }) })
    .map(
      ({ t, ref }): DeliveryOutcome =>
        ref === undefined ? { kind: 'sent', at: t } : { kind: 'sent', at: t, ref },
    ),
  fc
    .record({ t: time, next: time })
    .map(
      ({ t, next }): DeliveryOutcome => ({ kind: 'retry', at: t, error: 'HTTP 500', nextAttemptAt: next }),
    ),
  time.map((t): DeliveryOutcome => ({ kind: 'dead', at: t, error: 'HTTP 400' })),
);

const retentionArb: fc.Arbitrary<Retention> = fc.record(
  {
    events: fc.nat(20_000),
    sentDeliveries: fc.nat(20_000),
    audit: fc.nat(20_000),
    findingStates: fc.nat(20_000),
  },
  { requiredKeys: [] },
);

/** One port call; `args` is only there so that fast-check prints a readable counterexample. */
type Op = { readonly name: string; readonly args: unknown; readonly run: (store: Store) => Promise<unknown> };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: batchArb.map((b): Op => ({ name: 'commit', args: b, run: (s) => s.commit(b) })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ t: time, limit: fc.integer({ min: 1, max: 3 }), lease: fc.integer({ min: 1, max: 10_000 }) })
      .map((c): Op => ({ name: 'claim', args: c, run: (s) => s.claimDeliveries(c.t, c.limit, c.lease) })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(id('d'), outcomeArb)
      .map(([d, o]): Op => ({ name: 'recordOutcome', args: [d, o], run: (s) => s.recordOutcome(d, o) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(id('d'), time)
      .map(([d, t]): Op => ({ name: 'retry', args: [d, t], run: (s) => s.retryDelivery(d, t) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ state, limit: fc.integer({ min: 1, max: 4 }), after: id('d') }, { requiredKeys: [] })
      .map((q): Op => ({ name: 'listDeliveries', args: q, run: (s) => s.listDeliveries(q) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(id('fk'), fc.constantFrom('hook', 'slack'))
      .map(([k, o]): Op => ({ name: 'threadRef', args: [k, o], run: (s) => s.threadRef(k, o) })),
  },
  { weight: 1, arbitrary: time.map((t): Op => ({ name: 'dueGroups', args: t, run: (s) => s.dueGroups(t) })) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        key: id('g'),
        t: time,
        next: optionalTime,
        deliveries: fc.array(deliveryArb, { maxLength: 2 }),
        flushed: fc.option(fc.nat(3), { nil: undefined }),
      })
      .map(
        (f): Op => ({
          name: 'flushGroup',
          args: f,
          run: (s) => s.flushGroup(f.key, f.t, f.next, f.deliveries, f.flushed),
        }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(id('s'), time).map(
      ([sid, t]): Op => ({
        name: 'putSilence',
        args: [sid, t],
        run: (s) => s.putSilence(silence(sid, { createdAt: t })),
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: id('s').map(
      (sid): Op => ({ name: 'deleteSilence', args: sid, run: (s) => s.deleteSilence(sid) }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(time, retentionArb)
      .map(([t, r]): Op => ({ name: 'prune', args: [t, r], run: (s) => s.prune(t, r) })),
  },
  {
    weight: 1,
    arbitrary: id('fk').map(
      (k): Op => ({ name: 'findingState', args: k, run: (s) => s.findingState('rule-a', k) }),
    ),
  },
);

async function outcome(op: Op, store: Store): Promise<unknown> {
  try {
    return { value: await op.run(store) };
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    return { storeError: error.badInput ? 'bad input' : 'store failure' };
  }
}

async function contents(store: Store): Promise<unknown> {
  return {
    deliveries: await store.listDeliveries({}),
    events: await store.listEvents({}),
    audit: await store.listAudit({}),
    silences: await store.listSilences(),
    groups: await store.dueGroups(at(1_000_000)),
    stats: await store.stats(),
  };
}

const root = mkdtempSync(join(tmpdir(), 'klaxon-prop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let run = 0;

/** Runs random operation sequences against memory and the adapter `open` gives, side by side. */
async function agreeWithMemory(
  open: (path: string) => Store | Promise<Store>,
  numRuns: number,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
      const memory = new MemoryStore();
      const sqlite = await open(join(root, `run-${++run}.db`));
      try {
        for (const [i, op] of ops.entries()) {
          const expected = await outcome(op, memory);
          const actual = await outcome(op, sqlite);
          expect({ step: i, op: op.name, result: actual }).toEqual({
            step: i,
            op: op.name,
            result: expected,
          });
        }
        expect(await contents(sqlite)).toEqual(await contents(memory));
      } finally {
        await memory.close();
        await sqlite.close();
      }
    }),
    { numRuns },
  );
}

describe('MemoryStore and SqliteStore agree', () => {
  it('on every result of random operation sequences', async () => {
    await agreeWithMemory((path) => SqliteStore.open(path, { synchronous: 'normal' }), 150);
  });

  // Fewer runs: each one starts a writer thread (about 30 ms).
  it('with the writes on a worker thread too', async () => {
    await agreeWithMemory((path) => ThreadedSqliteStore.open(path, { synchronous: 'normal' }), 60);
  }, 60_000);
});
