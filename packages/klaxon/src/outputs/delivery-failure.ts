/**
 * Turning a failed send into a `DeliveryError`, the same way for every output: which HTTP statuses
 * are worth retrying, how `Retry-After` is read, and how an underlying error is kept as a cause
 * without carrying a secret (library errors quote URLs, SMTP replies and request bodies).
 */
import { Redactor } from '../config/redactor.js';
import { DeliveryError } from './errors.js';
import type { SendContext } from './output.js';

/** Longest excerpt of a far side's error body quoted in a message: enough to diagnose, not a dump. */
const BODY_EXCERPT = 300;

/** Whether an HTTP status is worth another try: timeouts, throttling and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * `Retry-After` in milliseconds: delta-seconds (`120`) or an HTTP-date (relative to `nowMs`).
 * Absent, malformed or negative values give `undefined` so deliver/ falls back to its backoff.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP-date always names a weekday or month; refusing bare numbers-with-junk avoids Date's guesses.
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** An error safe to keep as a `cause`: the original's name, code and message with secrets masked. */
export function redactedCause(error: unknown, redactor: Redactor): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const nested = source.cause === undefined ? undefined : redactedCause(source.cause, redactor);
  const safe = new Error(redactor.redact(source.message), nested === undefined ? {} : { cause: nested });
  safe.name = source.name;
  const code = (source as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(safe, { code });
  // The stack repeats the message (secret included) on its first line: rebuild it from the safe one.
  safe.stack = `${safe.name}: ${safe.message}`;
  return safe;
}

/**
 * The `DeliveryError` for a non-2xx HTTP response: retryable per `isRetryableStatus`, with
 * `Retry-After` honoured, and a short, redacted excerpt of the body for the operator.
 */
export async function responseDeliveryError(
  response: Response,
  label: string,
  secrets: readonly string[],
  nowMs: number = Date.now(),
): Promise<DeliveryError> {
  const redactor = new Redactor(secrets);
  let excerpt = '';
  try {
    const text = (await response.text()).replace(/\s+/g, ' ').trim();
    excerpt = text.length > BODY_EXCERPT ? `${text.slice(0, BODY_EXCERPT)}…` : text;
  } catch {
    // The body is only for the message; a broken body must not hide the status.
  }
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), nowMs);
  const message = redactor.redact(
    `${label}: HTTP ${response.status}${excerpt === '' ? '' : ` ${JSON.stringify(excerpt)}`}`,
  );
  return new DeliveryError(message, {
    retryable: isRetryableStatus(response.status),
    status: response.status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** The `DeliveryError` for a request that never got a response (DNS, refused, reset, aborted): retryable. */
export function networkDeliveryError(
  error: unknown,
  label: string,
  secrets: readonly string[],
): DeliveryError {
  const redactor = new Redactor(secrets);
  const cause = redactedCause(error, redactor);
  const detail = cause.cause instanceof Error ? `${cause.message} (${cause.cause.message})` : cause.message;
  return new DeliveryError(redactor.redact(`${label}: request failed: ${detail}`), {
    retryable: true,
    cause,
  });
}

/**
 * Sends one HTTP request for a delivery and returns the 2xx response; a request that got no answer
 * and a non-2xx answer both become the `DeliveryError` above, named by `label`, secrets masked.
 */
export async function requestOrDeliveryError(
  ctx: Pick<SendContext, 'fetch'>,
  url: string,
  init: RequestInit,
  label: string,
  secrets: readonly string[],
): Promise<Response> {
  let response: Response;
  try {
    response = await ctx.fetch(url, init);
  } catch (error) {
    throw networkDeliveryError(error, label, secrets);
  }
  if (!response.ok) throw await responseDeliveryError(response, label, secrets);
  return response;
}
