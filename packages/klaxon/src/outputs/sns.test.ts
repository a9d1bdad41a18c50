import {
  AuthorizationErrorException,
  InternalErrorException,
  InvalidParameterException,
  KMSThrottlingException,
  NotFoundException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryError } from './errors.js';
import {
  CHATBOT_LIMITS,
  chatbotText,
  SNS_LIMITS,
  snsOutput,
  snsSchema,
  snsSubject,
  truncateUtf8,
} from './sns.js';
import { distinctFindings, golden, goldenCases, staleGoldens } from './testdata/golden-cases.js';
import { HOSTILE_STRINGS, hostileFinding, testFinding, testNotification } from './testdata/notifications.js';

const TOPIC = 'arn:aws:sns:us-west-2:884003976652:secops-findings';
const ctx = { accountAliases: { '884003976652': 'prod' } };
const sendCtx = { idempotencyKey: 'n-0001', signal: AbortSignal.timeout(5000), fetch };
// biome-ignore lint/suspicious/noExplicitAny: rendered JSON bodies are probed field by field
type Body = Record<string, any>;

describe('sns config', () => {
  it('accepts ARNs and secret references, rejects typos and bad ARNs', () => {
    expect(snsSchema.safeParse({ type: 'sns', topicArn: TOPIC }).success).toBe(true);
    expect(snsSchema.safeParse({ type: 'sns', topicArn: `${TOPIC}.fifo`, format: 'chatbot' }).success).toBe(
      true,
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Klaxon secret reference, not a JS template
    expect(snsSchema.safeParse({ type: 'sns', topicArn: '${ssm:/klaxon/topic}' }).success).toBe(true);
    expect(snsSchema.safeParse({ type: 'sns', topicArn: TOPIC, fromat: 'text' }).success).toBe(false);
    expect(snsSchema.safeParse({ type: 'sns', topicArn: 'secops-findings' }).success).toBe(false);
    expect(snsSchema.safeParse({ type: 'sns', topicArn: TOPIC, format: 'html' }).success).toBe(false);
    expect(snsSchema.safeParse({ type: 'sns', topicArn: TOPIC, endpoint: 'http://10.0.0.1/' }).success).toBe(
      false,
    );
  });
});

describe('snsSubject', () => {
  it('is printable ASCII under 100 characters on one line', () => {
    expect(snsSubject('[Klaxon] HIGH GuardDuty: Café → “naïve”…\nnext')).toBe(
      '[Klaxon] HIGH GuardDuty: Cafe - "naive"... next',
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        const subject = snsSubject(s);
        expect(subject.length).toBeGreaterThan(0);
        expect(subject.length).toBeLessThanOrEqual(SNS_LIMITS.subject);
        expect(subject).toMatch(/^[\x21-\x7E][\x20-\x7E]*$/);
      }),
    );
  });
});

describe('truncateUtf8', () => {
  it('cuts by bytes without splitting characters, and says so', () => {
    const text = 'é'.repeat(100); // 200 bytes
    const cut = truncateUtf8(text, 51);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(51);
    expect(cut.endsWith('… (truncated)')).toBe(true);
    expect(cut).not.toContain('\uFFFD');
    expect(truncateUtf8('short', 10)).toBe('short');
  });

  it('always fits and never produces a replacement character', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.integer({ min: 0, max: 400 }),
        (s, max) => {
          const cut = truncateUtf8(s, max);
          expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
          if (!s.includes('\uFFFD')) expect(cut).not.toContain('\uFFFD');
          if (Buffer.byteLength(s) <= max) expect(cut).toBe(s);
        },
      ),
    );
  });
});

describe('sns render (text)', () => {
  const config = { type: 'sns' as const, topicArn: TOPIC };

  it('gives a subject and a readable message with facts and the console link', () => {
    const { body, meta } = snsOutput.render(testNotification(), config, ctx);
    expect(meta?.subject).toBe(
      '[Klaxon] HIGH GuardDuty: Unprotected port on EC2 instance i-0618726e20846a8dc is being probed.',
    );
    expect(typeof body).toBe('string');
    const text = body as string;
    expect(text).toContain('New finding — High GuardDuty finding\nUnprotected port on EC2 instance');
    expect(text).toContain('Account:    prod (884003976652)');
    expect(text).toContain('Resource:   Instance i-0618726e20846a8dc (production (NA))');
    expect(text).toContain(`Open in the GuardDuty console:\n${testFinding().consoleUrl}`);
  });

  it('sends the rule input-transformer output verbatim (the S3/S4 e-mails)', () => {
    const n = testNotification({ transformed: 'GuardDuty finding i-1 in 884003976652' });
    expect(snsOutput.render(n, config, ctx).body).toBe('GuardDuty finding i-1 in 884003976652');
  });

  it('falls back to the default message when a template renders nothing', () => {
    const n = testNotification({ template: '{{finding.nothing}}\n' });
    expect(snsOutput.render(n, config, ctx).body).toMatch(/^New finding — High GuardDuty finding/);
  });

  it('keeps the message under 256 KiB, truncating visibly by bytes', () => {
    const n = testNotification({ transformed: '☃'.repeat(100_000) }); // 300,000 bytes
    const { body, meta } = snsOutput.render(n, config, ctx);
    const size = Buffer.byteLength(body as string) + Buffer.byteLength(meta?.subject ?? '');
    expect(size).toBeLessThanOrEqual(SNS_LIMITS.messageBytes);
    expect((body as string).endsWith('… (truncated)')).toBe(true);
  });

  it('sets a FIFO message group from the finding key', () => {
    const fifo = { type: 'sns' as const, topicArn: `${TOPIC}.fifo` };
    const a = snsOutput.render(testNotification(), fifo, ctx).meta?.messageGroupId;
    expect(a).toBe(testFinding().key);
    const long = testNotification({ findings: [testFinding({ key: `k${'x'.repeat(200)}` })] });
    expect(snsOutput.render(long, fifo, ctx).meta?.messageGroupId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('renders hostile text inert and bounded', () => {
    for (const hostile of [...HOSTILE_STRINGS, 'y'.repeat(100_000)]) {
      const finding = { ...hostileFinding(hostile), consoleUrl: `https://evil.example/?${hostile}` };
      for (const kind of ['new', 'digest'] as const) {
        const { body, meta } = snsOutput.render(testNotification({ kind, findings: [finding] }), config, ctx);
        const text = body as string;
        expect(meta?.subject).toMatch(/^[\x20-\x7E]{1,99}$/);
        expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\r]/);
        expect(text).not.toContain('evil.example/?');
        // A hostile value never starts a line of its own: no forged "Bcc:" or console lines.
        expect(text).not.toMatch(/^(Subject|Bcc):/m);
        expect(Buffer.byteLength(text)).toBeLessThan(80_000);
      }
    }
  });
});

describe('sns render (chatbot)', () => {
  const config = { type: 'sns' as const, topicArn: TOPIC, format: 'chatbot' as const };

  it('produces the AWS Chatbot custom notification schema', () => {
    const body = snsOutput.render(testNotification(), config, ctx).body as Body;
    expect(body.version).toBe('1.0');
    expect(body.source).toBe('custom');
    expect(body.id).toBe('n-0001-guardduty-high-pager');
    expect(body.content.textType).toBe('client-markdown');
    expect(body.content.title).toBe(
      ':red_circle: High GuardDuty: Unprotected port on EC2 instance i-0618726e20846a8dc is being probed.',
    );
    expect(body.content.description).toContain('*Account:* prod (884003976652)');
    expect(body.content.nextSteps).toEqual([`Open in the GuardDuty console: ${testFinding().consoleUrl}`]);
    expect(body.content.keywords).toEqual(['HIGH', 'GuardDuty', 'us-west-2', 'guardduty-high']);
    expect(body.metadata.threadId).toMatch(/^klaxon-[0-9a-f]{32}$/);
    expect(body.metadata.additionalContext.findingKey).toBe(testFinding().key);
    // Later news about the same finding lands in the same Chatbot thread.
    const later = snsOutput.render(testNotification({ kind: 'resolved', id: 'n-2' }), config, ctx)
      .body as Body;
    expect(later.metadata.threadId).toBe(body.metadata.threadId);
    expect(later.content.title.startsWith(':white_check_mark: Resolved')).toBe(true);
  });

  it('escapes mentions, links and markdown in finding text', () => {
    expect(
      chatbotText('<!channel> <https://evil.example|your bank> [click](https://evil.example) *b* `c` ~s~ &'),
    ).toBe(
      '&lt;!channel&gt; &lt;https://evil.example|your bank&gt; [click] (https://evil.example) ∗b∗ ˋcˋ ∼s∼ &amp;',
    );
  });

  it('renders hostile text inert and within Chatbot limits', () => {
    for (const hostile of [...HOSTILE_STRINGS, 'z'.repeat(100_000)]) {
      const finding = { ...hostileFinding(hostile), consoleUrl: `https://evil.example/${hostile}` };
      for (const kind of ['new', 'digest', 'action-result'] as const) {
        const n = testNotification({
          kind,
          findings: [finding],
          action: { type: 'ec2-isolate', dryRun: false, status: 'failed', summary: hostile },
        });
        const body = snsOutput.render(n, config, ctx).body as Body;
        const visible = [
          body.content.title,
          body.content.description,
          ...(body.content.nextSteps ?? []),
        ].join('\n');
        expect(visible).not.toMatch(/<[!@#]|<https?:|\]\(|[\u202A-\u202E\u2066-\u2069`]/);
        // Hostile URLs may show as text (their real address visible) but are never our console link.
        expect(body.content.nextSteps).toBeUndefined();
        expect(body.content.title.length).toBeLessThanOrEqual(CHATBOT_LIMITS.title);
        expect(body.content.description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.description);
      }
    }
  });
});

describe('sns send (aws-sdk-client-mock)', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());

  it('publishes subject and message and returns the MessageId', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'mid-1' });
    const config = { type: 'sns' as const, topicArn: TOPIC };
    const payload = snsOutput.render(testNotification(), config, ctx);
    await expect(snsOutput.send(payload, config, sendCtx)).resolves.toEqual({ ref: 'mid-1' });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toEqual({ TopicArn: TOPIC, Message: payload.body, Subject: payload.meta?.subject });
  });

  it('publishes chatbot JSON without a subject', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'mid-2' });
    const config = { type: 'sns' as const, topicArn: TOPIC, format: 'chatbot' as const };
    const payload = snsOutput.render(testNotification(), config, ctx);
    await snsOutput.send(payload, config, sendCtx);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.Subject).toBeUndefined();
    expect(JSON.parse(input?.Message ?? '')).toEqual(payload.body);
  });

  it('sets FIFO group and deduplication ids', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'mid-3' });
    const config = { type: 'sns' as const, topicArn: `${TOPIC}.fifo` };
    const payload = snsOutput.render(testNotification(), config, ctx);
    await snsOutput.send(payload, config, { ...sendCtx, idempotencyKey: 'idem key with spaces é' });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.MessageGroupId).toBe(testFinding().key);
    expect(input?.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    [
      'throttled',
      new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }),
      true,
    ],
    [
      'KMS throttled',
      new KMSThrottlingException({ message: 'slow', $metadata: { httpStatusCode: 400 } }),
      true,
    ],
    ['internal', new InternalErrorException({ message: 'oops', $metadata: { httpStatusCode: 500 } }), true],
    [
      'unauthorized',
      new AuthorizationErrorException({ message: 'no', $metadata: { httpStatusCode: 403 } }),
      false,
    ],
    [
      'not found',
      new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } }),
      false,
    ],
    [
      'invalid',
      new InvalidParameterException({ message: 'Subject', $metadata: { httpStatusCode: 400 } }),
      false,
    ],
    [
      'network',
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }),
      true,
    ],
    ['timeout', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }), true],
  ])('maps %s to retryable=%s', async (_name, error, retryable) => {
    sns.on(PublishCommand).rejects(error);
    const config = { type: 'sns' as const, topicArn: TOPIC };
    const failure = await snsOutput
      .send({ body: 'x', meta: { subject: 's' } }, config, sendCtx)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DeliveryError);
    expect((failure as DeliveryError).retryable).toBe(retryable);
    expect((failure as DeliveryError).message).toMatch(/^sns: /);
  });
});

describe('sns golden files', () => {
  const cases = goldenCases({ generated: true });
  const text = { type: 'sns' as const, topicArn: TOPIC };
  const chatbot = { type: 'sns' as const, topicArn: TOPIC, format: 'chatbot' as const };

  it('covers at least 30 findings and leaves no stale file', () => {
    expect(distinctFindings(cases)).toBeGreaterThanOrEqual(30);
    expect(staleGoldens('sns/text', cases)).toEqual([]);
    expect(staleGoldens('sns/chatbot', cases)).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const t = snsOutput.render(c.notification, text, c.ctx);
    // Lines, so that a reviewer reads the message as a subscriber would.
    const readable = { subject: t.meta?.subject, message: (t.body as string).split('\n') };
    expect(readable).toEqual(golden('sns/text', name, readable));
    expect(t.meta?.subject).toMatch(/^[\x21-\x7E][\x20-\x7E]{0,98}$/);
    const b = snsOutput.render(c.notification, chatbot, c.ctx).body as Body;
    expect(b).toEqual(golden('sns/chatbot', name, b));
    expect(b.content.title.length).toBeLessThanOrEqual(CHATBOT_LIMITS.title);
    expect(b.content.description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.description);
  });
});
