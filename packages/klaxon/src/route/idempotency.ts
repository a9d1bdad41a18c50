import { createHash } from 'node:crypto';

/**
 * A stable idempotency key from its parts. The parts are JSON-encoded before hashing so that
 * `("a|b","c")` and `("a","b|c")` never collide. 32 hex characters (128 bits) is plenty for
 * uniqueness and short enough for an HTTP header.
 */
export function idempotencyKey(...parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}
