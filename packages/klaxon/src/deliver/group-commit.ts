import type { CommitBatch } from '../store/ports.js';

/**
 * Group commit: decisions that arrive while a commit is running are merged into the next single
 * `store.commit`, and each caller resolves only when the commit holding its writes has resolved.
 * With SQLite this turns hundreds of small transactions per second into a few large ones, while
 * keeping the contract that an event is acknowledged only after it is durable.
 */
export class GroupCommitter {
  readonly #commit: (batch: CommitBatch) => Promise<void>;
  readonly #maxBatch: number;
  #queue: { batch: CommitBatch; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #running = false;
  #idle: Promise<void> = Promise.resolve();
  #commits = 0;

  /** `maxBatch` caps how many decisions go into one transaction (bounds its size and latency). */
  constructor(commit: (batch: CommitBatch) => Promise<void>, maxBatch = 512) {
    this.#commit = commit;
    this.#maxBatch = maxBatch;
  }

  /** Number of store commits made so far (for metrics and tests). */
  get commits(): number {
    return this.#commits;
  }

  /** Queues a batch; resolves once it is durably committed, rejects if its transaction failed. */
  commit(batch: CommitBatch): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ batch, resolve, reject });
      if (!this.#running) this.#idle = this.#drain();
    });
  }

  /** Resolves when everything queued so far is committed (or failed). */
  flush(): Promise<void> {
    return this.#idle;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      // Let the requests that arrived in the same turn of the event loop join the first batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.#queue.length > 0) {
        const taken = this.#queue.splice(0, this.#maxBatch);
        try {
          await this.#commit(mergeBatches(taken.map((t) => t.batch)));
          this.#commits++;
          for (const t of taken) t.resolve();
        } catch (err) {
          if (taken.length === 1) {
            taken[0]!.reject(err);
            continue;
          }
          // One bad decision must not fail its neighbours: fall back to one transaction each.
          for (const t of taken) {
            try {
              await this.#commit(t.batch);
              this.#commits++;
              t.resolve();
            } catch (own) {
              t.reject(own);
            }
          }
        }
      }
    } finally {
      this.#running = false;
    }
  }
}

/** One batch holding every write of the given batches, in order. */
export function mergeBatches(batches: readonly CommitBatch[]): CommitBatch {
  if (batches.length === 1) return batches[0]!;
  return {
    events: batches.flatMap((b) => b.events ?? []),
    states: batches.flatMap((b) => b.states ?? []),
    deliveries: batches.flatMap((b) => b.deliveries ?? []),
    groupAdds: batches.flatMap((b) => b.groupAdds ?? []),
    audit: batches.flatMap((b) => b.audit ?? []),
  };
}
