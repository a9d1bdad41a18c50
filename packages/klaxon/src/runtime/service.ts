/**
 * `klaxon serve` as a value: the store, router, outbox worker, group flusher, periodic upkeep and
 * the HTTP server, started and stopped together. The command wraps it with flags and signals;
 * tests and the pipeline benchmark start it in process.
 */
import { isLoopback, type KlaxonConfig, Redactor } from '../config/index.js';
import { UsageError } from '../errors.js';
import { type Clock, systemClock } from '../route/clock.js';
import type { CommitBatch, Store } from '../store/ports.js';
import { ThreadedSqliteStore } from '../store/sqlite-threaded.js';
import { CommitWindow } from './commit-window.js';
import { createLogger } from './log.js';
import { KlaxonMetrics } from './metrics.js';
import { createApp, createRequestListener, listen, type ServerDeps } from './server.js';
import {
  createDeliveryWorker,
  createGroupFlusher,
  createRouter,
  openServiceStore,
  retentionOf,
} from './wiring.js';

/** How to start. Host, port and db override `config.settings`. */
export interface ServiceOptions {
  readonly config: KlaxonConfig;
  readonly redactor?: Redactor;
  readonly host?: string;
  readonly port?: number;
  readonly db?: string;
  /** An already open store (tests); otherwise the SQLite file `db` is opened. */
  readonly store?: Store;
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
  /** SNS hooks for tests (certificate fetch, subscription confirmation). */
  readonly sns?: Pick<ServerDeps, 'fetchCert' | 'confirmSubscription'>;
  /** How often due groups are flushed and idle workers look for due retries (default 250 ms). */
  readonly tick?: number;
}

/** A running Klaxon. */
export interface RunningService {
  readonly url: string;
  readonly port: number;
  readonly store: Store;
  readonly metrics: KlaxonMetrics;
  /** Graceful stop: no new requests, in-flight requests and sends finish, the store is closed. */
  stop(): Promise<void>;
}

/** Starts everything `klaxon serve` runs. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config } = options;
  const host = options.host ?? config.settings.server.host;
  const port = options.port ?? config.settings.server.port;
  const token = config.settings.server.token;
  if (!isLoopback(host) && token === undefined) {
    throw new UsageError(
      `listening on ${host} needs settings.server.token: without it anyone who can reach the port could inject findings`,
    );
  }
  const redactor = options.redactor ?? new Redactor(token === undefined ? [] : [token]);
  const redact = (text: string) => redactor.redact(text);
  const clock = options.clock ?? systemClock;
  const store = options.store ?? (await openServiceStore(options.db ?? config.settings.db));
  const log = createLogger(redact, options.log);
  const metrics = new KlaxonMetrics();
  const tick = options.tick ?? 250;

  const worker = createDeliveryWorker(config, store, clock, {
    redact,
    log,
    observer: metrics,
    pollInterval: tick,
  });
  // A writer-thread store group-commits by itself (what arrives while it fsyncs is the next
  // transaction); a store on this thread needs the window to gather concurrent commits.
  const window = store instanceof ThreadedSqliteStore ? undefined : new CommitWindow(store);
  const durable = (batch: CommitBatch) => (window === undefined ? store.commit(batch) : window.commit(batch));
  // New deliveries are committed leased to this process and handed to the worker once durable:
  // no claim round trip, no reading back what was just written. If the process dies first, the
  // lease runs out and whoever runs next claims them from the outbox.
  const leaseTime = config.settings.delivery.leaseTime;
  const router = await createRouter(config, store, clock, async (batch) => {
    if (batch.deliveries === undefined || batch.deliveries.length === 0) return durable(batch);
    const leasedUntil = new Date(clock.now().getTime() + leaseTime).toISOString();
    const deliveries = batch.deliveries.map((d) => ({ ...d, leasedUntil }));
    await durable({ ...batch, deliveries });
    worker.take(deliveries);
  });
  const flusher = createGroupFlusher(config, store, clock);
  const app = createApp({
    router,
    store,
    clock,
    metrics,
    log,
    token,
    worker,
    ...(options.sns?.fetchCert === undefined ? {} : { fetchCert: options.sns.fetchCert }),
    ...(options.sns?.confirmSubscription === undefined
      ? {}
      : { confirmSubscription: options.sns.confirmSubscription }),
  });
  const server = await listen(createRequestListener(app, log), host, port);
  worker.start();

  // Upkeep runs one at a time per kind: a slow round is skipped, never stacked.
  const periodic = (ms: number, what: string, job: () => Promise<unknown>) => {
    let busy = false;
    const timer = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        await job();
      } catch (err) {
        log({ level: 'error', msg: `${what} failed`, error: String(err) });
      } finally {
        busy = false;
      }
    }, ms);
    timer.unref();
    return timer;
  };
  const timers = [
    periodic(tick, 'group flush', async () => {
      if ((await flusher.flushDue()) > 0) worker.wake();
    }),
    periodic(5_000, 'silence refresh', () => router.refreshSilences()),
    periodic(3_600_000, 'retention prune', () => store.prune(clock.now().toISOString(), retentionOf(config))),
  ];

  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    store,
    metrics,
    stop() {
      stopping ??= (async () => {
        await server.close();
        for (const t of timers) clearInterval(t);
        await worker.stop();
        if (options.store === undefined) await store.close();
      })();
      return stopping;
    },
  };
}
