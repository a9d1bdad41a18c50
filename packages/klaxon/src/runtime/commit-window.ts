import type { CommitBatch, Store } from '../store/ports.js';

/**
 * Holds commits for a few milliseconds and then issues them all in the same turn of the event
 * loop, where the SQLite store runs them as one transaction (one fsync, each commit in its own
 * savepoint, each resolving or failing alone). Concurrent requests rarely reach `commit` in the
 * same turn on their own, because each takes its own path through body reading and routing;
 * without the window every event would pay a full fsync. Acknowledgement still waits for the
 * commit that holds the event.
 */
export class CommitWindow {
  readonly #store: Pick<Store, 'commit'>;
  readonly #windowMs: number;
  #queue: { batch: CommitBatch; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `windowMs` is the longest a commit waits for company (default 2 ms). */
  constructor(store: Pick<Store, 'commit'>, windowMs = 2) {
    this.#store = store;
    this.#windowMs = windowMs;
  }

  /** Resolves once the batch is durably committed; rejects if its own savepoint or the transaction failed. */
  commit(batch: CommitBatch): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ batch, resolve, reject });
      this.#timer ??= setTimeout(() => this.#issue(), this.#windowMs);
    });
  }

  #issue(): void {
    this.#timer = undefined;
    const queued = this.#queue;
    this.#queue = [];
    for (const q of queued) this.#store.commit(q.batch).then(q.resolve, q.reject);
  }
}
