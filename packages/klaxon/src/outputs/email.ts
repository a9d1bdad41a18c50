/**
 * E-mail over SMTP (nodemailer): an HTML part (inline styles only, a severity colour bar, a facts
 * table, the console link as a real link only when it is a console URL we built) and a plain-text
 * part, to several recipients. The Message-ID comes from the idempotency key, so a resent
 * delivery is the same message to the receiving side, and follow-ups carry `In-Reply-To` and
 * `References` to the first message so mail clients thread them.
 */
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { Redactor } from '../config/redactor.js';
import type { Finding } from '../findings/finding.js';
import type { Notification } from '../route/notification.js';
import { redactedCause } from './delivery-failure.js';
import { DeliveryError } from './errors.js';
import type { OutputType, Payload, RenderContext, SendContext, SendResult } from './output.js';
import {
  bySeverity,
  type Fact,
  findingFacts,
  groupText,
  headline,
  SEVERITY_COLOURS,
  safeConsoleUrl,
  severityName,
  severityText,
  worstSeverity,
} from './render/finding-text.js';
import {
  cleanLine,
  DIGEST_LISTED,
  findingFactList,
  MAX_DESCRIPTION,
  plainTextBody,
  subjectLine,
} from './render/plain-text.js';

/**
 * Longest subject (a threaded reply adds `Re: `): most clients show about 78 characters and the
 * header is folded by nodemailer, so a little more is kept to leave the title readable.
 */
export const EMAIL_SUBJECT_MAX = 98;

const REFERENCE = /\$\{/;
const ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;
const NAMED_ADDRESS = /^[^<>\r\n"]*<[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+>$/;

const address = z
  .string()
  .refine(
    (a) => REFERENCE.test(a) || ADDRESS.test(a),
    'expected an e-mail address such as secops@example.com',
  );

/** Config of an `email` output. */
export const emailSchema = z.strictObject({
  type: z.literal('email'),
  to: z.array(address).min(1, 'expected at least one recipient').max(50, 'at most 50 recipients'),
  /** `klaxon@example.com` or `Klaxon <klaxon@example.com>`. Default: `klaxon@<smtp host>`. */
  from: z
    .string()
    .refine(
      (a) => REFERENCE.test(a) || ADDRESS.test(a) || NAMED_ADDRESS.test(a),
      'expected an address, or "Name <address>"',
    )
    .optional(),
  /** `smtp://user:pass@host:587` (STARTTLS) or `smtps://user:pass@host:465` (TLS). A secret. */
  smtp: z
    .string()
    .refine(
      (u) => REFERENCE.test(u) || /^smtps?:\/\/[^/?#\s]+/.test(u),
      'expected smtp://user:pass@host:port or smtps://…',
    ),
  /** Default `[Klaxon]`. */
  subjectPrefix: z.string().max(40).optional(),
});

/** An `email` output's config. */
export type EmailConfig = z.infer<typeof emailSchema>;

/** The rendered message, exactly what nodemailer is given (no secret: the SMTP URL stays in config). */
export interface EmailBody {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly messageId: string;
  readonly inReplyTo?: string;
  readonly references?: string;
  readonly text: string;
  readonly html: string;
}

/** `&`, `<`, `>`, `"` and `'` as entities: safe in HTML text and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Finding text for HTML: cleaned to one bounded line, then escaped. */
function h(value: string, max?: number): string {
  return escapeHtml(cleanLine(value, max));
}

function smtpHost(smtp: string): string {
  try {
    return new URL(smtp).hostname || 'localhost';
  } catch {
    return 'localhost';
  }
}

function fromAddress(config: EmailConfig): string {
  return config.from ?? `klaxon@${smtpHost(config.smtp)}`;
}

/** `<klaxon.<sha256(key)>@<domain of from>>`: stable per delivery, unique per notification. */
export function emailMessageId(idempotencyKey: string, from: string): string {
  const domain = /@([^\s@<>]+)>?\s*$/.exec(from)?.[1] ?? 'klaxon.invalid';
  return `<klaxon.${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}@${domain}>`;
}

function subjectOf(notification: Notification, config: EmailConfig, ctx: RenderContext): string {
  const prefix = config.subjectPrefix ?? '[Klaxon]';
  const first = notification.findings[0];
  if (ctx.threadRef === undefined || notification.kind === 'digest' || first === undefined) {
    return subjectLine(notification, ctx, prefix, EMAIL_SUBJECT_MAX);
  }
  // A follow-up repeats the first message's subject (as it was announced) so clients that thread
  // by subject as well as by References (Gmail) keep it in the conversation.
  const announced = notification.previous?.severity ?? first.severity;
  const original: Notification = {
    ...notification,
    kind: 'new',
    findings: [{ ...first, severity: announced }],
  };
  return `Re: ${subjectLine(original, ctx, prefix, EMAIL_SUBJECT_MAX)}`;
}

// --- HTML --------------------------------------------------------------------------------

const FONT = "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

function factRows(facts: readonly Fact[]): string {
  return facts
    .map((fact) => {
      const value = fact.value
        .split('\n')
        .map((v) => h(v))
        .join('<br>');
      return `<tr><th align="left" valign="top" style="padding:4px 12px 4px 0;color:#555;font-weight:600;white-space:nowrap">${escapeHtml(fact.label)}</th><td style="padding:4px 0;word-break:break-word">${value}</td></tr>`;
    })
    .join('');
}

function button(url: string, label: string, colour: string): string {
  return `<p style="margin:20px 0 8px"><a href="${escapeHtml(url)}" style="display:inline-block;background:#${colour};color:#ffffff;text-decoration:none;padding:10px 16px;border-radius:4px;font-weight:600">${label}</a></p>`;
}

function page(title: string, colour: string, inner: string): string {
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${title}</title></head>`,
    `<body style="margin:0;padding:0;background:#f3f4f6;font-family:${FONT};font-size:14px;color:#1f2328">`,
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6"><tr><td align="center" style="padding:16px">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:680px;background:#ffffff;border:1px solid #d0d7de;border-radius:6px">',
    `<tr><td style="background:#${colour};height:8px;line-height:8px;font-size:0;border-radius:6px 6px 0 0">&nbsp;</td></tr>`,
    `<tr><td style="padding:20px 24px">${inner}</td></tr>`,
    '</table>',
    '<p style="color:#6e7781;font-size:12px;margin:12px 0 0">Sent by Klaxon</p>',
    '</td></tr></table></body></html>',
    '',
  ].join('\n');
}

function findingHtml(
  notification: Notification,
  finding: Finding,
  ctx: RenderContext,
  colour: string,
): string {
  const parts = [
    `<p style="margin:0 0 4px;color:#${colour};font-weight:700;font-size:12px;letter-spacing:.05em;text-transform:uppercase">${h(headline(notification))} · ${escapeHtml(severityText(finding.severity))}</p>`,
    `<h1 style="margin:0 0 12px;font-size:18px;line-height:1.35">${h(finding.title)}</h1>`,
    `<p style="margin:0 0 16px;line-height:1.5">${h(finding.description, MAX_DESCRIPTION)}</p>`,
  ];
  const action = notification.action;
  if (action !== undefined) {
    parts.push(
      `<p style="margin:0 0 16px;padding:8px 12px;background:#f6f8fa;border-radius:4px"><strong>Action ${h(action.type, 100)}: ${escapeHtml(action.status)}${action.dryRun ? ' (dry run)' : ''}</strong><br>${h(action.summary, MAX_DESCRIPTION)}</p>`,
    );
  }
  parts.push(
    `<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:14px">${factRows(findingFactList(finding, ctx))}</table>`,
  );
  const url = safeConsoleUrl(finding.consoleUrl);
  if (url !== undefined) parts.push(button(url, `Open in the ${h(finding.product, 60)} console`, colour));
  parts.push(
    `<p style="margin:16px 0 0;color:#6e7781;font-size:12px;word-break:break-all">Rule ${h(notification.rule, 200)} · Finding ${h(finding.key, 2048)}</p>`,
  );
  return parts.join('\n');
}

function digestHtml(notification: Notification, ctx: RenderContext, colour: string): string {
  const findings = bySeverity(notification.findings);
  const worst = worstSeverity(findings);
  const group = groupText(notification, ctx.accountAliases);
  const rows = findings.slice(0, DIGEST_LISTED).map((finding) => {
    const f = findingFacts(finding, ctx.accountAliases);
    const url = safeConsoleUrl(finding.consoleUrl);
    const title =
      url === undefined
        ? h(finding.title, 300)
        : `<a href="${escapeHtml(url)}" style="color:#0969da">${h(finding.title, 300)}</a>`;
    const where = [f.type, f.account, f.region, f.lastSeen]
      .filter((x): x is Fact => x !== undefined)
      .map((x) => h(x.value, 300))
      .join(' · ');
    const resource =
      f.resource === undefined
        ? ''
        : `<br>${f.resource.value
            .split('\n')
            .map((v) => h(v, 300))
            .join('; ')}`;
    return `<tr><td valign="top" style="padding:8px 8px 8px 0;border-top:1px solid #d0d7de;white-space:nowrap"><span style="display:inline-block;background:#${SEVERITY_COLOURS[finding.severity.label]};color:#ffffff;border-radius:3px;padding:2px 6px;font-size:12px;font-weight:700">${escapeHtml(severityText(finding.severity))}</span></td><td style="padding:8px 0;border-top:1px solid #d0d7de;word-break:break-word">${title}<br><span style="color:#555;font-size:12px">${where}${resource}</span></td></tr>`;
  });
  const more =
    findings.length > DIGEST_LISTED
      ? `<p style="margin:12px 0 0;color:#555">+${findings.length - DIGEST_LISTED} more not listed</p>`
      : '';
  return [
    `<p style="margin:0 0 4px;color:#${colour};font-weight:700;font-size:12px;letter-spacing:.05em;text-transform:uppercase">Digest${worst === undefined ? '' : ` · worst ${severityName(worst.label)}`}</p>`,
    `<h1 style="margin:0 0 12px;font-size:18px">${h(headline(notification))}${group === '' ? '' : ` <span style="font-weight:400;color:#555">(${h(group)})</span>`}</h1>`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:14px">${rows.join('')}</table>`,
    more,
    `<p style="margin:16px 0 0;color:#6e7781;font-size:12px">Rule ${h(notification.rule, 200)}</p>`,
  ].join('\n');
}

function htmlBody(notification: Notification, text: string, ctx: RenderContext, subject: string): string {
  const findings = notification.findings;
  const worst = worstSeverity(findings);
  const colour =
    notification.kind === 'resolved' ? '2DA44E' : SEVERITY_COLOURS[worst?.label ?? 'INFORMATIONAL'];
  const first = findings[0];
  let inner: string;
  if (notification.template !== undefined || notification.transformed !== undefined) {
    // A rule's own text: shown as written, line breaks kept, every character escaped.
    inner = `<pre style="margin:0;white-space:pre-wrap;word-break:break-word;font-family:${FONT};font-size:14px;line-height:1.5">${escapeHtml(text)}</pre>`;
    const url = first === undefined ? undefined : safeConsoleUrl(first.consoleUrl);
    if (url !== undefined && first !== undefined && notification.kind !== 'digest') {
      inner += `\n${button(url, `Open in the ${h(first.product, 60)} console`, colour)}`;
    }
  } else if (notification.kind === 'digest' || first === undefined) {
    inner = digestHtml(notification, ctx, colour);
  } else {
    inner = findingHtml(notification, first, ctx, colour);
  }
  return page(escapeHtml(subject), colour, inner);
}

// --- output ------------------------------------------------------------------------------

function render(notification: Notification, config: EmailConfig, ctx: RenderContext): Payload {
  const from = fromAddress(config);
  const subject = subjectOf(notification, config, ctx);
  const text = plainTextBody(notification, ctx);
  const body: EmailBody = {
    from,
    to: [...config.to],
    subject,
    messageId: emailMessageId(notification.id, from),
    ...(ctx.threadRef === undefined ? {} : { inReplyTo: ctx.threadRef, references: ctx.threadRef }),
    text,
    html: htmlBody(notification, text, ctx, subject),
  };
  return { body, meta: { subject } };
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/;

/** nodemailer transport options from the SMTP URL (parsed here so that TLS and timeouts are ours). */
function transportOptions(smtp: string) {
  const url = new URL(smtp);
  const secure = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return {
    host,
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    ...(user === '' ? {} : { auth: { user, pass } }),
    // A password never crosses the network in clear: STARTTLS is required whenever we log in,
    // except to a relay on this machine.
    requireTLS: !secure && user !== '' && !LOOPBACK.test(url.hostname),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
    // Nothing in a message may make nodemailer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  };
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

const FINAL_CODES = new Set(['EAUTH', 'EENVELOPE', 'EMESSAGE', 'EREQUIRETLS']);

/** The `DeliveryError` for an SMTP failure: 4xx replies and connection trouble retry; 5xx and bad input are final. */
export function emailDeliveryError(error: unknown, secrets: readonly string[]): DeliveryError {
  const e = (error ?? {}) as SmtpError;
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const retryable = code !== undefined ? code >= 400 && code < 500 : !FINAL_CODES.has(e.code ?? '');
  const redactor = new Redactor(secrets);
  const what = code !== undefined ? `SMTP ${code}` : (e.code ?? 'error');
  const message = redactor.redact(`email: ${what}: ${cleanLine(String(e.message ?? error), 300)}`);
  return new DeliveryError(message, {
    retryable,
    cause: redactedCause(error, redactor),
    ...(code === undefined ? {} : { status: code }),
  });
}

async function send(payload: Payload, config: EmailConfig, ctx: SendContext): Promise<SendResult> {
  const secrets = emailOutput.secrets(config);
  const body = payload.body as EmailBody;
  if (ctx.signal.aborted) throw new DeliveryError('email: aborted before sending', { retryable: true });
  let transport: ReturnType<typeof nodemailer.createTransport>;
  try {
    transport = nodemailer.createTransport(transportOptions(config.smtp));
  } catch (error) {
    throw new DeliveryError('email: the smtp URL cannot be parsed', {
      retryable: false,
      cause: redactedCause(error, new Redactor(secrets)),
    });
  }
  // nodemailer cannot cancel a send in flight: on abort, stop waiting (the connection is closed
  // when it next speaks or times out). A message that still got through is resent by the retry
  // with the same Message-ID.
  let abort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    abort = () => {
      transport.close();
      reject(new DeliveryError('email: aborted while sending', { retryable: true }));
    };
  });
  ctx.signal.addEventListener('abort', abort, { once: true });
  const messageId = emailMessageId(ctx.idempotencyKey, body.from);
  try {
    const info = await Promise.race([
      transport.sendMail({
        from: body.from,
        to: [...body.to],
        subject: body.subject,
        text: body.text,
        html: body.html,
        messageId,
        ...(body.inReplyTo === undefined ? {} : { inReplyTo: body.inReplyTo }),
        ...(body.references === undefined ? {} : { references: body.references }),
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      }),
      aborted,
    ]);
    const rejected = (info.rejected ?? []).map((r) => (typeof r === 'string' ? r : r.address));
    if (rejected.length > 0) {
      // Some recipients got it: retrying would send them a duplicate, so this is final and visible.
      throw new DeliveryError(
        new Redactor(secrets).redact(
          `email: delivered to ${info.accepted.length}, rejected by the relay: ${rejected.join(', ')}`,
        ),
        { retryable: false },
      );
    }
    return { ref: messageId };
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    throw emailDeliveryError(error, secrets);
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    transport.close();
  }
}

/** The SMTP URL and the password in it (a relay's reply may quote either). */
function secrets(config: EmailConfig): string[] {
  const out = [config.smtp];
  try {
    const url = new URL(config.smtp);
    if (url.password !== '') out.push(url.password, decodeURIComponent(url.password));
  } catch {
    // An unparseable URL is still masked whole.
  }
  return [...new Set(out)];
}

/** The `email` output: SMTP with HTML and text parts, threaded follow-ups. */
export const emailOutput: OutputType<EmailConfig> = {
  type: 'email',
  threads: true,
  schema: emailSchema,
  render,
  send,
  secrets,
};
