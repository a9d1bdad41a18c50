import { KlaxonError } from '../errors.js';

/** A send that failed. `retryable` tells deliver/ whether to try again; the message holds no secret. */
export class DeliveryError extends KlaxonError {
  readonly retryable: boolean;
  /** Milliseconds the far side asked us to wait (`Retry-After`), if it said. */
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(
    message: string,
    options: { retryable: boolean; retryAfterMs?: number; status?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}
