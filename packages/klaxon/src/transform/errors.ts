import { KlaxonError } from '../errors.js';

/**
 * An input transformer, InputPath or target input that EventBridge would refuse. Where AWS has a
 * ValidationException text for the case, the message is that text, byte for byte.
 */
export class TransformError extends KlaxonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransformError';
  }
}
