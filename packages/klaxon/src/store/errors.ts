import { KlaxonError } from '../errors.js';

/**
 * A store operation that failed. `badInput` is true when the caller's arguments were at fault (an
 * invalid time, an unknown cursor, delivery or group) — an API maps that to a 4xx — and false
 * when the store itself failed (a constraint, a lock timeout, a full disk, a closed store).
 */
export class StoreError extends KlaxonError {
  readonly badInput: boolean;

  constructor(message: string, options?: { cause?: unknown; badInput?: boolean }) {
    super(message, { cause: options?.cause });
    this.name = 'StoreError';
    this.badInput = options?.badInput ?? false;
  }
}
