import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  clearSnsCertificateCache,
  fetchSnsCertificate,
  isTrustedSnsUrl,
  parseSnsMessage,
  type SnsMessage,
  SnsMessageError,
  snsStringToSign,
  verifySnsMessage,
} from './sns-message.js';

// A real RSA key and a self-signed X.509 certificate made for this test run (openssl builds the
// certificate; node:crypto signs the messages).
const dir = mkdtempSync(join(tmpdir(), 'klaxon-sns-'));
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';

function selfSigned(name: string, key: KeyObject): string {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  writeFileSync(keyFile, key.export({ type: 'pkcs8', format: 'pem' }));
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-x509',
      '-key',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=sns.amazonaws.com',
    ],
    {
      stdio: 'pipe',
    },
  );
  return readFileSync(certFile, 'utf8');
}

// Made at load time: describe blocks below sign messages while they are being collected.
const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const certPem = selfSigned('signer', privateKey);
const otherCertPem = selfSigned('other', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => clearSnsCertificateCache());

// The canonical strings, written out from the AWS documentation independently of snsStringToSign.
function canonical(m: Record<string, string>): string {
  const order =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return order
    .filter((k) => m[k] !== undefined)
    .map((k) => `${k}\n${m[k]}\n`)
    .join('');
}

function signed(
  fields: Record<string, string>,
  version: '1' | '2',
  certUrl = CERT_URL,
): Record<string, string> {
  const m = { ...fields, SignatureVersion: version, SigningCertURL: certUrl };
  const signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(canonical(m), 'utf8'), privateKey);
  return { ...m, Signature: signature.toString('base64') };
}

const topic = 'arn:aws:sns:eu-west-1:111122223333:klaxon-findings';
const notification = {
  Type: 'Notification',
  MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
  TopicArn: topic,
  Subject: 'GuardDuty finding',
  Message: '{"detail-type":"GuardDuty Finding","detail":{"severity":8}}\nline two "quoted" ünïcode',
  Timestamp: '2026-01-02T03:04:05.678Z',
  UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
};
const confirmation = {
  Type: 'SubscriptionConfirmation',
  MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
  Token:
    '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736',
  TopicArn: topic,
  Message:
    'You have chosen to subscribe to the topic. To confirm the subscription, visit the SubscribeURL included in this message.',
  SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=2336',
  Timestamp: '2026-01-02T03:04:05.678Z',
};

function counting(pem: string) {
  const calls: string[] = [];
  const fetchCert = async (url: string) => {
    calls.push(url);
    return pem;
  };
  return { calls, fetchCert };
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SnsMessageError);
    return (err as Error).message;
  }
  throw new Error('expected an SnsMessageError');
}

describe('verifySnsMessage', () => {
  it.each(['1', '2'] as const)(
    'accepts a valid notification and confirmations, signature version %s',
    async (v) => {
      const { fetchCert, calls } = counting(certPem);
      for (const fields of [
        notification,
        confirmation,
        { ...confirmation, Type: 'UnsubscribeConfirmation' },
      ]) {
        const msg = parseSnsMessage(JSON.stringify(signed(fields, v)));
        await expect(verifySnsMessage(msg, fetchCert)).resolves.toBeUndefined();
      }
      expect(calls).toEqual([CERT_URL]); // fetched once, then cached by URL
    },
  );

  it('accepts a notification without a Subject (the field is left out of the signed text)', async () => {
    const { Subject: _omit, ...noSubject } = notification;
    const msg = parseSnsMessage(JSON.stringify(signed(noSubject, '2')));
    expect(snsStringToSign(msg)).not.toContain('Subject');
    await expect(verifySnsMessage(msg, counting(certPem).fetchCert)).resolves.toBeUndefined();
  });

  it.each(['1', '2'] as const)('rejects a tampered Message, Subject or Token (version %s)', async (v) => {
    const { fetchCert } = counting(certPem);
    const good = signed(notification, v);
    for (const tampered of [
      { ...good, Message: `${good.Message} ` },
      { ...good, Subject: 'Nothing to see' },
      { ...good, TopicArn: 'arn:aws:sns:eu-west-1:111122223333:other' },
    ]) {
      expect(await rejection(verifySnsMessage(parseSnsMessage(JSON.stringify(tampered)), fetchCert))).toBe(
        `SNS message signature does not verify (SignatureVersion ${v})`,
      );
    }
    const conf = signed(confirmation, v);
    expect(
      await rejection(
        verifySnsMessage(parseSnsMessage(JSON.stringify({ ...conf, Token: `${conf.Token}0` })), fetchCert),
      ),
    ).toMatch(/does not verify/);
  });

  it('rejects a message whose SignatureVersion does not match how it was signed', async () => {
    const { fetchCert } = counting(certPem);
    const v2 = signed(notification, '2');
    const v1 = signed(notification, '1');
    expect(
      await rejection(
        verifySnsMessage(parseSnsMessage(JSON.stringify({ ...v2, SignatureVersion: '1' })), fetchCert),
      ),
    ).toMatch(/does not verify \(SignatureVersion 1\)/);
    expect(
      await rejection(
        verifySnsMessage(parseSnsMessage(JSON.stringify({ ...v1, SignatureVersion: '2' })), fetchCert),
      ),
    ).toMatch(/does not verify \(SignatureVersion 2\)/);
  });

  it('rejects a signature made by another key', async () => {
    const msg = parseSnsMessage(JSON.stringify(signed(notification, '2')));
    expect(await rejection(verifySnsMessage(msg, counting(otherCertPem).fetchCert))).toMatch(
      /does not verify/,
    );
  });

  it('rejects a signing certificate on an untrusted host without fetching it', async () => {
    const { fetchCert, calls } = counting(certPem);
    for (const url of [
      'https://evil.example.com/SimpleNotificationService-1.pem',
      'http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
      'https://sns.eu-west-1.amazonaws.com.evil.com/SimpleNotificationService-1.pem',
      'https://sns.eu-west-1.amazonaws.com/not-a-certificate.txt',
    ]) {
      const msg = parseSnsMessage(JSON.stringify(signed(notification, '2', url)));
      expect(await rejection(verifySnsMessage(msg, fetchCert))).toMatch(
        /^SNS SigningCertURL is not an Amazon SNS certificate URL/,
      );
    }
    expect(calls).toEqual([]);
  });

  it('rejects a validly signed confirmation whose SubscribeURL is not on an SNS host', async () => {
    const { fetchCert } = counting(certPem);
    const msg = parseSnsMessage(
      JSON.stringify(
        signed(
          { ...confirmation, SubscribeURL: 'https://attacker.example/?Action=ConfirmSubscription' },
          '2',
        ),
      ),
    );
    expect(await rejection(verifySnsMessage(msg, fetchCert))).toBe(
      'SNS SubscribeURL is not on an Amazon SNS host: "https://attacker.example/?Action=ConfirmSubscription"',
    );
    const unsub = parseSnsMessage(
      JSON.stringify(signed({ ...notification, UnsubscribeURL: 'https://127.0.0.1/x' }, '2')),
    );
    expect(await rejection(verifySnsMessage(unsub, fetchCert))).toMatch(
      /^SNS UnsubscribeURL is not on an Amazon SNS host/,
    );
  });

  it('reports a certificate that cannot be fetched or parsed, and does not cache the failure', async () => {
    const msg = parseSnsMessage(JSON.stringify(signed(notification, '2')));
    expect(
      await rejection(verifySnsMessage(msg, async () => Promise.reject(new Error('ECONNRESET')))),
    ).toMatch(/^cannot fetch the SNS signing certificate/);
    expect(await rejection(verifySnsMessage(msg, async () => 'not a pem'))).toMatch(
      /is not an X\.509 certificate$/,
    );
    await expect(verifySnsMessage(msg, counting(certPem).fetchCert)).resolves.toBeUndefined();
  });
});

describe('isTrustedSnsUrl', () => {
  it('accepts https://sns.<region>.amazonaws.com and the China partition host', () => {
    for (const url of [
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://sns.us-gov-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=1',
      'https://sns.ap-southeast-2.amazonaws.com:443/x.pem',
      'https://sns.cn-north-1.amazonaws.com.cn/x.pem',
    ]) {
      expect(isTrustedSnsUrl(url), url).toBe(true);
    }
  });

  it('refuses anything else', () => {
    for (const url of [
      'http://sns.us-east-1.amazonaws.com/x.pem',
      'https://sns.us-east-1.amazonaws.com:8443/x.pem',
      'https://user:pw@sns.us-east-1.amazonaws.com/x.pem',
      'https://sns.us-east-1.amazonaws.com@evil.com/x.pem',
      'https://sns.us-east-1.amazonaws.com.evil.com/x.pem',
      'https://evil.com/sns.us-east-1.amazonaws.com/x.pem',
      'https://sqs.us-east-1.amazonaws.com/x.pem',
      'https://sns.amazonaws.com/x.pem',
      'https://sns.us-east-1.amazonaws.com./x.pem',
      'https://sns.eu-west-1.amazonaws.com.cn/x.pem',
      'https:sns.us-east-1.amazonaws.com/x.pem',
      'https://sns.us-east-1.amazonaws.com\\@evil.com/',
      ' https://sns.us-east-1.amazonaws.com/x.pem',
      'not a url',
    ]) {
      expect(isTrustedSnsUrl(url), url).toBe(false);
    }
  });

  it('fetchSnsCertificate refuses an untrusted URL before any request', async () => {
    expect(await rejection(fetchSnsCertificate('https://127.0.0.1/cert.pem'))).toBe(
      'refusing to fetch a certificate from "https://127.0.0.1/cert.pem"',
    );
  });
});

describe('parseSnsMessage', () => {
  const base = signed(notification, '2');

  it('keeps the known fields and drops the rest', () => {
    const msg: SnsMessage = parseSnsMessage(JSON.stringify({ ...base, MessageAttributes: { a: 1 } }));
    expect(Object.keys(msg).sort()).toEqual(
      [
        'Message',
        'MessageId',
        'Signature',
        'SignatureVersion',
        'SigningCertURL',
        'Subject',
        'Timestamp',
        'TopicArn',
        'Type',
        'UnsubscribeURL',
      ].sort(),
    );
    expect(parseSnsMessage(JSON.stringify({ ...base, Subject: null })).Subject).toBeUndefined();
  });

  it('names the field that is wrong', () => {
    const cases: [unknown, RegExp][] = [
      ['{', /not valid JSON/],
      [[], /must be a JSON object/],
      [{ ...base, Type: 'Other' }, /"Type" must be Notification/],
      [{ ...base, SignatureVersion: 2 }, /"SignatureVersion" must be "1" or "2", got number/],
      [{ ...base, SignatureVersion: '3' }, /"SignatureVersion" must be "1" or "2", got "3"/],
      [{ ...base, TopicArn: 'arn:aws:sqs:eu-west-1:111122223333:q' }, /"TopicArn" is not an SNS topic ARN/],
      [{ ...base, Timestamp: 'yesterday' }, /"Timestamp" is not a timestamp/],
      [{ ...base, Signature: 'not base64!' }, /"Signature" is not base64/],
      [{ ...base, MessageId: '' }, /"MessageId" must be a non-empty string/],
      [{ ...base, Message: 1 }, /"Message" must be a non-empty string/],
      [{ ...base, Subject: 5 }, /"Subject" must be a string, got number/],
      [{ ...signed(confirmation, '2'), Token: undefined }, /"Token" must be a non-empty string/],
      [
        { ...signed(confirmation, '2'), SubscribeURL: undefined },
        /"SubscribeURL" must be a non-empty string/,
      ],
    ];
    for (const [body, message] of cases) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      expect(() => parseSnsMessage(text), text.slice(0, 60)).toThrow(message);
      expect(() => parseSnsMessage(text)).toThrow(SnsMessageError);
    }
  });
});

describe('fuzz', () => {
  const fieldValues = fc.oneof(
    fc.string(),
    fc.constantFrom('1', '2', 'Notification', 'SubscriptionConfirmation', topic),
    fc.jsonValue(),
  );
  const bodies = fc.oneof(
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .record(
        {
          Type: fieldValues,
          MessageId: fieldValues,
          TopicArn: fieldValues,
          Message: fieldValues,
          Timestamp: fieldValues,
          SignatureVersion: fieldValues,
          Signature: fieldValues,
          SigningCertURL: fieldValues,
          SubscribeURL: fieldValues,
          Token: fieldValues,
        },
        { requiredKeys: [] },
      )
      .map((r) => JSON.stringify({ ...signed(notification, '2'), ...r })),
  );

  it('parseSnsMessage and verifySnsMessage throw nothing but SnsMessageError', async () => {
    const { fetchCert } = counting(certPem);
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        let msg: SnsMessage;
        try {
          msg = parseSnsMessage(body);
        } catch (err) {
          expect(err).toBeInstanceOf(SnsMessageError);
          return;
        }
        await verifySnsMessage(msg, fetchCert).catch((err: unknown) =>
          expect(err).toBeInstanceOf(SnsMessageError),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('isTrustedSnsUrl never throws and only accepts https SNS hosts', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true })),
        (url) => {
          if (isTrustedSnsUrl(url))
            expect(new URL(url).hostname).toMatch(/^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/);
        },
      ),
      { numRuns: 500 },
    );
  });
});
