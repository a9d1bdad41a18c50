import { KlaxonError } from '../../errors.js';

/** A message template in a rule that cannot be parsed; the message names the offending tag. */
export class TemplateError extends KlaxonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
  }
}
