/**
 * The HTTP face of `klaxon serve` (hono): event ingest (`POST /events`, `POST /sns`), health,
 * Prometheus metrics, and the operator API for silences, deliveries and rejected events. The
 * ingest logic itself lives in ingest.ts; `createRequestListener` answers `POST /events` straight
 * from `node:http` (the hottest route, and the framework's request/response objects cost about as
 * much CPU as the rest of the ingest path) and hands every other request to the hono app.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { KlaxonError } from '../errors.js';
import { RouteError } from '../route/errors.js';
import type { DeliveryState } from '../store/ports.js';
import {
  createIngest,
  INTERNAL_ERROR,
  type Ingest,
  type IngestDeps,
  isRecord,
  MAX_BODY_BYTES,
  Rejection,
  type Reply,
  readIncoming,
  tooLarge,
} from './ingest.js';
import { deliverySummary } from './listing.js';
import {
  fetchSnsCertificate,
  isTrustedSnsUrl,
  parseSnsMessage,
  SnsMessageError,
  verifySnsMessage,
} from './sns-message.js';

export { eventsOf, MAX_BODY_BYTES, MAX_EVENTS_PER_REQUEST } from './ingest.js';

/** What the HTTP app needs; everything is injected so tests run it in process. */
export interface ServerDeps extends IngestDeps {
  /** Fetches an SNS signing certificate (default: HTTPS GET from a trusted SNS host). */
  readonly fetchCert?: (url: string) => Promise<string>;
  /** Confirms an SNS subscription by GETting its SubscribeURL (default: fetch). */
  readonly confirmSubscription?: (url: string) => Promise<void>;
}

/**
 * Reads at most `limit` bytes of a request body; more is a 413, without reading the rest. Under
 * @hono/node-server the node stream is read directly (converting every request to a web stream
 * costs more than the rest of the ingest path); elsewhere (tests, other runtimes) the web body.
 */
async function readBody(c: Context, limit: number): Promise<string> {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (incoming instanceof Readable) return readIncoming(incoming as IncomingMessage, limit);
  return readWebBody(c.req.raw, limit);
}

/** `readBody` for a web Request. */
async function readWebBody(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, declared);
  if (request.body === null) return '';
  // Fast path: a declared length within the limit is read whole (no web-stream reader per chunk).
  if (Number.isFinite(declared)) {
    const bytes = await request.arrayBuffer();
    if (bytes.byteLength > limit) throw tooLarge(limit);
    return Buffer.from(bytes).toString('utf8');
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const APP_INGEST = new WeakMap<Hono, Ingest>();

/** Builds the hono app. */
export function createApp(deps: ServerDeps): Hono {
  const app = new Hono();
  const ingest = createIngest(deps);
  APP_INGEST.set(app, ingest);
  const fetchCert = deps.fetchCert ?? fetchSnsCertificate;
  const confirm =
    deps.confirmSubscription ??
    (async (url: string) => {
      const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (!res.ok) throw new SnsMessageError(`subscription confirmation answered HTTP ${res.status}`);
    });
  const answer = (c: Context, reply: Reply) =>
    c.json(reply.body as object, reply.status as Parameters<Context['json']>[1]);

  // Errors nobody expected: a 503 without internals, logged (redacted by the logger).
  app.onError((err, c) => {
    deps.log({ level: 'error', msg: 'request failed', path: c.req.path, error: String(err) });
    return answer(c, INTERNAL_ERROR);
  });
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  // Bearer token on everything but /healthz and /sns.
  app.use('*', async (c, next) => {
    if (c.req.path === '/healthz' || c.req.path === '/sns') return next();
    if (ingest.authorized(c.req.header('authorization'))) return next();
    return answer(c, await ingest.unauthorized());
  });

  app.post('/events', async (c) =>
    answer(c, await ingest.receive('http', () => readBody(c, MAX_BODY_BYTES))),
  );

  app.post('/sns', async (c) => {
    let text: string;
    try {
      text = await readBody(c, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof Rejection) return answer(c, await ingest.reject('sns', err, ''));
      throw err;
    }
    let msg: ReturnType<typeof parseSnsMessage>;
    try {
      msg = parseSnsMessage(text);
      await verifySnsMessage(msg, fetchCert);
    } catch (err) {
      if (err instanceof SnsMessageError) {
        const status = /signature|certificate|host/i.test(err.message) ? 403 : 400;
        return answer(c, await ingest.reject('sns', new Rejection(status, 'sns-invalid', err.message), text));
      }
      throw err;
    }
    if (msg.Type === 'SubscriptionConfirmation') {
      const url = msg.SubscribeURL ?? '';
      if (!isTrustedSnsUrl(url)) {
        return answer(
          c,
          await ingest.reject(
            'sns',
            new Rejection(403, 'sns-untrusted', 'SubscribeURL is not an SNS endpoint'),
            text,
          ),
        );
      }
      await confirm(url);
      deps.log({ level: 'info', msg: 'confirmed SNS subscription', topic: msg.TopicArn });
      return c.json({ confirmed: msg.TopicArn }, 200);
    }
    if (msg.Type === 'UnsubscribeConfirmation') return c.json({ ignored: 'UnsubscribeConfirmation' }, 200);
    return answer(c, await ingest.accept('sns', msg.Message));
  });

  app.get('/metrics', async (c) => {
    const text = await deps.metrics.render(deps.store, { inFlight: deps.worker?.inFlight ?? 0 });
    return c.text(text, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  app.get('/api/silences', async (c) => {
    const now = deps.clock.now().getTime();
    const silences = (await deps.store.listSilences()).map((s) => ({
      ...s,
      active: (s.from === undefined || Date.parse(s.from) <= now) && now < Date.parse(s.until),
    }));
    return c.json({ silences });
  });

  app.post('/api/silences', async (c) => {
    let input: unknown;
    try {
      input = JSON.parse(await readBody(c, MAX_BODY_BYTES));
    } catch (err) {
      if (err instanceof Rejection) return c.json({ error: err.message }, err.status);
      return c.json({ error: `malformed JSON: ${(err as Error).message}` }, 400);
    }
    if (!isRecord(input))
      return c.json({ error: 'expected { pattern, until, reason, from?, author? }' }, 400);
    try {
      const silence = await deps.router.addSilence(
        {
          pattern: input.pattern,
          until: String(input.until ?? ''),
          reason: String(input.reason ?? ''),
          ...(input.from === undefined ? {} : { from: String(input.from) }),
          ...(typeof input.author === 'string' ? { author: input.author } : {}),
        },
        'api',
      );
      return c.json(silence, 201);
    } catch (err) {
      if (err instanceof RouteError) return c.json({ error: err.message }, 400);
      throw err;
    }
  });

  app.delete('/api/silences/:id', async (c) => {
    const removed = await deps.router.removeSilence(c.req.param('id'), 'api');
    return removed ? c.body(null, 204) : c.json({ error: 'no such silence' }, 404);
  });

  app.get('/api/deliveries', async (c) => {
    const state = c.req.query('state');
    if (state !== undefined && !['pending', 'sent', 'dead'].includes(state)) {
      return c.json({ error: 'state: expected pending, sent or dead' }, 400);
    }
    const limit = Math.min(1000, Math.max(1, Number(c.req.query('limit') ?? 100) || 100));
    const after = c.req.query('after');
    const deliveries = await deps.store.listDeliveries({
      ...(state === undefined ? {} : { state: state as DeliveryState }),
      limit,
      ...(after === undefined ? {} : { after }),
    });
    return c.json({ deliveries: deliveries.map(deliverySummary) });
  });

  app.post('/api/deliveries/:id/retry', async (c) => {
    const ok = await deps.store.retryDelivery(c.req.param('id'), deps.clock.now().toISOString());
    if (!ok) return c.json({ error: 'no such delivery' }, 404);
    deps.worker?.wake();
    return c.json({ retried: c.req.param('id') });
  });

  app.get('/api/events', async (c) => {
    const status = c.req.query('status');
    if (status !== undefined && status !== 'accepted' && status !== 'rejected') {
      return c.json({ error: 'status: expected accepted or rejected' }, 400);
    }
    const limit = Math.min(1000, Math.max(1, Number(c.req.query('limit') ?? 100) || 100));
    const events = await deps.store.listEvents({ ...(status === undefined ? {} : { status }), limit });
    return c.json({ events });
  });

  return app;
}

/**
 * The node request listener `klaxon serve` runs: `POST /events` is answered by ingest directly
 * (same replies as the hono route), everything else by the hono app.
 */
export function createRequestListener(app: Hono, log: IngestDeps['log']): RequestListener {
  const ingest = APP_INGEST.get(app);
  if (ingest === undefined) throw new KlaxonError('createRequestListener: the app was not made by createApp');
  const viaHono = getRequestListener(app.fetch);
  const send = (res: ServerResponse, reply: Reply) => {
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  const fast = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (!ingest.authorized(req.headers.authorization)) {
        req.resume();
        return send(res, await ingest.unauthorized());
      }
      send(res, await ingest.receive('http', () => readIncoming(req, MAX_BODY_BYTES)));
    } catch (err) {
      log({ level: 'error', msg: 'request failed', path: '/events', error: String(err) });
      if (!res.headersSent) send(res, INTERNAL_ERROR);
    }
  };
  return (req, res) => {
    if (req.method === 'POST' && req.url === '/events') {
      void fast(req, res);
      return;
    }
    void viaHono(req, res);
  };
}

/** A listening server. */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  close(): Promise<void>;
}

/** Starts a request listener on `host:port` (port 0 picks a free one). */
export function listen(listener: RequestListener, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = createServer(listener);
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new KlaxonError(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err }));
    });
    server.listen(port, host, () => {
      const info = server.address() as AddressInfo;
      const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Idle keep-alive connections would hold close() open; busy ones finish their request.
            server.closeIdleConnections();
          }),
      });
    });
  });
}
