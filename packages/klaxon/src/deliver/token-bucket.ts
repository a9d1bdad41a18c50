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
 * A token bucket that hands out reservations: `reserve()` takes a token now (possibly going into
 * debt) and says how long the caller must wait before using it. Reserving instead of polling keeps
 * callers in FIFO order and needs no timer of its own; time comes from the injected clock.
 */
export class TokenBucket {
  readonly #rate: number; // tokens per ms
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #updatedAt: number;
  #pausedUntil = 0;

  constructor(limit: RateLimit | undefined, clock: Clock) {
    this.#clock = clock;
    this.#rate = limit === undefined ? Number.POSITIVE_INFINITY : limit.perSecond / 1000;
    this.#burst =
      limit === undefined ? Number.POSITIVE_INFINITY : Math.max(1, limit.burst ?? limit.perSecond);
    this.#tokens = this.#burst;
    this.#updatedAt = clock.now().getTime();
  }

  /** Takes one token; resolves to the ms to wait before sending (0: go now). */
  reserve(): number {
    const now = this.#clock.now().getTime();
    const pause = Math.max(0, this.#pausedUntil - now);
    if (this.#rate === Number.POSITIVE_INFINITY) return pause;
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#updatedAt) * this.#rate);
    this.#updatedAt = now;
    this.#tokens -= 1;
    const debt = this.#tokens < 0 ? Math.ceil(-this.#tokens / this.#rate) : 0;
    return Math.max(debt, pause);
  }

  /** Holds every send of this output until `untilMs` (epoch ms): the channel said `Retry-After`. */
  pauseUntil(untilMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, untilMs);
  }
}
