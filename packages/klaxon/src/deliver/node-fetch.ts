/**
 * The `fetch` the outbox worker hands to outputs: requests with a string or byte body go through
 * undici's `request` on a keep-alive connection pool, everything else through the global fetch.
 *
 * Why: the global fetch (undici's WHATWG layer: web streams, Request/Response objects per call)
 * costs about 0.8 ms of CPU per request on the 2-core reference machine; `node:http` with a
 * keep-alive agent about 0.13 ms; undici's `request` about 0.07 ms. One request per delivery made
 * the HTTP client one of the largest costs of the pipeline (docs/operations.md). The answer is a
 * real `Response`, so outputs see no difference. Redirects are left to the global fetch: a 3xx
 * answer is re-sent through it (the far side did not act on a request it redirected).
 */
import { Agent, errors, request } from 'undici';

/** Keep-alive pool shared by every output; idle sockets close after 30 s. */
const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 });

type HeaderInit = ConstructorParameters<typeof Headers>[0];

function headerRecord(init: HeaderInit | undefined): Record<string, string> {
  if (init === undefined) return {};
  // A plain record of strings (what every output passes) needs no copy through Headers.
  if (!(init instanceof Headers) && !Array.isArray(init)) {
    const record = init as Record<string, string>;
    if (Object.values(record).every((v) => typeof v === 'string')) return record;
  }
  const out: Record<string, string> = {};
  new Headers(init).forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    // Set-Cookie and other repeated headers keep every value, as fetch does.
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.append(name, value);
  }
  return headers;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** The network error a failed request gives, shaped as the global fetch shapes it. */
function fetchFailure(err: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return abortError(signal);
  // undici wraps socket errors; fetch exposes the system error (ECONNREFUSED, …) as the cause.
  const cause = err instanceof errors.UndiciError && err.cause !== undefined ? err.cause : err;
  return new TypeError('fetch failed', { cause });
}

/** A `fetch` with the fast path described above; same signature and results as the global one. */
export const nodeFetch: typeof fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
  const body = init?.body;
  const simpleBody =
    body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  const redirect = init?.redirect ?? 'follow';
  if (url === undefined || !simpleBody || redirect === 'manual' || !/^https?:/i.test(url)) {
    return globalThis.fetch(input, init);
  }
  const signal = init?.signal ?? undefined;
  if (signal?.aborted) throw abortError(signal);
  const method = (init?.method ?? 'GET').toUpperCase();
  let status: number;
  let raw: Record<string, string | string[] | undefined>;
  let bytes: ArrayBuffer;
  try {
    const res = await request(url, {
      method: method as 'GET',
      headers: headerRecord(init?.headers),
      body: body ?? null,
      dispatcher,
      ...(signal === undefined ? {} : { signal }),
    });
    status = res.statusCode;
    raw = res.headers;
    bytes = await res.body.arrayBuffer();
  } catch (err) {
    throw fetchFailure(err, signal);
  }
  if (status < 200 || status > 599) {
    throw new TypeError('fetch failed', { cause: new Error(`unexpected HTTP status ${status}`) });
  }
  if (status >= 300 && status < 400 && raw.location !== undefined) {
    // fetch's redirect rules (method changes, `redirect: "error"`) apply: let it do them.
    return globalThis.fetch(input, init);
  }
  const nullBody = status === 204 || status === 205 || status === 304 || method === 'HEAD';
  return new Response(nullBody ? null : bytes, { status, headers: responseHeaders(raw) });
};
