import type { Clock } from '../route/clock.js';

/** A per-output send rate: `perSecond` sustained, bursts up to `burst` (default: one second's worth). */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst?: number;
}

/** Channels with documented limits get a default so a burst of findings is not throttled by the far side. */
export function defaultRateLimit(outputType: string): RateLimit | undefined {
  switch (outputType) {
    case 'slack':
      return { perSecond: 1, burst: 1 }; // chat.postMessage: about one message per second per channel
    case 'teams':
      return { perSecond: 4, burst: 4 }; // incoming webhooks / workflows: about 4 requests per second
    default:
      return undefined;
  }
}

/**
 * A token bucket that hands out reservations: `reserve()` takes a token now and says how long the
 * caller must wait before using it. It is kept as GCRA (the "virtual scheduling" form of a token
 * bucket): one theoretical arrival time instead of a token count, so that a reservation made during
 * a `Retry-After` pause is spaced from the END of the pause, not bunched there. Reserving instead
 * of polling keeps callers in FIFO order and needs no timer; time comes from the injected clock.
 */
export class TokenBucket {
  readonly #interval: number; // ms per token
  readonly #tolerance: number; // how far ahead of the schedule a burst may run, ms
  readonly #clock: Clock;
  #tat = Number.NEGATIVE_INFINITY; // theoretical arrival time of the next conforming send
  #pausedUntil = 0;

  constructor(limit: RateLimit | undefined, clock: Clock) {
    this.#clock = clock;
    this.#interval = limit === undefined ? 0 : 1000 / limit.perSecond;
    const burst = limit === undefined ? 1 : Math.max(1, limit.burst ?? limit.perSecond);
    this.#tolerance = (burst - 1) * this.#interval;
  }

  /** Takes one token; resolves to the ms to wait before sending (0: go now). */
  reserve(): number {
    const now = this.#clock.now().getTime();
    const sendAt = Math.max(now, this.#pausedUntil, this.#tat - this.#tolerance);
    if (this.#interval > 0) this.#tat = Math.max(this.#tat, sendAt) + this.#interval;
    return Math.ceil(sendAt - now);
  }

  /** Milliseconds left of a `Retry-After` pause (0: not paused). */
  pausedFor(): number {
    return Math.max(0, this.#pausedUntil - this.#clock.now().getTime());
  }

  /** Holds every send of this output until `untilMs` (epoch ms): the channel said `Retry-After`. */
  pauseUntil(untilMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, untilMs);
  }
}
