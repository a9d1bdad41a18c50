/**
 * Amazon SNS (`Publish`, AWS SDK v3). Two shapes: `text`, a readable message with a subject for
 * e-mail subscribers (what the replaced GuardDuty → SNS e-mail systems sent), and `chatbot`, the
 * AWS Chatbot / Amazon Q Developer custom-notification JSON, so that SNS → Chatbot → Slack shows a
 * titled message with fields and next steps. The SDK's own retries are off: deliver/ retries.
 */
import { createHash } from 'node:crypto';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { Redactor } from '../config/redactor.js';
import type { Finding, SeverityLabel } from '../findings/finding.js';
import type { Notification } from '../route/notification.js';
import { isRetryableStatus, parseRetryAfter, redactedCause } from './delivery-failure.js';
import { endpointUrl } from './endpoint-url.js';
import { DeliveryError } from './errors.js';
import type { OutputType, Payload, RenderContext, SendContext, SendResult } from './output.js';
import {
  accountText,
  bySeverity,
  findingFacts,
  groupText,
  headline,
  resourceText,
  safeConsoleUrl,
  severityName,
  severityText,
  stripInvisible,
  TRUNCATED,
  truncate,
  worstSeverity,
} from './render/finding-text.js';
import { actorText, cleanLine, plainTextBody, subjectLine } from './render/plain-text.js';
import { renderTemplate } from './render/template.js';

/** SNS limits: a message of at most 256 KiB, a subject under 100 ASCII characters. */
export const SNS_LIMITS = { messageBytes: 262_144, subject: 99 } as const;

/** Chatbot custom-notification limits Klaxon keeps to (conservative; see docs/outputs/sns.md). */
export const CHATBOT_LIMITS = {
  title: 250,
  description: 4_000,
  keywords: 5,
  keyword: 75,
} as const;

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const REFERENCE = /\$\{/;

/** Config of an `sns` output. */
export const snsSchema = z.strictObject({
  type: z.literal('sns'),
  /** `arn:aws:sns:<region>:<account>:<name>` (a `.fifo` name makes a FIFO topic). */
  topicArn: z
    .string()
    .refine(
      (t) => REFERENCE.test(t) || TOPIC_ARN.test(t),
      'expected an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
    ),
  /** `text` (default): subject + readable text for e-mail subscribers. `chatbot`: AWS Chatbot custom notification. */
  format: z.enum(['text', 'chatbot']).optional(),
  /** Default: the region in `topicArn`. */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1')
    .optional(),
  /** An SNS endpoint other than the public one (VPC endpoint, LocalStack). Default: the SDK's. */
  endpoint: endpointUrl('an SNS endpoint URL').optional(),
});

/** An `sns` output's config. */
export type SnsConfig = z.infer<typeof snsSchema>;

/** UTF-8 byte length. */
function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * `text` cut to at most `max` UTF-8 bytes, ending with `… (truncated)` when cut; never splits a
 * character (the cut backs off over continuation bytes, and over a lone high surrogate).
 */
export function truncateUtf8(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  const room = Math.max(0, max - bytes(TRUNCATED));
  const buffer = Buffer.from(text, 'utf8');
  let end = Math.min(room, buffer.length);
  // 10xxxxxx bytes continue a character: step back to the first byte of the one being cut.
  while (end > 0 && ((buffer[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return `${buffer.subarray(0, end).toString('utf8')}${room === 0 ? '' : TRUNCATED}`.slice(0, max);
}

/**
 * An SNS subject: printable ASCII only (accents folded, anything else `?`), no line breaks,
 * starting with a letter, digit or punctuation, under 100 characters — SNS rejects anything else.
 */
export function snsSubject(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2026]/g, '...')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201C\u201D]/g, '"')
    .replace(/[\u2013\u2014\u2192]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7E]/g, '?')
    .trim();
  const clipped =
    ascii.length <= SNS_LIMITS.subject ? ascii : `${ascii.slice(0, SNS_LIMITS.subject - 3).trimEnd()}...`;
  return clipped === '' ? 'Klaxon notification' : clipped;
}

/** Region of a topic ARN (`arn:aws:sns:eu-west-1:…` → `eu-west-1`). */
function topicRegion(topicArn: string): string | undefined {
  return topicArn.split(':')[3] || undefined;
}

/** A FIFO id (group or dedup): ≤128 characters of SNS's allowed set, hashed when the raw value is not. */
function fifoId(value: string): string {
  return /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/.test(value)
    ? value
    : createHash('sha256').update(value).digest('hex');
}

// --- chatbot ------------------------------------------------------------------------------

const EMOJI: Readonly<Record<SeverityLabel, string>> = {
  CRITICAL: ':rotating_light:',
  HIGH: ':red_circle:',
  MEDIUM: ':large_orange_diamond:',
  LOW: ':large_blue_circle:',
  INFORMATIONAL: ':white_circle:',
};

/**
 * Finding text for Chatbot's `client-markdown` (Slack mrkdwn, Teams markdown): one line, `& < >`
 * as entities (no `<!channel>`, no `<url|label>`, no autolinks), backticks and `*`/`~` swapped
 * for look-alikes (no code-span break-out, no bold/strike), `](` split (no `[label](url)` link).
 */
export function chatbotText(value: string, max: number = 1_000): string {
  return cleanLine(value, max)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('`', '\u02CB')
    .replaceAll('*', '\u2217')
    .replaceAll('~', '\u223C')
    .replaceAll('](', '] (');
}

function chatbotFindingLines(finding: Finding, ctx: RenderContext): string[] {
  const f = findingFacts(finding, ctx.accountAliases);
  const lines = [
    `*${f.severity.label}:* ${chatbotText(f.severity.value)}`,
    `*${f.type.label}:* ${chatbotText(f.type.value)}`,
    `*${f.account.label}:* ${chatbotText(f.account.value)}`,
    `*${f.region.label}:* ${chatbotText(f.region.value)}`,
  ];
  if (finding.resources.length > 0) {
    const list = f.resource?.value.split('\n').map((v) => chatbotText(v, 300)) ?? [];
    lines.push(`*${f.resource?.label ?? 'Resource'}:* ${list.join('; ')}`);
  }
  for (const fact of [f.firstSeen, f.lastSeen, f.count, f.status]) {
    if (fact !== undefined) lines.push(`*${fact.label}:* ${chatbotText(fact.value, 300)}`);
  }
  const actor = actorText(finding.actor);
  if (actor !== undefined) lines.push(`*Actor:* ${chatbotText(actor, 600)}`);
  return lines;
}

function chatbotMessage(notification: Notification, ctx: RenderContext): Record<string, unknown> {
  const findings = notification.kind === 'digest' ? bySeverity(notification.findings) : notification.findings;
  const first = findings[0];
  const worst = worstSeverity(findings);
  const emoji =
    notification.kind === 'resolved' ? ':white_check_mark:' : EMOJI[worst?.label ?? 'INFORMATIONAL'];
  const digest = notification.kind === 'digest' || first === undefined;
  const titleText = digest
    ? `${headline(notification)}${worst === undefined ? '' : `, worst ${severityName(worst.label)}`}`
    : `${notification.kind === 'new' ? '' : `${headline(notification)} · `}${severityName(first.severity.label)} ${first.product}: ${first.title}`;
  const title = truncate(`${emoji} ${chatbotText(titleText, CHATBOT_LIMITS.title)}`, CHATBOT_LIMITS.title);

  let description: string;
  if (notification.template !== undefined) {
    description = stripInvisible(
      renderTemplate(notification.template, notification, {
        escape: (v) => chatbotText(v, CHATBOT_LIMITS.description),
        accountAliases: ctx.accountAliases,
      }),
    );
  } else if (digest) {
    const group = groupText(notification, ctx.accountAliases);
    const lines = group === '' ? [] : [`*Group:* ${chatbotText(group)}`];
    for (const f of findings.slice(0, 20)) {
      lines.push(
        `• *${chatbotText(severityText(f.severity))}* ${chatbotText(f.title, 200)} (${chatbotText(f.type, 120)}, ${chatbotText(accountText(f.account, ctx.accountAliases), 80)}, ${chatbotText(f.region, 40)})`,
      );
    }
    if (findings.length > 20) lines.push(`…and ${findings.length - 20} more`);
    description = lines.join('\n');
  } else {
    const lines = [chatbotText(first.description, 1_500), '', ...chatbotFindingLines(first, ctx)];
    const action = notification.action;
    if (action !== undefined) {
      lines.push(
        `*Action:* ${chatbotText(action.type, 100)} ${action.status}${action.dryRun ? ' (dry run)' : ''}: ${chatbotText(action.summary, 500)}`,
      );
    }
    lines.push(`*Rule:* ${chatbotText(notification.rule, 200)}`);
    description = lines.join('\n');
  }
  description = truncate(description, CHATBOT_LIMITS.description);

  const nextSteps: string[] = [];
  for (const f of digest ? findings.slice(0, 3) : [first]) {
    const url = safeConsoleUrl(f.consoleUrl);
    if (url !== undefined) nextSteps.push(`Open in the ${chatbotText(f.product, 60)} console: ${url}`);
  }
  const keywords = [worst?.label, first?.product, first?.region, notification.rule]
    .filter((k): k is string => k !== undefined && k !== '')
    .map((k) => chatbotText(k, CHATBOT_LIMITS.keyword))
    .slice(0, CHATBOT_LIMITS.keywords);

  const threadKey = digest
    ? `digest:${notification.rule}:${notification.group?.key ?? notification.id}`
    : first.key;
  const metadata: Record<string, unknown> = {
    // Same thread for every message about one finding (Chatbot threads them when the channel allows).
    threadId: `klaxon-${createHash('sha256').update(threadKey).digest('hex').slice(0, 32)}`,
    summary: cleanLine(
      digest ? titleText : `${severityName(first.severity.label)} ${first.product}: ${first.title}`,
      200,
    ),
    eventType: `klaxon.${notification.kind}`,
    relatedResources: digest ? [] : first.resources.slice(0, 10).map((r) => cleanLine(resourceText(r), 300)),
    additionalContext: {
      rule: cleanLine(notification.rule, 200),
      kind: notification.kind,
      ...(first === undefined
        ? {}
        : {
            account: cleanLine(first.account, 20),
            region: cleanLine(first.region, 30),
            findingKey: cleanLine(first.key, 2048),
          }),
    },
  };
  return {
    version: '1.0',
    source: 'custom',
    id: notification.id,
    content: {
      textType: 'client-markdown',
      title,
      description,
      ...(nextSteps.length > 0 ? { nextSteps } : {}),
      ...(keywords.length > 0 ? { keywords } : {}),
    },
    metadata,
  };
}

// --- output -------------------------------------------------------------------------------

function render(notification: Notification, config: SnsConfig, ctx: RenderContext): Payload {
  const meta: Record<string, string> = {};
  if (config.topicArn.endsWith('.fifo')) {
    const first = notification.findings[0];
    meta.messageGroupId = fifoId(
      notification.kind === 'digest' || first === undefined
        ? `digest:${notification.group?.key ?? notification.id}`
        : first.key,
    );
  }
  if ((config.format ?? 'text') === 'chatbot') {
    const message = chatbotMessage(notification, ctx);
    return { body: message, meta };
  }
  const subject = snsSubject(subjectLine(notification, ctx, '[Klaxon]', 200));
  meta.subject = subject;
  let text = plainTextBody(notification, ctx);
  if (text.trim() === '') {
    // SNS refuses an empty message: a template or transformer that renders to nothing gets the default.
    const { template: _t, transformed: _x, ...plain } = notification;
    text = plainTextBody(plain, ctx);
  }
  const message = truncateUtf8(text, SNS_LIMITS.messageBytes - bytes(subject));
  return { body: message, meta };
}

const clients = new Map<string, SNSClient>();

function clientFor(config: SnsConfig): SNSClient {
  const region = config.region ?? topicRegion(config.topicArn);
  const key = `${region ?? ''}|${config.endpoint ?? ''}`;
  let client = clients.get(key);
  if (client === undefined) {
    client = new SNSClient({
      ...(region === undefined ? {} : { region }),
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      // deliver/ owns retries and backoff; a retrying SDK would multiply them.
      maxAttempts: 1,
    });
    clients.set(key, client);
  }
  return client;
}

const FINAL = new Set([
  'AuthorizationError',
  'AuthorizationErrorException',
  'NotFound',
  'NotFoundException',
  'InvalidParameter',
  'InvalidParameterException',
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'InvalidSecurity',
  'InvalidSecurityException',
  'ValidationException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSAccessDeniedException',
  'EndpointDisabledException',
  'CredentialsProviderError',
]);
const THROTTLED = /throttl|TooManyRequests|RequestLimitExceeded/i;

interface SdkError {
  name?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/** The `DeliveryError` for an SNS SDK failure: throttling, 5xx and network are retryable; auth, not-found and bad input are final. */
export function snsDeliveryError(
  error: unknown,
  secrets: readonly string[],
  nowMs: number = Date.now(),
): DeliveryError {
  const e = (error ?? {}) as SdkError;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode;
  let retryable: boolean;
  if (THROTTLED.test(name) || status === 429) retryable = true;
  else if (FINAL.has(name)) retryable = false;
  else if (status !== undefined) retryable = isRetryableStatus(status);
  // No HTTP status: the request never got an answer (refused, reset, timed out, aborted).
  else retryable = true;
  const retryAfterMs = parseRetryAfter(e.$response?.headers?.['retry-after'], nowMs);
  const redactor = new Redactor(secrets);
  const message = redactor.redact(
    `sns: ${name}${status === undefined ? '' : ` (HTTP ${status})`}: ${cleanLine(String(e.message ?? ''), 300)}`,
  );
  return new DeliveryError(message, {
    retryable,
    cause: redactedCause(error, redactor),
    ...(status === undefined ? {} : { status }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

async function send(payload: Payload, config: SnsConfig, ctx: SendContext): Promise<SendResult> {
  const message = typeof payload.body === 'string' ? payload.body : JSON.stringify(payload.body);
  const input: PublishCommandInput = { TopicArn: config.topicArn, Message: message };
  const subject = payload.meta?.subject;
  if (subject !== undefined) input.Subject = subject;
  if (config.topicArn.endsWith('.fifo')) {
    input.MessageGroupId = payload.meta?.messageGroupId ?? 'klaxon';
    input.MessageDeduplicationId = fifoId(ctx.idempotencyKey);
  }
  try {
    const out = await clientFor(config).send(new PublishCommand(input), { abortSignal: ctx.signal });
    return out.MessageId === undefined ? {} : { ref: out.MessageId };
  } catch (error) {
    throw snsDeliveryError(error, snsOutput.secrets(config));
  }
}

/** The `sns` output: SNS Publish as readable text or as an AWS Chatbot custom notification. */
export const snsOutput: OutputType<SnsConfig> = {
  type: 'sns',
  schema: snsSchema,
  render,
  send,
  // A topic ARN and a region are not secrets; credentials come from the SDK's provider chain.
  secrets: () => [],
};
