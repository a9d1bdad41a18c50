import { StoreError } from './errors.js';
import type { CheckedOptions } from './sqlite-connection.js';
import type { WriteName } from './sqlite-writes.js';

/*
 * The messages between ThreadedSqliteStore (main thread) and its writer thread. Only flat rows and
 * plain values cross: structured clone of strings is cheap, of deep objects it is not.
 */

/** What the writer thread is started with (its `workerData`). */
export interface ThreadInit {
  readonly path: string;
  readonly options: CheckedOptions;
}

/** A StoreError as it crosses the thread boundary. */
export interface WireError {
  readonly message: string;
  readonly badInput: boolean;
}

/** One write operation to run, answered by its `id`. */
export interface WireWrite {
  readonly id: number;
  readonly name: WriteName;
  readonly args: readonly unknown[];
}

/** The result of one write operation. */
export type WireResult =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** Main thread → writer thread. */
export type ToWriter =
  | { readonly type: 'writes'; readonly writes: readonly WireWrite[] }
  | { readonly type: 'close' };

/** Writer thread → main thread. `settled` answers one group-commit transaction. */
export type FromWriter =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly error: WireError }
  | { readonly type: 'settled'; readonly results: readonly WireResult[] }
  | { readonly type: 'closed' };

/** A StoreError as sent to the other thread (the cause stays behind; its text is in the message). */
export function toWire(error: StoreError): WireError {
  return { message: error.message, badInput: error.badInput };
}

/** The StoreError the other thread sent: same message, same `badInput`. */
export function fromWire(error: WireError): StoreError {
  return new StoreError(error.message, { badInput: error.badInput });
}
