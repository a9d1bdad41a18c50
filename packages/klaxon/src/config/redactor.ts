/** Secrets shorter than this are not masked: masking `"1"` everywhere would garble every line. */
export const MIN_REDACTED_LENGTH = 4;

/** What a masked secret reads as. */
export const REDACTED = '***';

/**
 * Masks known secret values in text. Every log line and error message passes through one, so a
 * secret resolved from config never leaves the process in clear. Besides the value itself it masks
 * the forms a value takes when embedded in a URL (percent-encoded) or in a JSON string (escaped).
 */
export class Redactor {
  readonly #pattern: RegExp | undefined;
  readonly #values: readonly string[];

  constructor(secrets: Iterable<string> = []) {
    const forms = new Set<string>();
    const values = new Set<string>();
    for (const secret of secrets) {
      if (typeof secret !== 'string' || secret.length < MIN_REDACTED_LENGTH) continue;
      values.add(secret);
      for (const form of [secret, encodeURIComponent(secret), encodeURI(secret), jsonEscaped(secret)]) {
        forms.add(form);
      }
    }
    this.#values = [...values];
    // Longest first, so that a secret containing another secret is masked whole.
    const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.#pattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : undefined;
  }

  /** Returns `text` with every known secret (and its URL- and JSON-encoded forms) replaced by `***`. */
  redact(text: string): string {
    return this.#pattern === undefined ? text : text.replace(this.#pattern, REDACTED);
  }

  /** A redactor that also masks `more`; used to add secrets learned after loading (e.g. output tokens). */
  with(more: Iterable<string>): Redactor {
    return new Redactor([...this.#values, ...more]);
  }

  /** How many distinct secret values are masked (not the values themselves). */
  get size(): number {
    return this.#values.length;
  }
}

function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
