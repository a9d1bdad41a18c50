/**
 * Event ingest without a web framework: reading a request body with a size limit, the shapes a
 * body may take, and turning one request's text into committed, routed events. The hono app
 * (server.ts) and the bare `node:http` fast path for `POST /events` both answer through it, so
 * the two paths give byte-identical replies.
 *
 * Contract: a 202 is returned only after the event, its finding states and its deliveries are
 * committed to the store. Every rejection gets a clear JSON error and is archived as a rejected
 * event; nothing a client sends can stop the process from serving the next request.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DeliveryWorker, LogFn } from '../deliver/worker.js';
import { KlaxonError } from '../errors.js';
import type { Finding } from '../findings/finding.js';
import { FindingError, parseFindings } from '../findings/index.js';
import type { Clock } from '../route/clock.js';
import type { Router } from '../route/router.js';
import type { ArchivedEvent, Store } from '../store/ports.js';
import type { KlaxonMetrics } from './metrics.js';
import { receiptId } from './receipt-id.js';

/** Largest accepted request body (EventBridge's own event size limit). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Rejected bodies are archived truncated to this many characters. */
const REJECTED_BODY_CHARS = 4096;
/** Most events one request may carry (PutEvents takes 10, an API destination sends 1). */
export const MAX_EVENTS_PER_REQUEST = 500;

/** Where an event came in. */
export type Via = ArchivedEvent['via'];

/** A refused request: the HTTP status, a short machine reason and the message for the sender. */
export class Rejection extends KlaxonError {
  constructor(
    readonly status: 400 | 401 | 403 | 413 | 422,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'Rejection';
  }
}

/** An answer to send: status and JSON body. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

/** What ingest needs; everything is injected so tests run it in process. */
export interface IngestDeps {
  readonly router: Router;
  readonly store: Store;
  readonly clock: Clock;
  readonly metrics: KlaxonMetrics;
  readonly log: LogFn;
  /** Bearer token for every route but /healthz and /sns (SNS proves itself with a signature). */
  readonly token?: string | undefined;
  /** The outbox worker, woken when new deliveries are committed. */
  readonly worker?: DeliveryWorker;
}

/** The 413 for a body over `limit` bytes. */
export function tooLarge(limit: number, declared?: number): Rejection {
  const size = declared === undefined ? 'over the limit' : `${declared} bytes, over the limit`;
  return new Rejection(413, 'too-large', `request body is ${size} of ${limit} bytes`);
}

/** Reads at most `limit` bytes of a node request stream; more is a 413 (the rest is not buffered). */
export function readIncoming(incoming: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(incoming.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    incoming.resume(); // drain and discard so the connection can answer
    return Promise.reject(tooLarge(limit, declared));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        incoming.off('data', onData);
        incoming.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    incoming.on('data', onData);
    incoming.once('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    incoming.once('error', reject);
  });
}

/** True when `value` is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
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

/** The 503 for errors nobody expected: no internals, and the sender knows to retry. */
export const INTERNAL_ERROR: Reply = {
  status: 503,
  body: { error: 'internal error; the event was not accepted, retry later' },
};

/** Ingest bound to its dependencies. */
export interface Ingest {
  /** True when the request may pass: no token configured, or `Authorization: Bearer <token>`. */
  authorized(authorization: string | undefined): boolean;
  /** Records a refused request as a rejected event and answers its error. */
  reject(via: Via, err: Rejection, body: string): Promise<Reply>;
  /** Parses, routes and commits the events of one request; 202 once all are durable. */
  accept(via: Via, text: string): Promise<Reply>;
  /** The 401 for a missing or wrong token (recorded like every rejection). */
  unauthorized(): Promise<Reply>;
  /** Reads a request body with `read` (a Rejection refuses it, recorded) and accepts it. */
  receive(via: Via, read: () => Promise<string>): Promise<Reply>;
}

/** Builds the ingest core. */
export function createIngest(deps: IngestDeps): Ingest {
  async function reject(via: Via, err: Rejection, body: string): Promise<Reply> {
    deps.metrics.eventsRejected.inc({ via, reason: err.reason });
    const received: ArchivedEvent = {
      id: receiptId(),
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
    return { status: err.status, body: { error: err.message, reason: err.reason } };
  }

  async function accept(via: Via, text: string): Promise<Reply> {
    const started = performance.now();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return reject(
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
      if (err instanceof Rejection) return reject(via, err, text);
      throw err;
    }
    await deps.worker?.admit();
    const now = deps.clock.now().toISOString();
    const decisions = await Promise.all(
      parsed.map(({ event, findings }) => {
        const eventId = isRecord(event) && typeof event.id === 'string' ? event.id : undefined;
        const receipt: ArchivedEvent = {
          id: receiptId(),
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
    return {
      status: 202,
      body: {
        accepted: decisions.length,
        events: decisions.map(({ receipt, decision }) => ({
          receipt: receipt.id,
          ...(receipt.eventId === undefined ? {} : { id: receipt.eventId }),
          matched: decision.matched,
          silenced: decision.silenced,
          notifications: decision.notifications.length,
        })),
      },
    };
  }

  async function receive(via: Via, read: () => Promise<string>): Promise<Reply> {
    let text: string;
    try {
      text = await read();
    } catch (err) {
      if (err instanceof Rejection) return reject(via, err, '');
      throw err;
    }
    return accept(via, text);
  }

  return {
    receive,
    authorized(authorization) {
      if (deps.token === undefined) return true;
      const match = /^Bearer (.+)$/i.exec(authorization ?? '');
      return match?.[1] !== undefined && safeEqual(match[1], deps.token);
    },
    reject,
    accept,
    unauthorized: () =>
      reject(
        'http',
        new Rejection(401, 'unauthorized', 'missing or wrong bearer token (Authorization: Bearer <token>)'),
        '',
      ),
  };
}
