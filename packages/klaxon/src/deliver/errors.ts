import { KlaxonError } from '../errors.js';

/** A delivery pipeline problem that is not a channel's answer (those are DeliveryError, in outputs/). */
export class DeliverError extends KlaxonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeliverError';
  }
}
