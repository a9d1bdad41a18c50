import type { z } from 'zod';
import type { Notification } from '../route/notification.js';

/** The request an output would send: shown by `klaxon route --dry-run` and sent by `send`. */
export interface Payload {
  /** The exact request body (JSON value, or text for text bodies). Never holds secrets. */
  readonly body: unknown;
  /** Extra facts the sender needs that are not part of the body (e.g. e-mail subject, SNS subject). */
  readonly meta?: Readonly<Record<string, string>>;
}

/** What a renderer may know beyond the notification. */
export interface RenderContext {
  /** Account id → alias, from config. */
  readonly accountAliases: Readonly<Record<string, string>>;
  /** A thread reference kept from an earlier send for this finding and output (e.g. a Slack `ts`). */
  readonly threadRef?: string;
}

/** What a sender is given; it must not retry, sleep, dedup or count: deliver/ does that. */
export interface SendContext {
  /** Stable per delivery; HTTP outputs send it as `Idempotency-Key`. */
  readonly idempotencyKey: string;
  readonly signal: AbortSignal;
  /** Injected so tests and the Lambda can swap it; defaults to the global fetch. */
  readonly fetch: typeof fetch;
}

/** A successful send; `ref` is kept by the store per finding and output (Slack `ts`, message id). */
export interface SendResult {
  readonly ref?: string;
}

/**
 * One output type. Each lives in one file of this folder and is registered in `index.ts`.
 * `send` resolves on success and throws `DeliveryError` (retryable or not) on failure.
 */
export interface OutputType<C extends { type: string }> {
  readonly type: C['type'];
  /** Strict zod schema of the output's config entry (unknown keys rejected). */
  readonly schema: z.ZodType<C>;
  /**
   * True when `render` uses `ctx.threadRef` (replies in a thread, updates the original): the
   * outbox worker looks the reference up only for such outputs.
   */
  readonly threads?: boolean;
  /** Pure: the same notification and config always give the same payload. */
  render(notification: Notification, config: C, ctx: RenderContext): Payload;

  send(payload: Payload, config: C, ctx: SendContext): Promise<SendResult>;
  /** The secret values in a config (tokens, URLs with keys): masked in every message and log. */
  secrets(config: C): string[];
}
