import { KlaxonError } from '../errors.js';

/** A finding event that cannot be normalized: `path` is the JSON path of the offending value. */
export class FindingError extends KlaxonError {
  /** JSON path of the missing or malformed value, e.g. `detail.findings[1].AwsAccountId`. */
  readonly path: string;

  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`${path === '' ? '(event)' : path}: ${problem}`, options);
    this.name = 'FindingError';
    this.path = path;
  }
}
