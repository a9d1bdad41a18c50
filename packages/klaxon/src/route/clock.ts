/** The only source of time route/ and deliver/ see, so tests can run on fake time. */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: for tests and for `klaxon route --dry-run` replay. */
export class ManualClock implements Clock {
  #ms: number;
  constructor(start: Date | string | number = '2026-01-01T00:00:00.000Z') {
    this.#ms = new Date(start).getTime();
  }
  /** The current fake time. */
  now(): Date {
    return new Date(this.#ms);
  }
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#ms += ms;
  }
  /** Sets the clock to an absolute time. */
  set(at: Date | string | number): void {
    this.#ms = new Date(at).getTime();
  }
}
