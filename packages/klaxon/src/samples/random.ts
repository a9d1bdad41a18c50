/**
 * A small seeded pseudo-random generator (mulberry32) so that samples are identical for a seed on
 * every machine and Node version. Not for anything security related.
 */

/** Deterministic random choices derived from one 32-bit seed. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** One element of a non-empty list. */
  pick<T>(values: readonly T[]): T;
  /** `length` lowercase hex digits. */
  hex(length: number): string;
}

/** FNV-1a hash of a string, to derive independent streams (one per sample) from the user's seed. */
export function hashString(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i += 1) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A generator for `seed` (any integer; only its low 32 bits matter). */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(values: readonly T[]): T => values[int(values.length)]!,
    hex: (length: number): string => {
      let out = '';
      for (let i = 0; i < length; i += 1) out += int(16).toString(16);
      return out;
    },
  };
}
