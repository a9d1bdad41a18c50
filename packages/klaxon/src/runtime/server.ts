/**
 * The HTTP face of `klaxon serve` (hono): event ingest (`POST /events`, `POST /sns`), health,
 * Prometheus metrics, and the operator API for silences, deliveries and rejected events.
 *
 * Contract: a 202 is returned only after the event, its finding states and its deliveries are
 * committed to the store. Every rejection gets a clear JSON error and is archived as a rejected
 * event; nothing a client sends can stop the process from serving the next request.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import type { DeliveryWorker, LogFn } from '../deliver/worker.js';
import { KlaxonError } from '../errors.js';
import type { Finding } from '../findings/finding.js';
import { FindingError, parseFindings } from '../findings/index.js';
import type { Clock } from '../route/clock.js';
import { RouteError } from '../route/errors.js';
import type { Router } from '../route/router.js';
import type { ArchivedEvent, DeliveryState, Store } from '../store/ports.js';
import { deliverySummary } from './listing.js';
import type { KlaxonMetrics } from './metrics.js';
import {
  fetchSnsCertificate,
  isTrustedSnsUrl,
  parseSnsMessage,
  SnsMessageError,
  verifySnsMessage,
} from './sns-message.js';

/** Largest accepted request body (EventBridge's own event size limit). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Rejected bodies are archived truncated to this many characters. */
const REJECTED_BODY_CHARS = 4096;
/** Most events one request may carry (PutEvents takes 10, an API destination sends 1). */
export const MAX_EVENTS_PER_REQUEST = 500;

/** What the HTTP app needs; everything is injected so tests run it in process. */
export interface ServerDeps {
  readonly router: Router;
  readonly store: Store;
  readonly clock: Clock;
  readonly metrics: KlaxonMetrics;
  readonly log: LogFn;
  /** Bearer token for every route but /healthz and /sns (SNS proves itself with a signature). */
  readonly token?: string | undefined;
  /** The outbox worker, woken when new deliveries are committed. */
  readonly worker?: DeliveryWorker;
  /** Fetches an SNS signing certificate (default: HTTPS GET from a trusted SNS host). */
  readonly fetchCert?: (url: string) => Promise<string>;
  /** Confirms an SNS subscription by GETting its SubscribeURL (default: fetch). */
  readonly confirmSubscription?: (url: string) => Promise<void>;
}

type Via = ArchivedEvent['via'];

class Rejection extends KlaxonError {
  constructor(
    readonly status: 400 | 401 | 403 | 413 | 422,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'Rejection';
  }
}

/** Reads at most `limit` bytes of a node request stream; more is a 413 (the rest is not buffered). */
function readIncoming(incoming: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        incoming.off('data', onData);
        incoming.resume(); // drain and discard the rest so the connection can answer
        reject(new Rejection(413, 'too-large', `request body is over the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    incoming.on('data', onData);
    incoming.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    incoming.once('error', reject);
  });
}

/**
 * Reads at most `limit` bytes of a request body; more is a 413, without reading the rest. Under
 * @hono/node-server the node stream is read directly (converting every request to a web stream
 * costs more than the rest of the ingest path); elsewhere (tests, other runtimes) the web body.
 */
async function readBody(c: Context, limit: number): Promise<string> {
  const request = c.req.raw;
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    throw new Rejection(
      413,
      'too-large',
      `request body is ${declared} bytes, over the limit of ${limit} bytes`,
    );
  }
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (incoming instanceof Readable) return readIncoming(incoming as IncomingMessage, limit);
  return readWebBody(request, limit);
}

/** `readBody` for a web Request (the declared length was already checked against `limit`). */
async function readWebBody(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (request.body === null) return '';
  // Fast path: a declared length within the limit is read whole (no web-stream reader per chunk).
  if (Number.isFinite(declared)) {
    const bytes = await request.arrayBuffer();
    if (bytes.byteLength > limit) {
      throw new Rejection(413, 'too-large', `request body is over the limit of ${limit} bytes`);
    }
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
      throw new Rejection(413, 'too-large', `request body is over the limit of ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The events in a request body: one EventBridge event (what an API destination sends), an array of
 * them, or a PutEvents request (`{ "Entries": [ { Source, DetailType, Detail, … } ] }`).
 */
export function eventsOf(body: unknown): unknown[] {
  if (Array.isArray(body)) {
    if (body.length === 0) throw new Rejection(422, 'empty', 'the array holds no events');
    return body;
  }
  if (isRecord(body) && Array.isArray(body.Entries)) {
    return body.Entries.map((entry, i) => {
      if (!isRecord(entry)) throw new Rejection(422, 'unknown-shape', `Entries[${i}]: expected an object`);
      let detail: unknown = entry.Detail;
      if (typeof detail === 'string') {
        try {
          detail = JSON.parse(detail);
        } catch {
          throw new Rejection(422, 'unknown-shape', `Entries[${i}].Detail: not valid JSON`);
        }
      }
      return {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: entry.Account ?? '000000000000',
        time: typeof entry.Time === 'string' ? entry.Time : new Date().toISOString(),
        region: entry.Region ?? 'us-east-1',
        resources: entry.Resources ?? [],
        detail,
      };
    });
  }
  return [body];
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Builds the hono app. */
export function createApp(deps: ServerDeps): Hono {
  const app = new Hono();
  const fetchCert = deps.fetchCert ?? fetchSnsCertificate;
  const confirm =
    deps.confirmSubscription ??
    (async (url: string) => {
      const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (!res.ok) throw new SnsMessageError(`subscription confirmation answered HTTP ${res.status}`);
    });

  async function reject(c: Context, via: Via, err: Rejection, body: string) {
    deps.metrics.eventsRejected.inc({ via, reason: err.reason });
    const received: ArchivedEvent = {
      id: randomUUID(),
      receivedAt: deps.clock.now().toISOString(),
      via,
      status: 'rejected',
      reason: err.message,
      body: body.length > REJECTED_BODY_CHARS ? body.slice(0, REJECTED_BODY_CHARS) : body,
    };
    try {
      await deps.store.commit({ events: [received] });
    } catch (storeErr) {
      deps.log({ level: 'error', msg: 'could not record a rejected request', error: String(storeErr) });
    }
    return c.json({ error: err.message, reason: err.reason }, err.status);
  }

  /** Parses, routes and commits the events of one request; 202 once all are durable. */
  async function ingest(c: Context, via: Via, text: string) {
    const started = performance.now();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return reject(
        c,
        via,
        new Rejection(400, 'malformed-json', `malformed JSON: ${(err as Error).message}`),
        text,
      );
    }
    let parsed: { event: unknown; findings: Finding[] }[];
    try {
      const events = eventsOf(body);
      if (events.length > MAX_EVENTS_PER_REQUEST) {
        throw new Rejection(
          422,
          'too-many',
          `${events.length} events; at most ${MAX_EVENTS_PER_REQUEST} per request`,
        );
      }
      parsed = events.map((event, i) => {
        try {
          return { event, findings: parseFindings(event) };
        } catch (err) {
          if (err instanceof FindingError) {
            const where = events.length > 1 ? `event [${i}]: ` : '';
            throw new Rejection(
              422,
              'unknown-shape',
              `${where}not an event Klaxon can route: ${err.message}`,
            );
          }
          throw err;
        }
      });
    } catch (err) {
      if (err instanceof Rejection) return reject(c, via, err, text);
      throw err;
    }
    const now = deps.clock.now().toISOString();
    const decisions = await Promise.all(
      parsed.map(({ event, findings }) => {
        const eventId = isRecord(event) && typeof event.id === 'string' ? event.id : undefined;
        const receipt: ArchivedEvent = {
          id: randomUUID(),
          ...(eventId === undefined ? {} : { eventId }),
          receivedAt: now,
          via,
          status: 'accepted',
          body: parsed.length === 1 ? text : JSON.stringify(event),
        };
        return deps.router.route(event, receipt, findings).then((decision) => ({ receipt, decision }));
      }),
    );
    deps.metrics.ingestSeconds.observe({}, (performance.now() - started) / 1000);
    deps.metrics.eventsAccepted.inc({ via }, decisions.length);
    let enqueued = 0;
    for (const { decision } of decisions) {
      for (const n of decision.notifications) deps.metrics.notifications.inc({ rule: n.rule, kind: n.kind });
      for (const f of decision.findings) if (f.silenced && f.matched.length > 0) deps.metrics.silenced.inc();
      enqueued += decision.notifications.length;
    }
    if (enqueued > 0) deps.worker?.wake();
    return c.json(
      {
        accepted: decisions.length,
        events: decisions.map(({ receipt, decision }) => ({
          receipt: receipt.id,
          ...(receipt.eventId === undefined ? {} : { id: receipt.eventId }),
          matched: decision.matched,
          silenced: decision.silenced,
          notifications: decision.notifications.length,
        })),
      },
      202,
    );
  }

  // Errors nobody expected: a 500 without internals, logged (redacted by the logger).
  app.onError((err, c) => {
    deps.log({ level: 'error', msg: 'request failed', path: c.req.path, error: String(err) });
    return c.json({ error: 'internal error; the event was not accepted, retry later' }, 503);
  });
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  // Bearer token on everything but /healthz and /sns.
  app.use('*', async (c, next) => {
    if (deps.token === undefined || c.req.path === '/healthz' || c.req.path === '/sns') return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer (.+)$/i.exec(header);
    if (match?.[1] !== undefined && safeEqual(match[1], deps.token)) return next();
    const via: Via = 'http';
    return reject(
      c,
      via,
      new Rejection(401, 'unauthorized', 'missing or wrong bearer token (Authorization: Bearer <token>)'),
      '',
    );
  });

  app.post('/events', async (c) => {
    let text: string;
    try {
      text = await readBody(c, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof Rejection) return reject(c, 'http', err, '');
      throw err;
    }
    return ingest(c, 'http', text);
  });

  app.post('/sns', async (c) => {
    let text: string;
    try {
      text = await readBody(c, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof Rejection) return reject(c, 'sns', err, '');
      throw err;
    }
    let msg: ReturnType<typeof parseSnsMessage>;
    try {
      msg = parseSnsMessage(text);
      await verifySnsMessage(msg, fetchCert);
    } catch (err) {
      if (err instanceof SnsMessageError) {
        const status = /signature|certificate|host/i.test(err.message) ? 403 : 400;
        return reject(c, 'sns', new Rejection(status, 'sns-invalid', err.message), text);
      }
      throw err;
    }
    if (msg.Type === 'SubscriptionConfirmation') {
      const url = msg.SubscribeURL ?? '';
      if (!isTrustedSnsUrl(url)) {
        return reject(
          c,
          'sns',
          new Rejection(403, 'sns-untrusted', 'SubscribeURL is not an SNS endpoint'),
          text,
        );
      }
      await confirm(url);
      deps.log({ level: 'info', msg: 'confirmed SNS subscription', topic: msg.TopicArn });
      return c.json({ confirmed: msg.TopicArn }, 200);
    }
    if (msg.Type === 'UnsubscribeConfirmation') return c.json({ ignored: 'UnsubscribeConfirmation' }, 200);
    return ingest(c, 'sns', msg.Message);
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

/** A listening server. */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  close(): Promise<void>;
}

/** Starts the app on `host:port` (port 0 picks a free one). */
export function listen(app: Hono, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Idle keep-alive connections would hold close() open; busy ones finish their request.
            if ('closeIdleConnections' in server) server.closeIdleConnections();
          }),
      });
    });
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new KlaxonError(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err }));
    });
  });
}
