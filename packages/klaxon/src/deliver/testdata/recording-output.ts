/** An in-memory output type for deliver/ tests: records sends and fails as scripted. */
import { z } from 'zod';
import { DeliveryError } from '../../outputs/errors.js';
import type { OutputType, Payload, RenderContext, SendContext } from '../../outputs/output.js';
import type { Notification } from '../../route/notification.js';

/** One recorded send. */
export interface RecordedSend {
  readonly idempotencyKey: string;
  readonly body: unknown;
  readonly threadRef: string | undefined;
}

/** A scripted answer to one send: succeed (optionally with a ref) or throw. */
export type Script = { ok: true; ref?: string } | { error: Error };

/** Builds a `recording` output type whose sends are answered from `script` (then `ok`). */
export function recordingOutput(script: Script[] = []) {
  const sends: RecordedSend[] = [];
  let active = 0;
  let maxActive = 0;
  let gate: Promise<void> | undefined;
  const type: OutputType<{ type: 'recording' }> = {
    type: 'recording',
    threads: true,
    schema: z.strictObject({ type: z.literal('recording') }),
    render(n: Notification, _c, ctx: RenderContext): Payload {
      if (n.template === 'explode') throw new Error('template exploded');
      return { body: { id: n.id, findings: n.findings.map((f) => f.key) }, meta: { thread: ctx.threadRef ?? '' } };
    },
    async send(payload: Payload, _c, ctx: SendContext) {
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        if (gate !== undefined) await gate;
        const thread = payload.meta?.thread;
        sends.push({ idempotencyKey: ctx.idempotencyKey, body: payload.body, threadRef: thread === '' ? undefined : thread });
        const next = script.shift() ?? { ok: true };
        if ('error' in next) throw next.error;
        return next.ref === undefined ? {} : { ref: next.ref };
      } finally {
        active--;
      }
    },
    secrets: () => [],
  };
  return {
    type,
    sends,
    get maxActive() {
      return maxActive;
    },
    /** Holds every send until the returned function is called. */
    hold(): () => void {
      let open!: () => void;
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

/** A retryable failure, optionally with Retry-After. */
export function retryable(message = 'HTTP 503', retryAfterMs?: number): { error: Error } {
  return {
    error: new DeliveryError(message, { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }),
  };
}

/** A final failure. */
export function final(message = 'HTTP 400'): { error: Error } {
  return { error: new DeliveryError(message, { retryable: false, status: 400 }) };
}
