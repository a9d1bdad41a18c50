/**
 * The URL fields of output configs (webhook URLs, API base URLs). They carry credentials or
 * receive them, so they must be https; plain http is allowed only to the local machine, where a
 * test server or a local proxy listens. A `${…}` secret reference passes as is: config/ checks
 * the entry again once the reference is resolved.
 */
import { z } from 'zod';

const REFERENCE = /\$\{/;
const LOOPBACK = /^(?:localhost|\[::1\]|127(?:\.\d{1,3}){3})$/;

/** Whether `text` is an https URL, or an http URL to a loopback host. */
export function isAllowedEndpoint(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK.test(url.hostname);
}

/** A zod string for an endpoint URL described as `what` (used in the error message). */
export function endpointUrl(what: string) {
  const error = `expected ${what}: an https:// URL (http:// only to localhost)`;
  return z.string({ error }).refine((text) => REFERENCE.test(text) || isAllowedEndpoint(text), { error });
}
