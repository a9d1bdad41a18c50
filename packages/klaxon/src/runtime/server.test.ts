import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { ManualClock } from '../route/clock.js';
import { guardDuty, sample } from '../route/testdata/samples.js';
import { MemoryStore } from '../store/memory.js';
import { KlaxonMetrics } from './metrics.js';
import { createApp, createRequestListener, listen, MAX_BODY_BYTES } from './server.js';
import { clearSnsCertificateCache, type SnsMessage, snsStringToSign } from './sns-message.js';
import { createDeliveryWorker, createRouter } from './wiring.js';

/** A response body as the assertions read it (they check its shape). */
// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are checked field by field by the assertions
type Json = Record<string, any>;
const asJson = (value: unknown) => value as Json;

const TOKEN = 'a-long-enough-test-token';

const CONFIG = `
outputs:
  hook: { type: webhook, url: "http://127.0.0.1:9/hook" }
rules:
  - name: gd
    pattern: { source: [aws.guardduty] }
    notify: [hook]
  - name: sh
    pattern: { source: [aws.securityhub] }
    notify: [hook]
`;

async function setup(options: { token?: string; confirm?: (url: string) => Promise<void> } = {}) {
  const config = parseConfig(CONFIG, 'test.yaml');
  const store = new MemoryStore();
  const clock = new ManualClock('2026-03-01T00:00:00.000Z');
  const router = await createRouter(config, store, clock);
  const metrics = new KlaxonMetrics();
  const logs: unknown[] = [];
  const worker = createDeliveryWorker(config, store, clock, { redact: (t) => t });
  const app = createApp({
    router,
    store,
    clock,
    metrics,
    log: (r) => logs.push(r),
    token: options.token,
    worker,
    fetchCert: async () => certPem,
    confirmSubscription: options.confirm ?? (async () => {}),
  });
  const auth: Record<string, string> =
    options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` };
  const post = (path: string, body: string | object, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', ...auth, ...headers },
    });
  const get = (path: string) => app.request(path, { headers: auth });
  return { app, store, router, metrics, post, get, clock, logs, auth };
}

describe('POST /events', () => {
  it('accepts one event with 202 after it and its deliveries are stored', async () => {
    const { post, store } = await setup();
    const res = await post('/events', guardDuty({}));
    expect(res.status).toBe(202);
    const body = await res.json().then(asJson);
    expect(body.accepted).toBe(1);
    expect(body.events[0]).toMatchObject({ matched: ['gd'], notifications: 1, silenced: false });
    expect(await store.listDeliveries({ state: 'pending' })).toHaveLength(1);
    expect((await store.listEvents({ status: 'accepted' }))[0]?.eventId).toBe(
      'bb9fb524-59ef-513a-8659-b12a3795ae8b',
    );
  });

  it('accepts an array of events and a PutEvents request', async () => {
    const { post, store } = await setup();
    const arr = await post('/events', [
      guardDuty({ id: 'a' }),
      sample('securityhub/asr--fsbp_EC2.1--CRITICAL_FAILED_NEW.json'),
    ]);
    expect(arr.status).toBe(202);
    expect((await arr.json().then(asJson)).accepted).toBe(2);
    const gd = guardDuty({ id: 'b' });
    const put = await post('/events', {
      Entries: [
        {
          Source: gd.source,
          DetailType: gd['detail-type'],
          Detail: JSON.stringify(gd.detail),
          Account: gd.account,
          Region: gd.region,
        },
      ],
    });
    expect(put.status).toBe(202);
    expect(await store.listDeliveries({})).toHaveLength(3);
  });

  it('a redelivered event creates no second delivery', async () => {
    const { post, store } = await setup();
    await post('/events', guardDuty({}));
    const again = await post('/events', guardDuty({}));
    expect(again.status).toBe(202);
    expect((await again.json().then(asJson)).events[0].notifications).toBe(0);
    expect(await store.listDeliveries({})).toHaveLength(1);
  });

  it.each([
    ['malformed JSON', '{"source": ', 400, 'malformed-json'],
    ['non-JSON', 'hello there', 400, 'malformed-json'],
    ['an unknown shape', '{"hello":"world"}', 422, 'unknown-shape'],
    ['a JSON scalar', '42', 422, 'unknown-shape'],
    ['an empty array', '[]', 422, 'empty'],
  ])('rejects %s with a clear error, records it, and keeps serving', async (_what, body, status, reason) => {
    const { post, store, metrics } = await setup();
    const res = await post('/events', body);
    expect(res.status).toBe(status);
    const json = await res.json().then(asJson);
    expect(json.reason).toBe(reason);
    expect(typeof json.error).toBe('string');
    const [rejected] = await store.listEvents({ status: 'rejected' });
    expect(rejected?.reason).toBe(json.error);
    expect(rejected?.body).toBe(body);
    expect(metrics.eventsRejected.get({ via: 'http', reason })).toBe(1);
    expect((await post('/events', guardDuty({}))).status).toBe(202);
  });

  it('names the bad event of an array and accepts none of it', async () => {
    const { post, store } = await setup();
    const res = await post('/events', [guardDuty({}), { nope: true }]);
    expect(res.status).toBe(422);
    expect((await res.json().then(asJson)).error).toMatch(/^event \[1\]: /);
    expect(await store.listDeliveries({})).toEqual([]);
  });

  it('refuses a body over 256 KiB with 413 and records it', async () => {
    const { post, store } = await setup();
    const big = JSON.stringify({ ...guardDuty({}), padding: 'x'.repeat(MAX_BODY_BYTES) });
    const res = await post('/events', big);
    expect(res.status).toBe(413);
    expect((await res.json().then(asJson)).reason).toBe('too-large');
    expect((await store.listEvents({ status: 'rejected' }))[0]?.reason).toMatch(
      /over the limit of 262144 bytes/,
    );
  });

  it('refuses a body over the limit even without Content-Length (chunked)', async () => {
    const { app } = await setup();
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await app.request('/events', {
      method: 'POST',
      body: stream,
      headers: { 'Content-Type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });
});

describe('the node:http fast path for POST /events', () => {
  const cases: [string, string | undefined, string | (() => string)][] = [
    ['a finding', TOKEN, () => JSON.stringify(guardDuty({ id: 'fast' }))],
    ['malformed JSON', TOKEN, '{"source": '],
    ['an unknown shape', TOKEN, '{"hello":"world"}'],
    ['a body over 256 KiB', TOKEN, () => 'x'.repeat(MAX_BODY_BYTES + 1)],
    ['no token', undefined, () => JSON.stringify(guardDuty({}))],
    ['a wrong token', `${TOKEN}x`, () => JSON.stringify(guardDuty({}))],
  ];
  it.each(cases)(
    'answers %s exactly as the hono route does, and records it the same',
    async (_what, token, body) => {
      const text = typeof body === 'string' ? body : body();
      const headers = {
        'Content-Type': 'application/json',
        ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      };
      const viaHono = await setup({ token: TOKEN });
      const viaNode = await setup({ token: TOKEN });
      const server = await listen(
        createRequestListener(viaNode.app, () => {}),
        '127.0.0.1',
        0,
      );
      try {
        // fetch sends Content-Length; a web Request made in process has none unless given.
        const a = await viaHono.app.request('/events', {
          method: 'POST',
          body: text,
          headers: { ...headers, 'Content-Length': String(Buffer.byteLength(text)) },
        });
        const b = await fetch(`${server.url}/events`, { method: 'POST', body: text, headers });
        expect(b.status).toBe(a.status);
        expect(b.headers.get('content-type')).toMatch(/^application\/json/);
        const strip = (json: Json) => JSON.stringify(json, (k, v) => (k === 'receipt' ? undefined : v));
        expect(strip(await b.json().then(asJson))).toBe(strip(await a.json().then(asJson)));
        const summary = async (store: typeof viaHono.store) =>
          (await store.listEvents({})).map((e) => [e.status, e.reason, e.body.length]);
        expect(await summary(viaNode.store)).toEqual(await summary(viaHono.store));
        expect(await viaNode.store.listDeliveries({})).toHaveLength(
          (await viaHono.store.listDeliveries({})).length,
        );
      } finally {
        await server.close();
      }
    },
  );

  it('hands every other request to the hono app, and a failing store gives a 503 without internals', async () => {
    const { app, store } = await setup();
    const logs: unknown[] = [];
    const server = await listen(
      createRequestListener(app, (r) => logs.push(r)),
      '127.0.0.1',
      0,
    );
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/events`)).status).toBe(404);
      store.commit = async () => {
        throw new Error('disk on fire at /secret/path');
      };
      const res = await fetch(`${server.url}/events`, {
        method: 'POST',
        body: JSON.stringify(guardDuty({})),
      });
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(text).not.toMatch(/disk on fire|secret/);
      expect(JSON.stringify(logs)).toMatch(/disk on fire/);
    } finally {
      await server.close();
    }
  });
});

describe('bearer token', () => {
  it('is required on every route but /healthz and /sns, compared exactly', async () => {
    const { app, store } = await setup({ token: TOKEN });
    expect((await app.request('/healthz')).status).toBe(200);
    const none = await app.request('/events', { method: 'POST', body: JSON.stringify(guardDuty({})) });
    expect(none.status).toBe(401);
    expect((await none.json().then(asJson)).reason).toBe('unauthorized');
    const wrong = await app.request('/api/deliveries', { headers: { Authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect((await app.request('/metrics')).status).toBe(401);
    const ok = await app.request('/events', {
      method: 'POST',
      body: JSON.stringify(guardDuty({})),
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.status).toBe(202);
    expect((await store.listEvents({ status: 'rejected' })).map((e) => e.reason)).toHaveLength(3);
  });
});

describe('operator API', () => {
  it('creates, lists and deletes silences; a silenced event is accepted but not announced', async () => {
    const { post, get, app, auth } = await setup({ token: TOKEN });
    const bad = await post('/api/silences', {
      pattern: { account: 'x' },
      until: '2027-01-01T00:00:00Z',
      reason: 'r',
    });
    expect(bad.status).toBe(400);
    expect((await bad.json().then(asJson)).error).toMatch(/^pattern: Event pattern is not valid/);
    const created = await post('/api/silences', {
      pattern: { account: ['884003976652'] },
      until: '2027-01-01T00:00:00Z',
      reason: 'sandbox account',
      author: 'ana',
    });
    expect(created.status).toBe(201);
    const { id } = await created.json().then(asJson);
    const list = await (await get('/api/silences')).json().then(asJson);
    expect(list.silences.map((s: { id: string; active: boolean }) => [s.id, s.active])).toEqual([[id, true]]);
    const routed = await (await post('/events', guardDuty({}))).json().then(asJson);
    expect(routed.events[0]).toMatchObject({ silenced: true, notifications: 0 });
    expect((await app.request(`/api/silences/${id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await app.request(`/api/silences/${id}`, { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it('lists deliveries by state and retries a dead letter', async () => {
    const { post, get, store, clock } = await setup();
    await post('/events', guardDuty({}));
    const [d] = await store.claimDeliveries(clock.now().toISOString(), 1, 1000);
    await store.recordOutcome(d!.id, { kind: 'dead', at: clock.now().toISOString(), error: 'HTTP 400' });
    const dead = await (await get('/api/deliveries?state=dead')).json().then(asJson);
    expect(dead.deliveries).toMatchObject([{ id: d!.id, state: 'dead', lastError: 'HTTP 400', kind: 'new' }]);
    expect((await get('/api/deliveries?state=bogus')).status).toBe(400);
    expect((await post(`/api/deliveries/${d!.id}/retry`, '')).status).toBe(200);
    expect((await post('/api/deliveries/nope/retry', '')).status).toBe(404);
    expect((await store.getDelivery(d!.id))?.state).toBe('pending');
  });

  it('lists rejected events', async () => {
    const { post, get } = await setup();
    await post('/events', 'nope');
    const { events } = await (await get('/api/events?status=rejected')).json().then(asJson);
    expect(events).toHaveLength(1);
    expect(events[0].status).toBe('rejected');
  });

  it('exposes Prometheus metrics', async () => {
    const { post, get } = await setup();
    await post('/events', guardDuty({}));
    await post('/events', 'nope');
    const res = await get('/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('klaxon_events_accepted_total{via="http"} 1');
    expect(text).toContain('klaxon_events_rejected_total{via="http",reason="malformed-json"} 1');
    expect(text).toContain('klaxon_deliveries{state="pending"} 1');
    expect(text).toContain('klaxon_notifications_total{rule="gd",kind="new"} 1');
    expect(text).toMatch(/klaxon_ingest_seconds_bucket\{le="\+Inf"\} 1/);
  });
});

// SNS: a real RSA key and a self-signed certificate made for this run.
const dir = mkdtempSync(join(tmpdir(), 'klaxon-server-sns-'));
const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
writeFileSync(join(dir, 'k.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
execFileSync(
  'openssl',
  [
    'req',
    '-new',
    '-x509',
    '-key',
    join(dir, 'k.pem'),
    '-out',
    join(dir, 'c.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=sns.amazonaws.com',
  ],
  {
    stdio: 'pipe',
  },
);
const certPem = readFileSync(join(dir, 'c.pem'), 'utf8');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function snsMessage(fields: Partial<SnsMessage> & Pick<SnsMessage, 'Type' | 'Message'>): SnsMessage {
  const base = {
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: 'arn:aws:sns:us-east-1:111122223333:klaxon',
    Timestamp: '2026-03-01T00:00:00.000Z',
    SignatureVersion: '2' as const,
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem',
    Signature: '',
    ...fields,
  };
  const signature = sign('sha256', Buffer.from(snsStringToSign(base), 'utf8'), privateKey).toString('base64');
  return { ...base, Signature: signature };
}

describe('POST /sns', () => {
  it('routes a signed notification carrying an EventBridge event', async () => {
    clearSnsCertificateCache();
    const { app, store } = await setup({ token: TOKEN });
    const msg = snsMessage({ Type: 'Notification', Message: JSON.stringify(guardDuty({})) });
    const res = await app.request('/sns', { method: 'POST', body: JSON.stringify(msg) });
    expect(res.status).toBe(202);
    expect((await store.listEvents({ status: 'accepted' }))[0]?.via).toBe('sns');
  });

  it('rejects a tampered message with 403', async () => {
    clearSnsCertificateCache();
    const { app, store } = await setup();
    const msg = snsMessage({ Type: 'Notification', Message: JSON.stringify(guardDuty({})) });
    const res = await app.request('/sns', {
      method: 'POST',
      body: JSON.stringify({ ...msg, Message: JSON.stringify(guardDuty({ severity: 9 })) }),
    });
    expect(res.status).toBe(403);
    expect(await store.listDeliveries({})).toEqual([]);
  });

  it('confirms a subscription only for a trusted SubscribeURL', async () => {
    clearSnsCertificateCache();
    const confirmed: string[] = [];
    const { app } = await setup({ confirm: async (url) => void confirmed.push(url) });
    const good = 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc';
    const ok = await app.request('/sns', {
      method: 'POST',
      body: JSON.stringify(
        snsMessage({
          Type: 'SubscriptionConfirmation',
          Message: 'confirm',
          SubscribeURL: good,
          Token: 'abc',
        }),
      ),
    });
    expect(ok.status).toBe(200);
    expect(confirmed).toEqual([good]);
    const evil = await app.request('/sns', {
      method: 'POST',
      body: JSON.stringify(
        snsMessage({
          Type: 'SubscriptionConfirmation',
          Message: 'confirm',
          SubscribeURL: 'https://sns.us-east-1.amazonaws.com.evil.example/?Action=ConfirmSubscription',
          Token: 'abc',
        }),
      ),
    });
    expect(evil.status).toBe(403);
    expect(confirmed).toEqual([good]);
  });
});
