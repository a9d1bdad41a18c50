/**
 * The `fetch` the outbox worker hands to outputs: requests with a string or byte body go through
 * `node:http`/`node:https` with keep-alive agents, everything else through the global fetch.
 *
 * Why: the global fetch (undici's WHATWG implementation) costs about 0.8 ms of CPU per request on
 * the 2-core reference machine, against about 0.15 ms for `node:http` with a keep-alive agent; one
 * request per delivery made it the largest single cost of the pipeline (docs/operations.md). The
 * answer is a real `Response`, so outputs see no difference. Redirects are left to the global fetch:
 * a 3xx answer is re-sent through it (the far side did not act on a request it redirected).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

type HeaderInit = ConstructorParameters<typeof Headers>[0];

function headerRecord(init: HeaderInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init).forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function responseHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i]!;
    // Set-Cookie and other repeated headers keep every value, as fetch does.
    headers.append(name, res.rawHeaders[i + 1]!);
  }
  return headers;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** A `fetch` with the fast path described above; same signature and results as the global one. */
export const nodeFetch: typeof fetch = (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
  const body = init?.body;
  const simpleBody =
    body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  const redirect = init?.redirect ?? 'follow';
  if (url === undefined || !simpleBody || redirect === 'manual' || !/^https?:/i.test(url)) {
    return globalThis.fetch(input, init);
  }
  const signal = init?.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const secure = url.toLowerCase().startsWith('https:');
  const payload =
    body === undefined || body === null ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
  const headers = headerRecord(init?.headers);
  if (payload !== undefined) headers['content-length'] = String(payload.byteLength);

  return new Promise<Response>((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      url,
      { method: init?.method ?? 'GET', headers, agent: secure ? httpsAgent : httpAgent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', (err) => reject(new TypeError('fetch failed', { cause: err })));
        res.once('end', () => {
          signal?.removeEventListener('abort', onAbort);
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 599) {
            reject(new TypeError('fetch failed', { cause: new Error(`unexpected HTTP status ${status}`) }));
            return;
          }
          if (status >= 300 && status < 400 && res.headers.location !== undefined) {
            // fetch's redirect rules (method changes, `redirect: "error"`) apply: let it do them.
            resolve(globalThis.fetch(input, init));
            return;
          }
          const nullBody = status === 204 || status === 205 || status === 304 || init?.method === 'HEAD';
          resolve(
            new Response(nullBody ? null : Buffer.concat(chunks), {
              status,
              statusText: res.statusMessage ?? '',
              headers: responseHeaders(res),
            }),
          );
        });
      },
    );
    const onAbort = () => {
      req.destroy();
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      // The global fetch reports network failures the same way: TypeError('fetch failed', { cause }).
      reject(signal?.aborted ? abortError(signal) : new TypeError('fetch failed', { cause: err }));
    });
    req.end(payload);
  });
};
