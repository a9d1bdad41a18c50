/** Base class of every error Klaxon raises on purpose; anything else is a bug. */
export class KlaxonError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KlaxonError';
  }
}

/** Bad input or bad usage from the caller: the CLI maps it to exit code 2. */
export class UsageError extends KlaxonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}
