/**
 * The reliability contract, proven against `klaxon serve` as a real process on a real SQLite file:
 * a crash (kill -9) loses no acknowledged event and duplicates none; a failing channel gets
 * everything after it recovers, with Retry-After and the rate limit respected; bad input gets a
 * clear 4xx, is recorded, and never stops the server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { guardDuty } from '../route/testdata/samples.js';
import {
  ensureBuilt,
  type KlaxonProcess,
  startSink as sinkOn,
  startKlaxon,
  waitFor,
} from './testdata/klaxon-process.js';

/** A response body as the assertions read it (they check its shape). */
// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are checked field by field by the assertions
type Json = Record<string, any>;
const asJson = (value: unknown) => value as Json;

const dir = mkdtempSync(join(tmpdir(), 'klaxon-reliability-'));
const running: KlaxonProcess[] = [];
const sinks: Awaited<ReturnType<typeof sinkOn>>[] = [];

beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  for (const p of running.splice(0))
    if (p.child.exitCode === null && p.child.signalCode === null) await p.kill9();
  for (const s of sinks.splice(0)) await s.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, yaml: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

async function sink(script?: Parameters<typeof sinkOn>[0]) {
  const s = await sinkOn(script);
  sinks.push(s);
  return s;
}

async function klaxon(config: string, db: string) {
  const p = await startKlaxon(config, db);
  running.push(p);
  return p;
}

function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${url}/events`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

describe('reliability of klaxon serve', () => {
  it('kill -9 in the middle of a burst: every 202 is delivered after restart, none twice', async () => {
    // Until the restart the sink takes 30 deliveries and then answers 503, so that most
    // acknowledged events are certainly still in the outbox when the process dies.
    let restarted = false;
    const hook = await sink((n) => ({ status: restarted || n < 30 ? 200 : 503 }));
    const config = writeConfig(
      'crash',
      `outputs:
  hook: { type: webhook, url: "${hook.url}" }
rules:
  - { name: gd, pattern: { source: [aws.guardduty] }, notify: [hook] }
settings:
  delivery: { concurrency: 4, leaseTime: 2s, initialBackoff: 100ms, maxBackoff: 1s }
`,
    );
    const db = join(dir, 'crash.db');
    const first = await klaxon(config, db);

    const total = 400;
    const acked = new Set<string>();
    let next = 0;
    let killed = false;
    let ackedAtKill = 0;
    let deliveredAtKill = 0;
    // 16 requests in flight; the server is killed once half the burst has been acknowledged.
    const client = async () => {
      while (next < total) {
        const i = next++;
        const event = guardDuty({ id: `crash-${i}`, eventId: `event-${i}` });
        try {
          const res = await post(first.url, JSON.stringify(event));
          if (res.status === 202) acked.add(event.id);
          await res.arrayBuffer();
        } catch {
          // Connection refused or reset by the crash: not acknowledged, so not owed.
        }
        if (!killed && acked.size >= total / 2) {
          killed = true;
          await first.kill9();
          ackedAtKill = acked.size;
          deliveredAtKill = new Set(hook.requests.filter((r) => r.status === 200).map((r) => r.eventId)).size;
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    expect(killed).toBe(true);
    expect(acked.size).toBeGreaterThanOrEqual(total / 2);

    expect(deliveredAtKill).toBeLessThanOrEqual(30);
    expect(ackedAtKill).toBeGreaterThan(deliveredAtKill);
    restarted = true;
    const second = await klaxon(config, db);
    const delivered = () => new Set(hook.requests.filter((r) => r.status === 200).map((r) => r.eventId));
    const complete = await waitFor(() => [...acked].every((id) => delivered().has(id)), 30_000);
    const missing = [...acked].filter((id) => !delivered().has(id));
    expect(missing, `acknowledged but never delivered (sink saw ${hook.requests.length})`).toEqual([]);
    expect(complete).toBe(true);

    // At-least-once with an idempotency key: one key per event, and any duplicate carries it.
    const keysByEvent = new Map<string, Set<string>>();
    for (const r of hook.requests) {
      const keys = keysByEvent.get(r.eventId) ?? new Set<string>();
      keys.add(r.key);
      keysByEvent.set(r.eventId, keys);
    }
    for (const [eventId, keys] of keysByEvent) expect([eventId, keys.size]).toEqual([eventId, 1]);
    const distinctKeys = new Set(hook.requests.map((r) => r.key));
    expect(distinctKeys.size).toBe(keysByEvent.size);
    // Nothing the client never sent shows up.
    for (const id of keysByEvent.keys()) expect(id).toMatch(/^event-\d+$/);

    const dead = await (await fetch(`${second.url}/api/deliveries?state=dead`)).json().then(asJson);
    expect(dead.deliveries).toEqual([]);
    expect(await second.stop()).toBe(0);
  }, 120_000);

  it('a failing channel (500s, then 429 + Retry-After, then OK) gets everything; nothing dead-lettered early', async () => {
    const RETRY_AFTER_S = 2;
    const hook = await sink((n) => {
      if (n < 4) return { status: 500 };
      if (n < 6) return { status: 429, headers: { 'Retry-After': String(RETRY_AFTER_S) } };
      return { status: 200 };
    });
    const config = writeConfig(
      'flaky',
      `outputs:
  hook: { type: webhook, url: "${hook.url}", rateLimit: { perSecond: 5, burst: 1 } }
rules:
  - { name: gd, pattern: { source: [aws.guardduty] }, notify: [hook] }
settings:
  delivery: { concurrency: 1, maxAttempts: 8, initialBackoff: 200ms, maxBackoff: 1s, leaseTime: 30s }
`,
    );
    const server = await klaxon(config, join(dir, 'flaky.db'));
    const ids = Array.from({ length: 6 }, (_, i) => `flaky-${i}`);
    for (const id of ids) {
      const res = await post(server.url, JSON.stringify(guardDuty({ id, eventId: id })));
      expect(res.status).toBe(202);
    }
    const ok = () => new Set(hook.requests.filter((r) => r.status === 200).map((r) => r.eventId));
    expect(await waitFor(() => ids.every((id) => ok().has(id)), 30_000)).toBe(true);

    // Retry-After: after each 429 the sink saw nothing before the time it named. (One send at a
    // time, so no request can already be on its way when the 429 arrives.)
    for (const [i, r] of hook.requests.entries()) {
      if (r.status !== 429) continue;
      const next = hook.requests[i + 1];
      expect(next, 'a request after the 429').toBeDefined();
      expect(next!.at - r.at).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 5);
    }
    // Rate limit 5/s, burst 1: in any window of w ms the sink saw at most 1 + 5·w/1000 requests
    // (+1 for the arrival jitter of the first one, which a token bucket does not control).
    const at = hook.requests.map((r) => r.at);
    for (let i = 0; i < at.length; i++) {
      for (let j = i + 1; j < at.length; j++) {
        expect(j - i + 1).toBeLessThanOrEqual(2 + (5 * (at[j]! - at[i]!)) / 1000);
      }
    }
    const dead = await (await fetch(`${server.url}/api/deliveries?state=dead`)).json().then(asJson);
    expect(dead.deliveries).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('klaxon_deliveries{state="sent"} 6');
    expect(metrics).toMatch(/klaxon_delivery_attempts_total\{output="hook",result="retry"\} 6/);
  }, 120_000);

  it('bad input gets a clear 4xx, is recorded, and the server keeps serving', async () => {
    const hook = await sink();
    const token = 'reliability-test-token-0123456789';
    const config = writeConfig(
      'bad-input',
      `outputs:
  hook: { type: webhook, url: "${hook.url}" }
rules:
  - { name: gd, pattern: { source: [aws.guardduty] }, notify: [hook] }
settings:
  server: { token: "${token}" }
`,
    );
    const server = await klaxon(config, join(dir, 'bad.db'));
    const auth = { Authorization: `Bearer ${token}` };
    const cases: [string, string, Record<string, string>, number][] = [
      ['malformed JSON', '{"source": "aws.guardduty",', auth, 400],
      ['non-JSON', 'GuardDuty says hi', { ...auth, 'Content-Type': 'text/plain' }, 400],
      ['oversize', JSON.stringify({ pad: 'x'.repeat(300 * 1024) }), auth, 413],
      ['unknown shape', JSON.stringify({ hello: 'world' }), auth, 422],
      ['wrong token', JSON.stringify(guardDuty({})), { Authorization: 'Bearer not-the-token' }, 401],
      ['no token', JSON.stringify(guardDuty({})), {}, 401],
    ];
    for (const [what, body, headers, status] of cases) {
      const res = await post(server.url, body, headers);
      expect([what, res.status]).toEqual([what, status]);
      const json = await res.json().then(asJson);
      expect(typeof json.error, what).toBe('string');
      expect(json.error.length, what).toBeGreaterThan(5);
    }
    const rejected = await (await fetch(`${server.url}/api/events?status=rejected`, { headers: auth }))
      .json()
      .then(asJson);
    expect(rejected.events).toHaveLength(cases.length);
    // Still serving: health, and a good event is accepted and delivered.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const good = await post(server.url, JSON.stringify(guardDuty({ id: 'after-bad' })), auth);
    expect(good.status).toBe(202);
    expect(await waitFor(() => hook.requests.length === 1, 10_000)).toBe(true);
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).not.toContain(token);
  }, 120_000);

  it('SIGTERM finishes the sends in flight and exits 0; a restart sends the rest, nothing twice', async () => {
    const hook = await sink(() => ({ status: 200, delayMs: 400 }));
    const config = writeConfig(
      'graceful',
      `outputs:
  hook: { type: webhook, url: "${hook.url}" }
rules:
  - { name: gd, pattern: { source: [aws.guardduty] }, notify: [hook] }
settings:
  delivery: { concurrency: 2, leaseTime: 60s }
`,
    );
    const db = join(dir, 'graceful.db');
    const first = await klaxon(config, db);
    const ids = Array.from({ length: 8 }, (_, i) => `graceful-${i}`);
    for (const id of ids) {
      expect((await post(first.url, JSON.stringify(guardDuty({ id, eventId: id })))).status).toBe(202);
    }
    expect(await waitFor(() => hook.requests.length >= 1, 10_000)).toBe(true);
    expect(await first.stop()).toBe(0);
    // Every send that had reached the sink was finished and answered before the process exited.
    const reachedBeforeStop = hook.requests.length;
    expect(hook.answered()).toBe(reachedBeforeStop);
    expect(reachedBeforeStop).toBeLessThan(ids.length);
    expect(first.output()).toContain('klaxon: stopped');

    // The lease is 60 s: a delivery handed back at shutdown must not wait for it to expire.
    const second = await klaxon(config, db);
    expect(
      await waitFor(() => new Set(hook.requests.map((r) => r.eventId)).size === ids.length, 20_000),
    ).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.requests.length).toBe(ids.length);
    expect(new Set(hook.requests.map((r) => r.key)).size).toBe(ids.length);
    expect(await second.stop()).toBe(0);
  }, 120_000);
});
