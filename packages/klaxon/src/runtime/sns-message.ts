import { verify as verifySignature, X509Certificate } from 'node:crypto';
import { KlaxonError } from '../errors.js';

/** An Amazon SNS HTTP/S message that is malformed, from an untrusted host, or whose signature does not verify. */
export class SnsMessageError extends KlaxonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnsMessageError';
  }
}

/** The kinds of message SNS POSTs to an HTTP/S subscription. */
export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

/** The JSON body SNS POSTs to an HTTP/S endpoint, reduced to the fields Klaxon checks and uses. */
export interface SnsMessage {
  readonly Type: SnsMessageType;
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Message: string;
  readonly Timestamp: string;
  readonly SignatureVersion: '1' | '2';
  readonly Signature: string;
  readonly SigningCertURL: string;
  /** Present on the two confirmation types: GET it to confirm the subscription. */
  readonly SubscribeURL?: string;
  readonly Subject?: string;
  /** Present on the two confirmation types. */
  readonly Token?: string;
  /** Present on notifications; it is not covered by the signature. */
  readonly UnsubscribeURL?: string;
}

const TYPES: ReadonlySet<string> = new Set<SnsMessageType>([
  'Notification',
  'SubscriptionConfirmation',
  'UnsubscribeConfirmation',
]);
const TOPIC_ARN = /^arn:aws(?:-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses and shape-checks the body of an SNS HTTP/S POST; throws SnsMessageError naming the bad field. */
export function parseSnsMessage(body: string): SnsMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    throw new SnsMessageError('SNS message is not valid JSON', { cause: err });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SnsMessageError('SNS message must be a JSON object');
  }
  const m = raw as Record<string, unknown>;
  const type = m.Type;
  if (typeof type !== 'string' || !TYPES.has(type)) {
    throw new SnsMessageError(
      `SNS message field "Type" must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation, got ${preview(type)}`,
    );
  }
  const version = m.SignatureVersion;
  if (version !== '1' && version !== '2') {
    throw new SnsMessageError(
      `SNS message field "SignatureVersion" must be "1" or "2", got ${preview(version)}`,
    );
  }
  const topicArn = requiredString(m, 'TopicArn');
  if (!TOPIC_ARN.test(topicArn))
    throw new SnsMessageError(`SNS message field "TopicArn" is not an SNS topic ARN: ${preview(topicArn)}`);
  const timestamp = requiredString(m, 'Timestamp');
  if (Number.isNaN(Date.parse(timestamp))) {
    throw new SnsMessageError(`SNS message field "Timestamp" is not a timestamp: ${preview(timestamp)}`);
  }
  const signature = requiredString(m, 'Signature');
  if (!BASE64.test(signature)) throw new SnsMessageError('SNS message field "Signature" is not base64');
  const confirmation = type !== 'Notification';
  const subject = optionalString(m, 'Subject');
  const unsubscribeUrl = optionalString(m, 'UnsubscribeURL');
  return {
    Type: type as SnsMessageType,
    MessageId: requiredString(m, 'MessageId'),
    TopicArn: topicArn,
    Message: requiredString(m, 'Message', true),
    Timestamp: timestamp,
    SignatureVersion: version,
    Signature: signature,
    SigningCertURL: requiredString(m, 'SigningCertURL'),
    ...(confirmation
      ? { SubscribeURL: requiredString(m, 'SubscribeURL'), Token: requiredString(m, 'Token') }
      : {}),
    ...(subject === undefined ? {} : { Subject: subject }),
    ...(unsubscribeUrl === undefined ? {} : { UnsubscribeURL: unsubscribeUrl }),
  };
}

function requiredString(m: Record<string, unknown>, field: string, allowEmpty = false): string {
  const v = m[field];
  if (typeof v !== 'string' || (!allowEmpty && v === '')) {
    throw new SnsMessageError(`SNS message field "${field}" must be a non-empty string, got ${preview(v)}`);
  }
  return v;
}

function optionalString(m: Record<string, unknown>, field: string): string | undefined {
  const v = m[field];
  // SNS omits an absent Subject; some encoders write null instead. Both mean "no subject".
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new SnsMessageError(`SNS message field "${field}" must be a string, got ${preview(v)}`);
  return v;
}

function preview(v: unknown): string {
  if (typeof v !== 'string') return v === null ? 'null' : typeof v;
  // Attacker-controlled text: short, and JSON-quoted so it cannot forge log lines.
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
}

// sns.<region>.amazonaws.com, and sns.cn-<...>.amazonaws.com.cn in the China partition.
const SNS_HOST = /^sns\.(?:[a-z]{2}(?:-[a-z]+)+-\d+\.amazonaws\.com|cn-[a-z]+-\d+\.amazonaws\.com\.cn)$/;

/**
 * True only for `https://sns.<region>.amazonaws.com/…` (or `.amazonaws.com.cn` in China): no other
 * scheme, host, port or user info. Used for SigningCertURL, SubscribeURL and UnsubscribeURL.
 */
export function isTrustedSnsUrl(url: string): boolean {
  // Only the canonical spelling: the WHATWG parser would quietly repair `https:host`, `\` or spaces.
  if (typeof url !== 'string' || !url.startsWith('https://') || /[\s\\]/.test(url)) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    u.protocol === 'https:' &&
    u.username === '' &&
    u.password === '' &&
    u.port === '' &&
    SNS_HOST.test(u.hostname)
  );
}

/** The exact text SNS signs for a message: `Name\nvalue\n` for each signed field, in AWS's fixed order. */
export function snsStringToSign(msg: SnsMessage): string {
  // Order from "Verifying the signatures of Amazon SNS messages": notifications sign Message,
  // MessageId, Subject (only when present), Timestamp, TopicArn, Type; both confirmation types sign
  // Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type.
  const fields: [string, string | undefined][] =
    msg.Type === 'Notification'
      ? [
          ['Message', msg.Message],
          ['MessageId', msg.MessageId],
          ['Subject', msg.Subject],
          ['Timestamp', msg.Timestamp],
          ['TopicArn', msg.TopicArn],
          ['Type', msg.Type],
        ]
      : [
          ['Message', msg.Message],
          ['MessageId', msg.MessageId],
          ['SubscribeURL', msg.SubscribeURL],
          ['Timestamp', msg.Timestamp],
          ['Token', msg.Token],
          ['TopicArn', msg.TopicArn],
          ['Type', msg.Type],
        ];
  let text = '';
  for (const [name, value] of fields) if (value !== undefined) text += `${name}\n${value}\n`;
  return text;
}

// Certificates by URL. SNS rotates its signing certificate rarely and every message names it, so a
// small cache spares one HTTPS fetch per message. A failed fetch is not cached.
const CERT_CACHE_LIMIT = 16;
const certificates = new Map<string, Promise<X509Certificate>>();

/** Forgets every cached signing certificate (tests; or after SNS rotates its certificate). */
export function clearSnsCertificateCache(): void {
  certificates.clear();
}

function certificateFor(url: string, fetchCert: (url: string) => Promise<string>): Promise<X509Certificate> {
  const cached = certificates.get(url);
  if (cached !== undefined) return cached;
  const loading = (async () => {
    let pem: string;
    try {
      pem = await fetchCert(url);
    } catch (err) {
      throw new SnsMessageError(`cannot fetch the SNS signing certificate ${url}`, { cause: err });
    }
    try {
      return new X509Certificate(pem);
    } catch (err) {
      throw new SnsMessageError(`the SNS signing certificate at ${url} is not an X.509 certificate`, {
        cause: err,
      });
    }
  })();
  loading.catch(() => certificates.delete(url));
  if (certificates.size >= CERT_CACHE_LIMIT) {
    const oldest = certificates.keys().next().value;
    if (oldest !== undefined) certificates.delete(oldest);
  }
  certificates.set(url, loading);
  return loading;
}

/**
 * Verifies an SNS message: every URL in it is on an SNS host, the signing certificate comes from
 * `https://sns.<region>.amazonaws.com/….pem` and is within its validity period, and the signature
 * is SHA1withRSA (version 1) or SHA256withRSA (version 2) over the canonical string. `fetchCert`
 * downloads a certificate (PEM); certificates are cached by URL. Throws SnsMessageError.
 */
export async function verifySnsMessage(
  msg: SnsMessage,
  fetchCert: (url: string) => Promise<string>,
): Promise<void> {
  const algorithm =
    msg.SignatureVersion === '1' ? 'sha1' : msg.SignatureVersion === '2' ? 'sha256' : undefined;
  if (algorithm === undefined) throw new SnsMessageError('SNS message has an unknown SignatureVersion');
  if (!isTrustedSnsUrl(msg.SigningCertURL) || !new URL(msg.SigningCertURL).pathname.endsWith('.pem')) {
    throw new SnsMessageError(
      `SNS SigningCertURL is not an Amazon SNS certificate URL: ${preview(msg.SigningCertURL)}`,
    );
  }
  for (const field of ['SubscribeURL', 'UnsubscribeURL'] as const) {
    const url = msg[field];
    if (url !== undefined && !isTrustedSnsUrl(url)) {
      throw new SnsMessageError(`SNS ${field} is not on an Amazon SNS host: ${preview(url)}`);
    }
  }
  if (msg.Type !== 'Notification' && (msg.SubscribeURL === undefined || msg.Token === undefined)) {
    throw new SnsMessageError(`SNS ${msg.Type} without SubscribeURL and Token`);
  }
  const cert = await certificateFor(msg.SigningCertURL, fetchCert);
  const now = Date.now();
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
    throw new SnsMessageError(`the SNS signing certificate at ${msg.SigningCertURL} is not valid now`);
  }
  if (cert.publicKey.asymmetricKeyType !== 'rsa') {
    throw new SnsMessageError(
      `the SNS signing certificate at ${msg.SigningCertURL} does not hold an RSA key`,
    );
  }
  let ok: boolean;
  try {
    ok = verifySignature(
      algorithm,
      Buffer.from(snsStringToSign(msg), 'utf8'),
      cert.publicKey,
      Buffer.from(msg.Signature, 'base64'),
    );
  } catch (err) {
    throw new SnsMessageError('SNS message signature cannot be checked', { cause: err });
  }
  if (!ok)
    throw new SnsMessageError(
      `SNS message signature does not verify (SignatureVersion ${msg.SignatureVersion})`,
    );
}

/** Largest certificate body accepted from SNS; real ones are about 2 KB. */
const MAX_CERT_BYTES = 16 * 1024;

/** Downloads an SNS signing certificate over HTTPS (no redirects, 5 s timeout, 16 KiB cap); refuses any URL isTrustedSnsUrl rejects. */
export async function fetchSnsCertificate(url: string): Promise<string> {
  if (!isTrustedSnsUrl(url))
    throw new SnsMessageError(`refusing to fetch a certificate from ${preview(url)}`);
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5000) });
  if (res.status !== 200)
    throw new SnsMessageError(`SNS certificate fetch from ${url} answered HTTP ${res.status}`);
  if (Number(res.headers.get('content-length') ?? 0) > MAX_CERT_BYTES) {
    await res.body?.cancel();
    throw new SnsMessageError(`SNS certificate at ${url} is larger than ${MAX_CERT_BYTES} bytes`);
  }
  const text = await res.text();
  if (text.length > MAX_CERT_BYTES)
    throw new SnsMessageError(`SNS certificate at ${url} is larger than ${MAX_CERT_BYTES} bytes`);
  return text;
}
