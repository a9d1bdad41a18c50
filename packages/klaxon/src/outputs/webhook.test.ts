import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryFailure } from './testdata/delivery-failures.js';
import { type LoopbackHttp, startLoopbackHttp } from './testdata/loopback-http.js';
import { testFinding, testNotification } from './testdata/notifications.js';
import { renderWebhook, type WebhookConfig, webhookOutput, webhookSignature } from './webhook.js';

let server: LoopbackHttp | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function ctx(key = 'idem-1') {
  return { idempotencyKey: key, signal: new AbortController().signal, fetch: globalThis.fetch };
}

async function sendOnce(config: WebhookConfig, n = testNotification()) {
  const payload = webhookOutput.render(n, config, { accountAliases: {} });
  return webhookOutput.send(payload, config, ctx());
}

/** `promise` must reject with a DeliveryError (which secrets it may not carry is tested separately). */
const failure = (promise: Promise<unknown>) => deliveryFailure(() => promise, []);

describe('webhook config', () => {
  it('accepts url, headers and secret and rejects unknown keys', () => {
    const ok = webhookOutput.schema.safeParse({
      type: 'webhook',
      url: 'https://hooks.example.com/x',
      headers: { Authorization: 'Bearer t' },
      secret: 's3cret',
    });
    expect(ok.success).toBe(true);
    expect(
      webhookOutput.schema.safeParse({ type: 'webhook', url: 'https://a.example', method: 'PUT' }).success,
    ).toBe(false);
    expect(webhookOutput.schema.safeParse({ type: 'webhook', url: 'ftp://a.example' }).success).toBe(false);
  });

  it('refuses to let a config override the headers Klaxon sets', () => {
    const r = webhookOutput.schema.safeParse({
      type: 'webhook',
      url: 'https://a.example',
      headers: { 'idempotency-key': 'x' },
    });
    expect(r.success).toBe(false);
  });

  it('lists url, header values, secret and url credentials as secrets', () => {
    const secrets = webhookOutput.secrets({
      type: 'webhook',
      url: 'https://user:pw123@a.example/hook?token=abcd',
      headers: { Authorization: 'Bearer zzz' },
      secret: 'hmac-key',
    });
    expect(secrets).toEqual(expect.arrayContaining(['Bearer zzz', 'hmac-key', 'pw123', 'token=abcd']));
  });
});

describe('webhook render', () => {
  it('sends the EventBridge event of a single finding', () => {
    const n = testNotification();
    expect(renderWebhook(n).body).toEqual(n.findings[0]!.event);
    expect(renderWebhook(n).meta).toEqual({ kind: 'new', rule: 'guardduty-high' });
  });

  it('sends the transformed body verbatim when the rule has a transform', () => {
    const n = testNotification({ transformed: '"Finding 123 is HIGH"' });
    expect(renderWebhook(n).body).toBe('"Finding 123 is HIGH"');
  });

  it('sends every event of a digest, in order', () => {
    const a = testFinding({ key: 'a', event: { ...testFinding().event, id: 'ev-a' } });
    const b = testFinding({ key: 'b', event: { ...testFinding().event, id: 'ev-b' } });
    const body = renderWebhook(
      testNotification({ kind: 'digest', findings: [a, b], group: { key: 'g', labels: { account: '1' } } }),
    ).body as { events: { id: string }[]; group: unknown };
    expect(body.events.map((e) => e.id)).toEqual(['ev-a', 'ev-b']);
    expect(body.group).toEqual({ account: '1' });
  });
});

describe('webhook send (loopback HTTP)', () => {
  it('POSTs JSON with Idempotency-Key, custom headers and an HMAC signature of the exact body', async () => {
    server = await startLoopbackHttp({ status: 204 });
    const config: WebhookConfig = {
      type: 'webhook',
      url: `${server.origin}/hook`,
      headers: { 'X-Tenant': 'blue' },
      secret: 'shh-its-a-secret',
    };
    await sendOnce(config);
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/hook');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['idempotency-key']).toBe('idem-1');
    expect(req?.headers['x-tenant']).toBe('blue');
    expect(req?.headers['x-klaxon-kind']).toBe('new');
    const expected = `sha256=${createHmac('sha256', 'shh-its-a-secret').update(req!.body).digest('hex')}`;
    expect(req?.headers['x-klaxon-signature']).toBe(expected);
    expect(webhookSignature('shh-its-a-secret', req!.body)).toBe(expected);
    expect(JSON.parse(req!.body).id).toBe('bb9fb524-59ef-513a-8659-b12a3795ae8b');
  });

  it('sends no signature without a secret, and text/plain for a non-JSON transformed body', async () => {
    server = await startLoopbackHttp({ status: 200 });
    await sendOnce({ type: 'webhook', url: server.origin }, testNotification({ transformed: 'plain words' }));
    const [req] = server.requests;
    expect(req?.headers['x-klaxon-signature']).toBeUndefined();
    expect(req?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(req?.body).toBe('plain words');
  });

  it.each([408, 425, 429, 500, 502, 503])('HTTP %i is retryable', async (status) => {
    server = await startLoopbackHttp({ status });
    const err = await failure(sendOnce({ type: 'webhook', url: server.origin }));
    expect(err.retryable).toBe(true);
    expect(err.status).toBe(status);
  });

  it.each([400, 401, 403, 404, 410, 422])('HTTP %i is final', async (status) => {
    server = await startLoopbackHttp({ status, body: 'nope' });
    const err = await failure(sendOnce({ type: 'webhook', url: server.origin }));
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(status);
  });

  it('reads Retry-After in seconds and as an HTTP date', async () => {
    server = await startLoopbackHttp({ status: 429, headers: { 'Retry-After': '7' } });
    expect((await failure(sendOnce({ type: 'webhook', url: server.origin }))).retryAfterMs).toBe(7000);
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    server.respond({ status: 503, headers: { 'Retry-After': inAMinute } });
    const ms = (await failure(sendOnce({ type: 'webhook', url: server.origin }))).retryAfterMs;
    expect(ms).toBeGreaterThan(50_000);
    expect(ms).toBeLessThanOrEqual(60_000);
  });

  it('a refused connection is retryable and the message does not leak the URL token', async () => {
    server = await startLoopbackHttp();
    const dead = `${server.origin}/hook?token=very-secret-token`;
    await server.close();
    server = undefined;
    const err = await failure(sendOnce({ type: 'webhook', url: dead }));
    expect(err.retryable).toBe(true);
    expect(err.message).not.toContain('very-secret-token');
  });

  it('an error body quoting the secret header is masked', async () => {
    server = await startLoopbackHttp({ status: 401, body: 'bad token Bearer leaked-header-value' });
    const err = await failure(
      sendOnce({
        type: 'webhook',
        url: server.origin,
        headers: { Authorization: 'Bearer leaked-header-value' },
      }),
    );
    expect(err.message).not.toContain('leaked-header-value');
    expect(err.message).toContain('HTTP 401');
  });
});
