import { DeliveryError } from '../outputs/errors.js';
import type { OutputType, Payload } from '../outputs/output.js';
import type { Clock } from '../route/clock.js';
import type { Delivery, DeliveryOutcome, Store } from '../store/ports.js';
import { type BackoffSettings, retryDelay } from './backoff.js';
import { defaultRateLimit, type RateLimit, TokenBucket } from './token-bucket.js';

/** `settings.delivery`, durations in ms. */
export interface DeliverySettings extends BackoffSettings {
  readonly concurrency: number;
  /**
   * Deliveries committed by ingest and not yet attempted, above which ingest waits a little
   * (`admit`). Optional: without it ingest never waits.
   */
  readonly backlog?: number;
  readonly maxAttempts: number;
  readonly leaseTime: number;
}

/** One configured output, resolved: its type from the registry and its config (secrets resolved). */
export interface OutputBinding {
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each output type has its own config type
  readonly type: OutputType<any>;
  readonly config: { readonly type: string; readonly rateLimit?: RateLimit };
}

/** What the worker reports, for /metrics. */
export interface DeliveryObserver {
  attempt(output: string, result: 'sent' | 'retry' | 'dead', ms: number): void;
}

/** A log line; every string in it has been through the redactor. */
export type LogFn = (record: Readonly<Record<string, unknown>>) => void;

/** Everything the worker needs, injected: tests run it on fake time with fake sleep. */
export interface DeliveryWorkerOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly outputs: ReadonlyMap<string, OutputBinding>;
  readonly settings: DeliverySettings;
  readonly accountAliases?: Readonly<Record<string, string>>;
  /** Masks secrets in every error text and log line. */
  readonly redact: (text: string) => string;
  readonly fetch?: typeof fetch;
  /** Waits `ms` (the default uses timers; tests advance a fake clock instead). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly log?: LogFn;
  readonly observer?: DeliveryObserver;
  /** How often an idle worker looks for retries that became due (default 250 ms). */
  readonly pollInterval?: number;
  /** A send that takes longer is aborted and retried (default 30 s). */
  readonly sendTimeout?: number;
}

/** How long a finished send waits for others to share its outcome's transaction. */
const OUTCOME_BATCH_MS = 2;
/** The longest ingest waits for the backlog to shrink: past it, the event is accepted anyway. */
export const MAX_ADMIT_WAIT_MS = 1000;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The outbox worker: claims due deliveries, renders each with its output at send time (so a
 * thread reference learnt meanwhile is used), sends with bounded concurrency and a per-output token
 * bucket, and records the outcome — sent, retry later (exponential backoff, full jitter,
 * `Retry-After` honoured) or dead after the retry budget. Nothing is dropped: every claimed delivery
 * ends in an outcome, or its lease expires and it is claimed again.
 */
export class DeliveryWorker {
  readonly #o: DeliveryWorkerOptions;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #inFlight = new Map<string, Promise<void>>();
  #sending = 0;
  readonly #slotWaiters: (() => void)[] = [];
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #woken = false;
  /** The last claim filled all free capacity: more may be due than we could take. */
  #lastClaimFull = false;
  #outcomes: { id: string; outcome: DeliveryOutcome; resolve: () => void; reject: (e: unknown) => void }[] =
    [];
  #outcomeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Deliveries handed over by `take` that have not finished an attempt yet (see `admit`). */
  #backlog = 0;
  /** Handed-over deliveries waiting for a rate-limit token or a Retry-After pause right now. */
  #pacing = 0;
  #admitWaiters: { resolve: () => void; timer: ReturnType<typeof setTimeout> }[] = [];
  #stopSignal!: () => void;
  readonly #stopped = new Promise<void>((resolve) => {
    this.#stopSignal = resolve;
  });

  constructor(options: DeliveryWorkerOptions) {
    this.#o = options;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
  }

  /** Deliveries claimed and not yet finished. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Claims are capped above the send concurrency so rate-limited outputs do not starve the others entirely. */
  get #maxClaimed(): number {
    return Math.max(1, this.#o.settings.concurrency) * 4;
  }

  /** Starts the background loop. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /**
   * Deliveries handed over by `take` whose first attempt has not finished, less those waiting
   * for their output's rate limit or Retry-After pause: those wait on the far side's policy,
   * not on this process, and must not slow ingest down.
   */
  get backlog(): number {
    return this.#backlog - this.#pacing;
  }

  /**
   * Resolves at once while the backlog is under `settings.delivery.backlog`; otherwise when it
   * drops under it, or after MAX_ADMIT_WAIT_MS at the latest. Ingest awaits it before routing an
   * event, so that when the CPU is saturated accepted events wait at the door (bounded) instead
   * of piling up in the outbox, where every one of them would add to every later one's latency.
   * It never refuses and never waits long: a sink that is down makes deliveries retry (which
   * takes them out of the backlog); a sink that hangs costs each request at most the bounded wait.
   */
  admit(): Promise<void> {
    const limit = this.#o.settings.backlog;
    if (limit === undefined || !this.#running) return Promise.resolve();
    // Newcomers queue behind earlier waiters instead of slipping past them.
    if (this.backlog < limit && this.#admitWaiters.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter = {
        resolve,
        timer: setTimeout(() => {
          this.#admitWaiters = this.#admitWaiters.filter((w) => w !== waiter);
          resolve();
        }, MAX_ADMIT_WAIT_MS),
      };
      this.#admitWaiters.push(waiter);
    });
  }

  #attempted(): void {
    this.#backlog--;
    this.#letIn();
  }

  // Room freed up: one waiting request is let in (oldest first), so a crowd of waiters is not
  // all let through by a single finished send.
  #letIn(): void {
    if (this.backlog >= (this.#o.settings.backlog ?? Number.POSITIVE_INFINITY)) return;
    const waiter = this.#admitWaiters.shift();
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }

  /** New work was committed: look now instead of at the next poll. */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /**
   * Stops claiming, waits for the sends under way to finish, and hands claimed deliveries that had
   * not started (waiting for a send slot or a rate-limit token) back to the outbox, due at once.
   */
  async stop(): Promise<void> {
    this.#running = false;
    for (const waiter of this.#admitWaiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
    this.#stopSignal();
    this.wake();
    await this.#loop;
    await Promise.all(this.#inFlight.values());
  }

  /**
   * Claims what is due now (up to the free capacity) and starts it; resolves with the number
   * claimed. Does not wait for the sends: `idle()` does.
   */
  async claimOnce(): Promise<number> {
    const free = this.#maxClaimed - this.#inFlight.size;
    if (free <= 0) return 0;
    const now = this.#o.clock.now().toISOString();
    const claimed = await this.#o.store.claimDeliveries(now, free, this.#o.settings.leaseTime);
    this.#lastClaimFull = claimed.length >= free;
    let started = 0;
    for (const delivery of claimed) if (this.#start(delivery, false)) started++;
    return started;
  }

  /**
   * Attempts deliveries that were committed already leased to this process (ingest hands them
   * over after its commit instead of the worker claiming them back): no claim round trip, and no
   * reading back what was just written. They count in the backlog until their first attempt ends.
   */
  take(deliveries: readonly Delivery[]): void {
    for (const delivery of deliveries) {
      if (this.#start(delivery, true)) this.#backlog++;
    }
  }

  /** Starts one claimed or handed-over (`taken`) delivery; false if it is already under way here. */
  #start(delivery: Delivery, taken: boolean): boolean {
    // A lease that expired while we still hold the delivery (a long rate-limit wait) is ours.
    if (this.#inFlight.has(delivery.id)) return false;
    const job = this.#process(delivery, taken)
      .catch((err: unknown) => {
        // A store failure while recording: the lease runs out and the delivery is claimed again.
        this.#log({
          level: 'error',
          msg: 'delivery attempt failed',
          delivery: delivery.id,
          error: this.#o.redact(String(err)),
        });
      })
      .finally(() => {
        this.#inFlight.delete(delivery.id);
        if (taken) this.#attempted();
        // Claiming is a write transaction: only look again when a full claim left work behind.
        if (this.#lastClaimFull) this.wake();
      });
    this.#inFlight.set(delivery.id, job);
    return true;
  }

  /** Resolves when nothing is in flight. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight.values());
  }

  /** Runs claim/send rounds until a round finds nothing due (CLI one-shots and tests). */
  async drain(): Promise<void> {
    for (;;) {
      const started = await this.claimOnce();
      await this.idle();
      if (started === 0) return;
    }
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let started = 0;
      try {
        started = await this.claimOnce();
      } catch (err) {
        this.#log({ level: 'error', msg: 'claiming deliveries failed', error: String(err) });
      }
      if (!this.#running) break;
      if (started > 0 && this.#lastClaimFull && this.#inFlight.size < this.#maxClaimed) continue;
      await this.#waitForWork();
    }
  }

  #waitForWork(): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.#o.pollInterval ?? 250);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = undefined;
        self.#woken = false;
        resolve();
      }
      this.#wake = done;
    });
  }

  #bucket(binding: OutputBinding): TokenBucket {
    let bucket = this.#buckets.get(binding.name);
    if (bucket === undefined) {
      bucket = new TokenBucket(
        binding.config.rateLimit ?? defaultRateLimit(binding.config.type),
        this.#o.clock,
      );
      this.#buckets.set(binding.name, bucket);
    }
    return bucket;
  }

  async #acquireSlot(): Promise<void> {
    if (this.#sending < Math.max(1, this.#o.settings.concurrency)) {
      this.#sending++;
      return;
    }
    await new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
  }

  #releaseSlot(): void {
    const next = this.#slotWaiters.shift();
    if (next === undefined) this.#sending--;
    else next(); // the slot passes straight to the next waiter
  }

  async #process(delivery: Delivery, taken = false): Promise<void> {
    const binding = this.#o.outputs.get(delivery.output);
    if (binding === undefined) {
      await this.#record(delivery, 'dead', 0, `output '${delivery.output}' is not configured`);
      return;
    }
    const bucket = this.#bucket(binding);
    for (;;) {
      const wait = bucket.reserve();
      if (wait > 0) {
        if (taken) {
          this.#pacing++;
          this.#letIn();
        }
        try {
          // A stop must not wait out a long rate-limit or Retry-After pause: hand the delivery back.
          await Promise.race([this.#sleep(wait), this.#stopped]);
        } finally {
          if (taken) this.#pacing--;
        }
        if (!this.#running && this.#loop !== undefined) return this.#release(delivery);
      }
      // A Retry-After that arrived while this delivery waited voids its token: the whole output
      // honours the pause, and sends after it are spaced by the rate limit again.
      if (bucket.pausedFor() > 0) continue;
      await this.#acquireSlot();
      if (!this.#running && this.#loop !== undefined) {
        // Stopping: sends already under way finish, the ones that were still queued go back.
        this.#releaseSlot();
        return this.#release(delivery);
      }
      if (bucket.pausedFor() === 0) break;
      this.#releaseSlot();
    }
    const started = this.#o.clock.now().getTime();
    try {
      let payload: Payload;
      try {
        const threadRef =
          binding.type.threads === true
            ? await this.#o.store.threadRef(delivery.findingKey, delivery.output)
            : undefined;
        payload = binding.type.render(delivery.notification, binding.config, {
          accountAliases: this.#o.accountAliases ?? {},
          ...(threadRef === undefined ? {} : { threadRef }),
        });
      } catch (err) {
        // Rendering is pure: it fails the same way every time, so retrying only delays the dead letter.
        await this.#record(delivery, 'dead', started, `render failed: ${(err as Error).message}`);
        return;
      }
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.#o.sendTimeout ?? 30_000);
      try {
        const result = await binding.type.send(payload, binding.config, {
          idempotencyKey: delivery.id,
          signal: controller.signal,
          fetch: this.#o.fetch ?? globalThis.fetch,
        });
        await this.#record(delivery, 'sent', started, undefined, result.ref);
      } catch (err) {
        const retryable = err instanceof DeliveryError ? err.retryable : true;
        const retryAfterMs = err instanceof DeliveryError ? err.retryAfterMs : undefined;
        if (retryAfterMs !== undefined) bucket.pauseUntil(this.#o.clock.now().getTime() + retryAfterMs);
        const message = err instanceof Error ? err.message : String(err);
        const attempt = delivery.attempts + 1;
        if (retryable && attempt < this.#o.settings.maxAttempts) {
          await this.#record(delivery, 'retry', started, message, undefined, retryAfterMs);
        } else {
          const why = retryable ? `gave up after ${attempt} attempts: ${message}` : message;
          await this.#record(delivery, 'dead', started, why);
        }
      } finally {
        clearTimeout(timer);
      }
    } finally {
      this.#releaseSlot();
    }
  }

  /** Stopping while a delivery waits for its rate-limit token: put it back, due now, for the next run. */
  async #release(delivery: Delivery): Promise<void> {
    await this.#o.store.retryDelivery(delivery.id, this.#o.clock.now().toISOString());
  }

  async #record(
    delivery: Delivery,
    kind: 'sent' | 'retry' | 'dead',
    started: number,
    error?: string,
    ref?: string,
    retryAfterMs?: number,
  ): Promise<void> {
    const now = this.#o.clock.now();
    const at = now.toISOString();
    const safeError = error === undefined ? undefined : this.#o.redact(error);
    const ms = started === 0 ? 0 : now.getTime() - started;
    this.#o.observer?.attempt(delivery.output, kind, ms);
    if (kind === 'sent') {
      await this.#recordOutcome(delivery.id, { kind, at, ...(ref === undefined ? {} : { ref }) });
      return;
    }
    if (kind === 'retry') {
      const delay = retryDelay(delivery.attempts + 1, this.#o.settings, retryAfterMs, this.#random);
      const nextAttemptAt = new Date(now.getTime() + delay).toISOString();
      this.#log({
        level: 'warn',
        msg: 'delivery failed, will retry',
        delivery: delivery.id,
        output: delivery.output,
        attempt: delivery.attempts + 1,
        nextAttemptAt,
        error: safeError,
      });
      await this.#recordOutcome(delivery.id, { kind, at, error: safeError ?? '', nextAttemptAt });
      return;
    }
    this.#log({
      level: 'error',
      msg: 'delivery dead-lettered',
      delivery: delivery.id,
      output: delivery.output,
      attempts: delivery.attempts + 1,
      error: safeError,
    });
    await this.#recordOutcome(delivery.id, { kind, at, error: safeError ?? '' });
  }

  /**
   * Outcomes are written in small batches: the ones that finish within a few milliseconds are
   * issued together, so the store commits them in one transaction (one fsync) instead of one each.
   */
  #recordOutcome(id: string, outcome: DeliveryOutcome): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#outcomes.push({ id, outcome, resolve, reject });
      this.#outcomeTimer ??= setTimeout(() => {
        this.#outcomeTimer = undefined;
        const batch = this.#outcomes;
        this.#outcomes = [];
        for (const o of batch) this.#o.store.recordOutcome(o.id, o.outcome).then(o.resolve, o.reject);
      }, OUTCOME_BATCH_MS);
    });
  }

  #log(record: Readonly<Record<string, unknown>>): void {
    this.#o.log?.(record);
  }
}
