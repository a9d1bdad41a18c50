import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  EMAIL_SUBJECT_MAX,
  type EmailBody,
  emailMessageId,
  emailOutput,
  emailSchema,
  escapeHtml,
} from './email.js';
import { DeliveryError } from './errors.js';
import { distinctFindings, golden, goldenCases, staleGoldens } from './testdata/golden-cases.js';
import { type LoopbackSmtp, startLoopbackSmtp } from './testdata/loopback-smtp.js';
import { HOSTILE_STRINGS, hostileFinding, testFinding, testNotification } from './testdata/notifications.js';

const ctx = { accountAliases: { '884003976652': 'prod' } };
const PASSWORD = 's3cr3t-p@ss';
const OUR_TAGS = new Set(
  '!doctype a body br h1 head html meta p pre span strong table td th title tr'.split(' '),
);

describe('email config', () => {
  const smtp = 'smtp://u:p@mail.example.com:587';
  it('accepts recipients, named senders and secret references; rejects the rest', () => {
    expect(
      emailSchema.safeParse({ type: 'email', to: ['a@example.com', 'b@example.com'], smtp }).success,
    ).toBe(true);
    expect(
      emailSchema.safeParse({
        type: 'email',
        to: ['a@example.com'],
        from: 'Klaxon <k@example.com>',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Klaxon secret reference, not a JS template
        smtp: '${env:SMTP_URL}',
      }).success,
    ).toBe(true);
    expect(emailSchema.safeParse({ type: 'email', to: [], smtp }).success).toBe(false);
    expect(emailSchema.safeParse({ type: 'email', to: ['not an address'], smtp }).success).toBe(false);
    expect(emailSchema.safeParse({ type: 'email', to: ['a@example.com'], smtp: 'http://x' }).success).toBe(
      false,
    );
    expect(
      emailSchema.safeParse({ type: 'email', to: ['a@example.com'], smtp, cc: ['x@example.com'] }).success,
    ).toBe(false);
  });

  it('names the SMTP URL and its password as secrets', () => {
    expect(
      emailOutput.secrets({ type: 'email', to: ['a@example.com'], smtp: 'smtps://user:p%40ss@h:465' }),
    ).toEqual(['smtps://user:p%40ss@h:465', 'p%40ss', 'p@ss']);
  });
});

describe('email render', () => {
  const config = {
    type: 'email' as const,
    to: ['a@example.com'],
    from: 'Klaxon <klaxon@example.com>',
    smtp: 'smtp://u:p@h:25',
  };

  it('writes a subject that fits mail clients', () => {
    const body = emailOutput.render(testNotification(), config, ctx).body as EmailBody;
    expect(body.subject).toBe(
      '[Klaxon] HIGH GuardDuty: Unprotected port on EC2 instance i-0618726e20846a8dc is being probed.',
    );
    const long = testNotification({
      findings: [testFinding({ title: `${'word '.repeat(60)}\r\nBcc: x@evil.example` })],
    });
    const s = (emailOutput.render(long, { ...config, subjectPrefix: '[SecOps]' }, ctx).body as EmailBody)
      .subject;
    expect(s.length).toBeLessThanOrEqual(EMAIL_SUBJECT_MAX);
    expect(s).toMatch(/^\[SecOps\] HIGH GuardDuty: word word .*…$/);
    expect(s).not.toMatch(/[\r\n]/);
  });

  it('derives the Message-ID from the idempotency key and threads follow-ups', () => {
    const first = emailOutput.render(testNotification(), config, ctx).body as EmailBody;
    expect(first.messageId).toBe(emailMessageId('n-0001-guardduty-high-pager', config.from));
    expect(first.messageId).toMatch(/^<klaxon\.[0-9a-f]{40}@example\.com>$/);
    expect(first.inReplyTo).toBeUndefined();
    const later = emailOutput.render(
      testNotification({
        id: 'n-2',
        kind: 'escalation',
        previous: { severity: { score: 5, label: 'MEDIUM' } },
      }),
      config,
      { ...ctx, threadRef: first.messageId },
    ).body as EmailBody;
    expect(later.inReplyTo).toBe(first.messageId);
    expect(later.references).toBe(first.messageId);
    expect(later.messageId).not.toBe(first.messageId);
    // Same subject as the first announcement (severity as it was announced), so Gmail threads it too.
    expect(later.subject).toBe(
      'Re: [Klaxon] MEDIUM GuardDuty: Unprotected port on EC2 instance i-0618726e20846a8dc is being probed.',
    );
    expect(later.text).toMatch(/^Severity raised: Medium 5\.0 → High 7\.2/);
  });

  it('has an HTML part with colour bar, facts table and the console button', () => {
    const body = emailOutput.render(testNotification(), config, ctx).body as EmailBody;
    expect(body.html).toContain('background:#D13438;height:8px');
    expect(body.html).toContain(
      '>Account</th><td style="padding:4px 0;word-break:break-word">prod (884003976652)</td>',
    );
    expect(body.html).toContain(`<a href="${escapeHtml(testFinding().consoleUrl ?? '')}"`);
    expect(body.html).not.toMatch(/<script|<style|<link|class=/);
  });

  it('keeps every hostile string inert in subject, text and HTML', () => {
    for (const hostile of [...HOSTILE_STRINGS, 'w'.repeat(100_000)]) {
      const finding = { ...hostileFinding(hostile), consoleUrl: `javascript:alert(1)//${hostile}` };
      for (const kind of ['new', 'digest', 'action-result'] as const) {
        const n = testNotification({
          kind,
          findings: [finding],
          action: { type: 'ec2-isolate', dryRun: true, status: 'succeeded', summary: hostile },
        });
        const body = emailOutput.render(n, config, ctx).body as EmailBody;
        expect(body.subject).not.toMatch(/[\r\n\u202A-\u202E\u2066-\u2069]/);
        expect(body.subject.length).toBeLessThanOrEqual(EMAIL_SUBJECT_MAX);
        expect(body.html).not.toMatch(/<script|<img|javascript:|href="https:\/\/evil/i);
        expect(body.html).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
        // Only the template's own tags appear: no `<` from the finding survives unescaped.
        const tags = new Set(
          [...body.html.matchAll(/<\/?([a-zA-Z0-9!]+)/g)].map((m) => m[1]?.toLowerCase() ?? ''),
        );
        expect([...tags].filter((t) => !OUR_TAGS.has(t))).toEqual([]);
        expect(body.text).not.toMatch(/^(Bcc|Subject):/m);
        expect(body.html.length + body.text.length).toBeLessThan(120_000);
      }
    }
  });

  it('uses the rule template for both parts, escaped in HTML', () => {
    const n = testNotification({
      template: 'Look at {{finding.resources.0.id}} now <b>please</b>\n{{finding.title}}',
      findings: [testFinding({ title: '<i>x</i>' })],
    });
    const body = emailOutput.render(n, config, ctx).body as EmailBody;
    expect(body.text).toBe('Look at i-0618726e20846a8dc now <b>please</b>\n<i>x</i>');
    expect(body.html).toContain(
      'Look at i-0618726e20846a8dc now &lt;b&gt;please&lt;/b&gt;\n&lt;i&gt;x&lt;/i&gt;</pre>',
    );
  });
});

describe('email send (loopback SMTP server)', () => {
  let smtp: LoopbackSmtp;
  beforeAll(async () => {
    smtp = await startLoopbackSmtp('klaxon', PASSWORD);
  });
  afterAll(() => smtp.close());
  beforeEach(() => {
    smtp.received.length = 0;
    smtp.failWith(undefined);
    smtp.rejectRecipients([]);
  });
  const config = () => ({
    type: 'email' as const,
    to: ['oncall@example.com', 'secops@example.com'],
    from: 'Klaxon <klaxon@example.com>',
    smtp: smtp.url,
  });
  const sendCtx = (key = 'idem-1') => ({ idempotencyKey: key, signal: AbortSignal.timeout(10_000), fetch });

  it('delivers one message with both parts to every recipient', async () => {
    const n = testNotification({ findings: [testFinding({ title: 'Probe of <web> & "db"' })] });
    const payload = emailOutput.render(n, config(), ctx);
    const result = await emailOutput.send(payload, config(), sendCtx('n-0001-guardduty-high-pager'));
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.envelopeTo).toEqual(['oncall@example.com', 'secops@example.com']);
    expect(mail.envelopeFrom).toBe('klaxon@example.com');
    const parsed = mail.parsed;
    expect(parsed.subject).toBe('[Klaxon] HIGH GuardDuty: Probe of <web> & "db"');
    expect(parsed.messageId).toBe(result.ref);
    expect(result.ref).toBe((payload.body as EmailBody).messageId);
    expect(parsed.text).toContain('Probe of <web> & "db"');
    expect(parsed.text).toContain('Account:    prod (884003976652)');
    expect(parsed.html).toContain('Probe of &lt;web&gt; &amp; &quot;db&quot;');
    expect(parsed.html).not.toContain('<web>');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('threads a follow-up with In-Reply-To and References', async () => {
    const cfg = config();
    const first = await emailOutput.send(emailOutput.render(testNotification(), cfg, ctx), cfg, sendCtx('a'));
    const ref = first.ref!;
    const later = emailOutput.render(testNotification({ id: 'b', kind: 'resolved' }), cfg, {
      ...ctx,
      threadRef: ref,
    });
    await emailOutput.send(later, cfg, sendCtx('b'));
    const reply = smtp.received[1]!.parsed;
    expect(reply.inReplyTo).toBe(ref);
    expect(reply.references).toBe(ref);
    expect(reply.subject?.startsWith('Re: [Klaxon] HIGH GuardDuty:')).toBe(true);
    expect(reply.text).toMatch(/^Resolved/);
  });

  it.each([
    [421, true],
    [451, true],
    [452, true],
    [550, false],
    [554, false],
  ])('maps SMTP %i to retryable=%s', async (code, retryable) => {
    smtp.failWith(code, 'policy says no');
    const cfg = config();
    const error = (await emailOutput
      .send(emailOutput.render(testNotification(), cfg, ctx), cfg, sendCtx())
      .catch((e: unknown) => e)) as DeliveryError;
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(code);
    expect(error.message).toContain(`SMTP ${code}`);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('fails final on a wrong password without quoting it', async () => {
    const cfg = { ...config(), smtp: smtp.url.replace(encodeURIComponent(PASSWORD), 'wrong-password') };
    const error = (await emailOutput
      .send(emailOutput.render(testNotification(), cfg, ctx), cfg, sendCtx())
      .catch((e: unknown) => e)) as DeliveryError;
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(535);
    const everything = JSON.stringify([
      error.message,
      error.stack,
      String(error.cause),
      (error.cause as Error).stack,
    ]);
    expect(everything).not.toContain('wrong-password');
    expect(everything).not.toContain(cfg.smtp);
  });

  it('fails final, naming them, when the relay rejects some recipients', async () => {
    smtp.rejectRecipients(['secops@example.com']);
    const cfg = config();
    const error = (await emailOutput
      .send(emailOutput.render(testNotification(), cfg, ctx), cfg, sendCtx())
      .catch((e: unknown) => e)) as DeliveryError;
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('email: delivered to 1, rejected by the relay: secops@example.com');
  });

  it('gives up, retryable, when the delivery is aborted', async () => {
    const cfg = config();
    const controller = new AbortController();
    controller.abort();
    const error = (await emailOutput
      .send(emailOutput.render(testNotification(), cfg, ctx), cfg, {
        ...sendCtx(),
        signal: controller.signal,
      })
      .catch((e: unknown) => e)) as DeliveryError;
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.retryable).toBe(true);
    expect(smtp.received).toHaveLength(0);
  });

  it('stops waiting, retryable, when aborted in mid-send', async () => {
    // A relay that accepts the connection and never greets.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const { port } = silent.address() as AddressInfo;
    const cfg = { ...config(), smtp: `smtp://127.0.0.1:${port}` };
    const controller = new AbortController();
    const sending = emailOutput.send(emailOutput.render(testNotification(), cfg, ctx), cfg, {
      ...sendCtx(),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    const error = (await sending.catch((e: unknown) => e)) as DeliveryError;
    silent.close();
    expect(error.message).toBe('email: aborted while sending');
    expect(error.retryable).toBe(true);
  });

  it('retries when the relay cannot be reached', async () => {
    const cfg = { ...config(), smtp: `smtp://klaxon:${encodeURIComponent(PASSWORD)}@127.0.0.1:1` };
    const error = (await emailOutput
      .send(emailOutput.render(testNotification(), cfg, ctx), cfg, sendCtx())
      .catch((e: unknown) => e)) as DeliveryError;
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.retryable).toBe(true);
    expect(JSON.stringify([error.message, String(error.cause)])).not.toContain(PASSWORD);
  });
});

describe('email golden files', () => {
  const cases = goldenCases({ generated: true });
  const config = {
    type: 'email' as const,
    to: ['secops@example.com', 'oncall@example.com'],
    from: 'Klaxon <klaxon@example.com>',
    smtp: 'smtp://klaxon:pw@mail.example.com:587',
  };
  const FIRST_MESSAGE = '<klaxon.0123456789abcdef0123456789abcdef01234567@example.com>';

  it('covers at least 30 findings and leaves no stale file', () => {
    expect(distinctFindings(cases)).toBeGreaterThanOrEqual(30);
    expect(staleGoldens('email', cases)).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    // Follow-ups reply to the first message, whose id the store kept as the thread reference.
    const renderCtx = c.ctx.threadRef === undefined ? c.ctx : { ...c.ctx, threadRef: FIRST_MESSAGE };
    const body = emailOutput.render(c.notification, config, renderCtx).body as EmailBody;
    // Lines, so that a reviewer reads both parts as they are.
    const readable = { ...body, text: body.text.split('\n'), html: body.html.split('\n') };
    expect(readable).toEqual(golden('email', name, readable));
    expect(body.subject.length).toBeLessThanOrEqual(EMAIL_SUBJECT_MAX + 4);
    expect(body.subject).not.toMatch(/[\r\n]/);
  });
});
