import { KlaxonError } from '../errors.js';

/** A store operation that failed: bad input to the port, a constraint, or the database itself. */
export class StoreError extends KlaxonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}
