import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testFinding } from '../outputs/testdata/notifications.js';
import { ManualClock } from '../route/clock.js';
import type { Notification } from '../route/notification.js';
import { pendingDelivery } from '../route/outbox-row.js';
import { MemoryStore } from '../store/memory.js';
import type { Delivery } from '../store/ports.js';
import { backoffDelay, retryDelay } from './backoff.js';
import { final, recordingOutput, retryable, type Script } from './testdata/recording-output.js';
import { TokenBucket } from './token-bucket.js';
import { type DeliverySettings, DeliveryWorker, MAX_ADMIT_WAIT_MS, type OutputBinding } from './worker.js';

const SETTINGS: DeliverySettings = {
  concurrency: 4,
  maxAttempts: 5,
  initialBackoff: 1000,
  maxBackoff: 60_000,
  leaseTime: 30_000,
};

function notification(id: string, findingKey = `finding-${id}`, template?: string): Notification {
  return {
    id,
    kind: 'new',
    rule: 'r',
    output: 'out',
    findings: [testFinding({ key: findingKey })],
    ...(template === undefined ? {} : { template }),
    createdAt: '2026-03-01T00:00:00.000Z',
  };
}

async function setup(
  script: Script[] = [],
  options: { settings?: Partial<DeliverySettings>; rateLimit?: { perSecond: number; burst?: number } } = {},
) {
  const store = new MemoryStore();
  const clock = new ManualClock('2026-03-01T00:00:00.000Z');
  const output = recordingOutput(script);
  const sleeps: number[] = [];
  const binding: OutputBinding = {
    name: 'out',
    type: output.type,
    config: {
      type: 'recording',
      ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    },
  };
  const worker = new DeliveryWorker({
    store,
    clock,
    outputs: new Map([['out', binding]]),
    settings: { ...SETTINGS, ...options.settings },
    redact: (text) => text.replaceAll('hunter2', '***'),
    // Fake time: a sleep moves the clock to its deadline, nothing waits for real. Sleeps started
    // together overlap like real timers do (the clock goes to the latest deadline, not the sum).
    sleep: async (ms) => {
      sleeps.push(ms);
      const deadline = clock.now().getTime() + ms;
      await Promise.resolve();
      if (clock.now().getTime() < deadline) clock.set(deadline);
    },
    random: () => 1, // the top of the jitter range, so delays are exact
  });
  const enqueue = async (...ns: Notification[]) =>
    store.commit({ deliveries: ns.map((n) => pendingDelivery(n, n.findings[0]!.key, clock.now())) });
  return { store, clock, output, worker, enqueue, sleeps };
}

describe('DeliveryWorker', () => {
  it('sends due deliveries with their idempotency key and records them sent', async () => {
    const { store, worker, output, enqueue } = await setup();
    await enqueue(notification('d1'), notification('d2'));
    await worker.drain();
    expect(output.sends.map((s) => s.idempotencyKey).sort()).toEqual(['d1', 'd2']);
    expect((await store.listDeliveries({ state: 'sent' })).length).toBe(2);
  });

  it('renders at send time with the thread reference of an earlier send', async () => {
    const { worker, output, enqueue } = await setup([{ ok: true, ref: 'ts-1' }]);
    await enqueue(notification('first', 'same-finding'));
    await worker.drain();
    await enqueue(notification('second', 'same-finding'));
    await worker.drain();
    expect(output.sends.map((s) => s.threadRef)).toEqual([undefined, 'ts-1']);
  });

  it('retries a retryable failure with capped exponential backoff, then sends', async () => {
    const { store, worker, output, clock, enqueue } = await setup([retryable(), retryable(), retryable()]);
    await enqueue(notification('d1'));
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      await worker.drain();
      const [d] = await store.listDeliveries({ state: 'pending' });
      const delay = Date.parse(d!.nextAttemptAt) - clock.now().getTime();
      delays.push(delay);
      clock.advance(delay);
    }
    expect(delays).toEqual([1000, 2000, 4000]);
    await worker.drain();
    expect(output.sends).toHaveLength(4);
    const [sent] = await store.listDeliveries({ state: 'sent' });
    expect(sent?.attempts).toBe(4);
  });

  it('dead-letters after the retry budget, not before, and a dead letter can be retried', async () => {
    const failures = Array.from({ length: 3 }, () => retryable('HTTP 500 password=hunter2'));
    const { store, worker, clock, enqueue, output } = await setup(failures, { settings: { maxAttempts: 3 } });
    await enqueue(notification('d1'));
    for (let i = 0; i < 3; i++) {
      await worker.drain();
      expect((await store.listDeliveries({ state: 'dead' })).length).toBe(i < 2 ? 0 : 1);
      clock.advance(SETTINGS.maxBackoff);
    }
    const [dead] = await store.listDeliveries({ state: 'dead' });
    expect(dead?.attempts).toBe(3);
    expect(dead?.lastError).toContain('gave up after 3 attempts');
    expect(dead?.lastError).not.toContain('hunter2');
    expect(await store.retryDelivery('d1', clock.now().toISOString())).toBe(true);
    await worker.drain();
    expect(output.sends).toHaveLength(4);
    expect((await store.listDeliveries({ state: 'sent' })).length).toBe(1);
  });

  it('dead-letters a final failure and a render failure at once', async () => {
    const { store, worker, enqueue } = await setup([final()]);
    await enqueue(notification('bad-request'), notification('bad-template', 'k2', 'explode'));
    await worker.drain();
    const dead = await store.listDeliveries({ state: 'dead' });
    expect(dead.map((d) => [d.id, d.attempts]).sort()).toEqual([
      ['bad-request', 1],
      ['bad-template', 1],
    ]);
    expect(dead.find((d) => d.id === 'bad-template')?.lastError).toContain('render failed');
  });

  it('honours Retry-After for the delivery and pauses the whole output', async () => {
    const { store, worker, clock, enqueue, sleeps } = await setup([retryable('HTTP 429', 45_000)]);
    await enqueue(notification('d1'));
    const t0 = clock.now().getTime();
    await worker.drain();
    const [d] = await store.listDeliveries({ state: 'pending' });
    expect(Date.parse(d!.nextAttemptAt) - t0).toBeGreaterThanOrEqual(45_000);
    // Another delivery to the same output waits out the pause before it is sent.
    await enqueue(notification('d2'));
    await worker.drain();
    expect(sleeps).toEqual([45_000]);
    // Once the pause is over, the first delivery is due again and goes out too.
    const sent = await store.listDeliveries({ state: 'sent' });
    expect(sent.map((x) => [x.id, x.attempts]).sort()).toEqual([
      ['d1', 2],
      ['d2', 1],
    ]);
    expect(clock.now().getTime() - t0).toBeGreaterThanOrEqual(45_000);
  });

  it('keeps at most `concurrency` sends in flight', async () => {
    const { worker, output, enqueue } = await setup([], { settings: { concurrency: 2 } });
    await enqueue(...Array.from({ length: 7 }, (_, i) => notification(`d${i}`)));
    const open = output.hold();
    const run = worker.drain();
    await new Promise((r) => setTimeout(r, 20));
    open();
    await run;
    expect(output.sends).toHaveLength(7);
    expect(output.maxActive).toBe(2);
  });

  it('spaces sends to a rate-limited output', async () => {
    const { worker, output, enqueue, sleeps } = await setup([], { rateLimit: { perSecond: 2, burst: 1 } });
    await enqueue(...Array.from({ length: 4 }, (_, i) => notification(`d${i}`)));
    await worker.drain();
    expect(output.sends).toHaveLength(4);
    // Reservations are taken in order: 0, 500, 1000, 1500 ms after the first (no sleep for the first).
    expect(sleeps).toEqual([500, 1000, 1500]);
  });

  it('dead-letters a delivery for an output that is no longer configured', async () => {
    const { store, worker } = await setup();
    const n = { ...notification('orphan'), output: 'gone' };
    await store.commit({ deliveries: [{ ...pendingDelivery(n, 'k', new Date('2026-03-01T00:00:00Z')) }] });
    await worker.drain();
    const [dead] = await store.listDeliveries({ state: 'dead' });
    expect(dead?.lastError).toContain("output 'gone' is not configured");
  });
});

describe('backoff', () => {
  it('full jitter stays within [0, min(max, initial·2^(n-1))] and honours Retry-After', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }),
        (attempt, r, retryAfter) => {
          const s = { initialBackoff: 500, maxBackoff: 30_000 };
          const d = backoffDelay(attempt, s, () => r);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(Math.min(30_000, 500 * 2 ** (attempt - 1)));
          const withHeader = retryDelay(attempt, s, retryAfter, () => r);
          if (retryAfter !== undefined)
            expect(withHeader).toBeGreaterThanOrEqual(Math.min(retryAfter, 86_400_000));
        },
      ),
    );
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then one token per 1/rate, and refills with time', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ perSecond: 4, burst: 2 }, clock);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([
      0, 0, 250, 500,
    ]);
    clock.advance(10_000);
    expect(bucket.reserve()).toBe(0);
  });

  it('is unlimited without a limit, but still honours a pause', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(undefined, clock);
    expect(Array.from({ length: 100 }, () => bucket.reserve()).every((w) => w === 0)).toBe(true);
    bucket.pauseUntil(clock.now().getTime() + 1500);
    expect(bucket.reserve()).toBe(1500);
  });
});

describe('DeliveryWorker.take and admit (hand-over and ingest back-pressure)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const settled = async (p: Promise<void>) => {
    let done = false;
    void p.then(() => {
      done = true;
    });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    return done;
  };

  /** Commits deliveries leased to "this process" for a minute, as `klaxon serve` does, and hands them over. */
  async function handOver(
    ctx: Awaited<ReturnType<typeof setup>>,
    ...ns: Notification[]
  ): Promise<Delivery[]> {
    const leasedUntil = new Date(ctx.clock.now().getTime() + 60_000).toISOString();
    const ds = ns.map((n) => ({ ...pendingDelivery(n, n.findings[0]!.key, ctx.clock.now()), leasedUntil }));
    await ctx.store.commit({ deliveries: ds });
    ctx.worker.take(ds);
    return ds;
  }

  it('sends handed-over deliveries without claiming them, once each, even if a claim finds them too', async () => {
    const ctx = await setup();
    await handOver(ctx, notification('d1'), notification('d2'));
    // Their lease keeps them out of claims; after it, a claim would find them, but they are ours.
    expect(await ctx.store.claimDeliveries(ctx.clock.now().toISOString(), 10, 1000)).toEqual([]);
    await ctx.worker.idle();
    expect(ctx.output.sends.map((s) => s.idempotencyKey).sort()).toEqual(['d1', 'd2']);
    expect((await ctx.store.listDeliveries({ state: 'sent' })).length).toBe(2);
    expect(ctx.worker.backlog).toBe(0);
    const ds = await handOver(ctx, notification('d3'));
    ctx.worker.take(ds); // the same delivery twice: still one send
    await ctx.worker.idle();
    expect(ctx.output.sends.filter((s) => s.idempotencyKey === 'd3')).toHaveLength(1);
  });

  it('lets ingest in at once below the backlog, and holds it until an attempt finishes above it', async () => {
    const ctx = await setup([], { settings: { backlog: 2 } });
    const { worker, output } = ctx;
    worker.start();
    try {
      expect(await settled(worker.admit())).toBe(true);
      const open = output.hold();
      await handOver(ctx, notification('d1'), notification('d2'), notification('d3'));
      expect(worker.backlog).toBe(3);
      const held = worker.admit();
      expect(await settled(held)).toBe(false);
      open();
      await held;
      expect(output.sends.length).toBeGreaterThanOrEqual(1);
      await worker.idle();
      expect(worker.backlog).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it('never holds a request longer than MAX_ADMIT_WAIT_MS, and stop() lets every waiter go', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const ctx = await setup([], { settings: { backlog: 1 } });
    const { worker, output } = ctx;
    worker.start();
    const open = output.hold(); // sends hang: the backlog cannot shrink
    await handOver(ctx, notification('d1'), notification('d2'));
    const first = worker.admit();
    vi.advanceTimersByTime(MAX_ADMIT_WAIT_MS - 1);
    expect(await settled(first)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await settled(first)).toBe(true);
    const second = worker.admit();
    expect(await settled(second)).toBe(false);
    const stopping = worker.stop();
    expect(await settled(second)).toBe(true);
    open();
    // The held sends finish and their outcomes are written on (fake) timers: run them.
    for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(100);
    await stopping;
  });

  it('does not count deliveries waiting for their rate limit: a slow-paced output never holds ingest', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock('2026-03-01T00:00:00.000Z');
    const output = recordingOutput();
    let wakeSleepers!: () => void;
    const sleeping = new Promise<void>((resolve) => {
      wakeSleepers = resolve;
    });
    const worker = new DeliveryWorker({
      store,
      clock,
      // One send per 1,000 s: after the first, every delivery waits for a token.
      outputs: new Map([
        [
          'out',
          { name: 'out', type: output.type, config: { type: 'recording', rateLimit: { perSecond: 0.001 } } },
        ],
      ]),
      settings: { ...SETTINGS, backlog: 2 },
      redact: (t) => t,
      sleep: () => sleeping,
    });
    worker.start();
    const leasedUntil = new Date(clock.now().getTime() + 60_000).toISOString();
    const ds = ['d1', 'd2', 'd3', 'd4'].map((id) => ({
      ...pendingDelivery(notification(id), `finding-${id}`, clock.now()),
      leasedUntil,
    }));
    await store.commit({ deliveries: ds });
    worker.take(ds);
    await new Promise((r) => setTimeout(r, 20));
    expect(output.sends).toHaveLength(1);
    expect(worker.backlog).toBe(0); // three wait for tokens, none waits for this process
    let admitted = false;
    void worker.admit().then(() => {
      admitted = true;
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(admitted).toBe(true);
    wakeSleepers();
    await worker.stop();
  });

  it('without a backlog setting ingest is never held', async () => {
    const ctx = await setup();
    ctx.worker.start();
    const open = ctx.output.hold();
    await handOver(ctx, notification('d1'), notification('d2'));
    expect(await settled(ctx.worker.admit())).toBe(true);
    open();
    await ctx.worker.stop();
  });
});
