import { randomFillSync } from 'node:crypto';

/**
 * A receipt id: a UUID version 7 (RFC 9562) — 48 bits of Unix milliseconds, then 74 random bits.
 * Ids made later sort later, so the archive's unique index on them grows at its end (one page
 * touched per transaction) instead of at a random page per event, as random UUIDs would.
 */
export function receiptId(nowMs: number = Date.now()): string {
  const b = randomFillSync(Buffer.allocUnsafe(16));
  b.writeUIntBE(nowMs, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
