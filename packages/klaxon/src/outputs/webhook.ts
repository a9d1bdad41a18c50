/**
 * `webhook`: an HTTP POST of the EventBridge event to any endpoint, the way an EventBridge API
 * destination would send it, so a receiver written for EventBridge works unchanged. A rule with a
 * `transform` sends the transformed body instead. Every request carries `Idempotency-Key` (stable
 * across retries) and, when `secret` is set, `X-Klaxon-Signature: sha256=<hex HMAC of the body>`.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { Notification } from '../route/notification.js';
import { requestOrDeliveryError } from './delivery-failure.js';
import type { OutputType, Payload, SendContext, SendResult } from './output.js';

// A `${…}` secret reference is accepted as is; the resolved value is checked when sending.
const REFERENCE = /\$\{/;

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

// Headers the output sets itself; a config must not override them (a wrong Content-Length or a
// forged signature would break the receiver's checks).
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'idempotency-key',
  'x-klaxon-signature',
  'x-klaxon-kind',
  'x-klaxon-rule',
  'host',
  'transfer-encoding',
  'connection',
]);

/** Config of a `webhook` output. */
export const webhookConfigSchema = z.strictObject({
  type: z.literal('webhook'),
  url: z
    .string({ error: 'expected the URL to POST to' })
    .refine((text) => REFERENCE.test(text) || isHttpUrl(text), {
      error: 'expected an http:// or https:// URL',
    })
    .describe('Where events are POSTed. May carry a token: it is treated as a secret.'),
  headers: z
    .record(
      z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'expected an HTTP header name' }),
      z.string(),
    )
    .refine((h) => Object.keys(h).every((k) => !RESERVED_HEADERS.has(k.toLowerCase())), {
      error: `these headers are set by Klaxon: ${[...RESERVED_HEADERS].join(', ')}`,
    })
    .optional()
    .describe(
      'Extra request headers, e.g. an Authorization header; values may be secret references and are masked.',
    ),
  secret: z
    .string()
    .min(1, { error: 'expected a non-empty secret' })
    .optional()
    .describe('HMAC-SHA256 key: adds X-Klaxon-Signature: sha256=<hex> over the exact body bytes.'),
});

/** A parsed `webhook` output entry. */
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

/**
 * Pure: the request body. One finding: its EventBridge event (or the rule's transformed body, a
 * string sent byte for byte). A digest: `{ kind: "digest", rule, group, events: [...] }`.
 */
export function renderWebhook(notification: Notification): Payload {
  const meta = { kind: notification.kind, rule: notification.rule };
  if (notification.transformed !== undefined) return { body: notification.transformed, meta };
  if (notification.kind === 'digest' || notification.findings.length !== 1) {
    return {
      body: {
        kind: notification.kind,
        rule: notification.rule,
        ...(notification.group === undefined ? {} : { group: notification.group.labels }),
        events: notification.findings.map((f) => f.event),
      },
      meta,
    };
  }
  return { body: notification.findings[0]!.event, meta };
}

function bodyText(payload: Payload): { text: string; json: boolean } {
  if (typeof payload.body === 'string') {
    try {
      JSON.parse(payload.body);
      return { text: payload.body, json: true };
    } catch {
      return { text: payload.body, json: false };
    }
  }
  return { text: JSON.stringify(payload.body), json: true };
}

/** The `X-Klaxon-Signature` value for a body: `sha256=` and the hex HMAC-SHA256 under `secret`. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

async function sendWebhook(payload: Payload, config: WebhookConfig, ctx: SendContext): Promise<SendResult> {
  const secrets = webhookSecrets(config);
  const { text, json } = bodyText(payload);
  const headers: Record<string, string> = {
    ...config.headers,
    // A transformed body that is not JSON (a string template) is sent as text, as it is.
    'Content-Type': json ? 'application/json' : 'text/plain; charset=utf-8',
    'Idempotency-Key': ctx.idempotencyKey,
  };
  if (payload.meta?.kind !== undefined) headers['X-Klaxon-Kind'] = payload.meta.kind;
  if (payload.meta?.rule !== undefined) headers['X-Klaxon-Rule'] = payload.meta.rule;
  if (config.secret !== undefined) headers['X-Klaxon-Signature'] = webhookSignature(config.secret, text);
  const response = await requestOrDeliveryError(
    ctx,
    config.url,
    { method: 'POST', headers, body: text, signal: ctx.signal },
    'webhook',
    secrets,
  );
  // Drain the body so the keep-alive connection can be reused.
  await response.arrayBuffer().catch(() => undefined);
  return {};
}

/** The secret values of a webhook config: the URL (it may carry a token), header values and the HMAC key. */
export function webhookSecrets(config: WebhookConfig): string[] {
  const secrets = [config.url, ...Object.values(config.headers ?? {})];
  if (config.secret !== undefined) secrets.push(config.secret);
  // Credentials and query strings in the URL are secrets on their own too (they show up in error texts).
  try {
    const url = new URL(config.url);
    if (url.password !== '') secrets.push(url.password);
    if (url.search.length > 1) secrets.push(url.search.slice(1));
  } catch {
    // Not a URL: the whole value is already listed.
  }
  return secrets;
}

/** The `webhook` output type. */
export const webhookOutput: OutputType<WebhookConfig> = {
  type: 'webhook',
  schema: webhookConfigSchema,
  render: (notification) => renderWebhook(notification),
  send: sendWebhook,
  secrets: webhookSecrets,
};
