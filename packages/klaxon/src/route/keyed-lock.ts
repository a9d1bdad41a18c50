/**
 * Serializes work per key. Two events about the same finding must not be decided concurrently:
 * both would read "never announced" from the store and both would announce. Different findings
 * still run in parallel, which is what lets the server batch their commits.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier holder of any of `keys` has finished. */
  async with<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    // Sorted and unique so that two callers with overlapping keys queue in the same order.
    const unique = [...new Set(keys)].sort();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const waits: Promise<void>[] = [];
    for (const key of unique) {
      const prev = this.#tails.get(key);
      if (prev !== undefined) waits.push(prev);
      this.#tails.set(key, mine);
    }
    try {
      await Promise.all(waits);
      return await fn();
    } finally {
      release();
      for (const key of unique) {
        if (this.#tails.get(key) === mine) this.#tails.delete(key);
      }
    }
  }

  /** Number of keys currently held or waited on (for tests and metrics). */
  get size(): number {
    return this.#tails.size;
  }
}
