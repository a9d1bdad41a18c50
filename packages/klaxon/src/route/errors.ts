import { KlaxonError } from '../errors.js';

/** A routing problem: an unknown rule or output, a bad silence, a finding that cannot be routed. */
export class RouteError extends KlaxonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RouteError';
  }
}
