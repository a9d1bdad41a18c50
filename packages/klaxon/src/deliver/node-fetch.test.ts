import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { testNotification } from '../outputs/testdata/notifications.js';
import { webhookOutput } from '../outputs/webhook.js';
import { nodeFetch } from './node-fetch.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | undefined;
afterEach(async () => {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise<void>((r) => server!.close(() => r()));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('nodeFetch', () => {
  it('sends method, headers and a string body, and answers with a real Response', async () => {
    const { origin, seen } = await serve((_req, body, res) => {
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Answer': 'yes' });
      res.end(JSON.stringify({ echo: body }));
    });
    const res = await nodeFetch(`${origin}/hook?x=1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'k-1' },
      body: '{"a":1}',
    });
    expect(res.status).toBe(201);
    expect(res.ok).toBe(true);
    expect(res.headers.get('x-answer')).toBe('yes');
    expect(await res.json()).toEqual({ echo: '{"a":1}' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/hook?x=1', body: '{"a":1}' });
    expect(seen[0]?.headers['idempotency-key']).toBe('k-1');
    expect(seen[0]?.headers['content-length']).toBe('7');
  });

  it('sends byte bodies, and gives 204 a null body', async () => {
    const { origin, seen } = await serve((_req, _body, res) => res.writeHead(204).end());
    const res = await nodeFetch(origin, { method: 'PUT', body: new TextEncoder().encode('bytes') });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    expect(seen[0]).toMatchObject({ method: 'PUT', body: 'bytes' });
  });

  it('leaves other bodies and redirects to the global fetch', async () => {
    const { origin, seen } = await serve((req, _body, res) => {
      if (req.url === '/old') res.writeHead(307, { Location: '/new' }).end();
      else res.writeHead(200).end('moved here');
    });
    const form = await nodeFetch(`${origin}/form`, { method: 'POST', body: new URLSearchParams({ a: 'b' }) });
    expect(await form.text()).toBe('moved here');
    expect(seen[0]?.body).toBe('a=b');
    const redirected = await nodeFetch(`${origin}/old`, { method: 'POST', body: 'x' });
    expect(redirected.status).toBe(200);
    expect(seen.slice(1).map((s) => s.url)).toEqual(['/old', '/old', '/new']);
    await expect(
      nodeFetch(`${origin}/old`, { method: 'POST', body: 'x', redirect: 'error' }),
    ).rejects.toThrow();
  });

  it('rejects like fetch on abort and on a refused connection', async () => {
    const { origin } = await serve(() => {
      // never answers
    });
    const controller = new AbortController();
    const pending = nodeFetch(origin, { method: 'POST', body: 'x', signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });

    server!.closeAllConnections();
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const refused = await nodeFetch(origin, { method: 'POST', body: 'x' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as TypeError).message).toBe('fetch failed');
    expect(((refused as TypeError).cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('an output sends the same request through it as through the global fetch', async () => {
    const { origin, seen } = await serve((_req, _body, res) => res.writeHead(200).end());
    const config = { type: 'webhook' as const, url: `${origin}/hook`, secret: 's3cret-key' };
    const payload = webhookOutput.render(testNotification(), config, { accountAliases: {} });
    for (const f of [nodeFetch, globalThis.fetch]) {
      await webhookOutput.send(payload, config, {
        idempotencyKey: 'same',
        signal: new AbortController().signal,
        fetch: f,
      });
    }
    const [a, b] = seen;
    expect(a?.body).toBe(b?.body);
    for (const h of ['content-type', 'idempotency-key', 'x-klaxon-signature', 'x-klaxon-kind']) {
      expect([h, a?.headers[h]]).toEqual([h, b?.headers[h]]);
    }
  });
});
