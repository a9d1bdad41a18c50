import { KlaxonError } from '../errors.js';

/** The prefix EventBridge puts before every reason it rejects a pattern for. */
export const PATTERN_ERROR_PREFIX = 'Event pattern is not valid. Reason: ';

/** A pattern EventBridge would reject; `message` is EventBridge's exact text, `reason` the part after the prefix. */
export class PatternError extends KlaxonError {
  /** The reason alone, without `Event pattern is not valid. Reason: `. */
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(PATTERN_ERROR_PREFIX + reason, options);
    this.name = 'PatternError';
    this.reason = reason;
  }
}

/** An event given as JSON text that is not valid JSON (a non-match is never an error; unreadable input is). */
export class EventTextError extends KlaxonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventTextError';
  }
}
