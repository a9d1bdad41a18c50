/**
 * Slack: a Block Kit message per finding through `chat.postMessage` (bot token, scope
 * `chat:write`), with later news about the same finding as replies in its thread; or, with an
 * incoming-webhook URL, the same message without threads. Digests are one compact message.
 *
 * Everything that comes from a finding goes through `escapeMrkdwn` (or `cleanLine` for the
 * header), and every text object that carries it is `verbatim`, so Slack neither parses
 * mentions, channel links or URLs in it nor lets it open a link of its own.
 */
import { z } from 'zod';
import { Redactor } from '../config/redactor.js';
import type { Finding } from '../findings/finding.js';
import type { Notification } from '../route/notification.js';
import { parseRetryAfter, redactedCause, requestOrDeliveryError } from './delivery-failure.js';
import { endpointUrl } from './endpoint-url.js';
import { DeliveryError } from './errors.js';
import type { OutputType, Payload, RenderContext, SendContext, SendResult } from './output.js';
import {
  bySeverity,
  type Fact,
  findingFacts,
  fitEscaped,
  groupText,
  headline,
  oneLine,
  ruleText,
  type SeverityName,
  safeConsoleUrl,
  severityName,
  severityText,
  stripInvisible,
  truncate,
  whereLine,
  worstSeverity,
} from './render/finding-text.js';
import { actorText, cleanLine } from './render/plain-text.js';

/** Slack's public Web API; overridable so tests (and API proxies) can stand in for it. */
export const SLACK_API_URL = 'https://slack.com/api';

/** Config of a `slack` output: a bot token and a channel, or an incoming-webhook URL. */
export const slackConfigSchema = z
  .strictObject({
    type: z.literal('slack'),
    token: z
      .string()
      .regex(/^(?:(?:xoxe\.)?xox[bp]-[A-Za-z0-9-]+|.*\$\{.*)$/s, {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a config secret reference, not a JS template
        error: 'expected a Slack bot token (xoxb-…) or a ${…} secret reference',
      })
      .optional()
      .describe('Bot token (xoxb-…) with the chat:write scope. Use with `channel`.'),
    channel: z
      .string()
      .regex(/^(?:[CGD][A-Z0-9]{2,}|#?[a-z0-9][a-z0-9._-]{0,79}|.*\$\{.*)$/s, {
        error: 'expected a channel id such as C0123456 (or a channel name)',
      })
      .optional()
      .describe('Channel id (C0123456) the bot is a member of. Use with `token`.'),
    webhookUrl: endpointUrl('an incoming-webhook URL')
      .optional()
      .describe('Incoming-webhook URL (https://hooks.slack.com/services/…). Posts without threads.'),
    apiUrl: endpointUrl('the Slack Web API base URL')
      .optional()
      .describe(`Web API base URL. Default ${SLACK_API_URL}.`),
  })
  .superRefine((config, ctx) => {
    const bot = config.token !== undefined || config.channel !== undefined;
    if (bot && config.webhookUrl !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either token and channel, or webhookUrl, not both',
        path: [],
      });
    } else if (bot && (config.token === undefined || config.channel === undefined)) {
      const missing = config.token === undefined ? 'token' : 'channel';
      ctx.addIssue({ code: 'custom', message: `${missing} is required with a bot token`, path: [missing] });
    } else if (!bot && config.webhookUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'give token and channel (bot), or webhookUrl (incoming webhook)',
        path: [],
      });
    } else if (config.apiUrl !== undefined && !bot) {
      ctx.addIssue({ code: 'custom', message: 'apiUrl applies to a bot token only', path: ['apiUrl'] });
    }
  });

/** A `slack` output entry. */
export type SlackConfig = z.infer<typeof slackConfigSchema>;

// Slack's documented limits (Block Kit reference), and the budget we keep under for the whole.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const MAX_BLOCKS = 50;
/** Slack truncates or rejects messages much over ~12k characters of text; we stay under. */
export const SLACK_TEXT_BUDGET = 12_000;
const FALLBACK_MAX = 1000;
// A digest is a summary: past this many lines a reader wants the console, not a longer message.
const MAX_DIGEST_LINES = 25;

// Emoji are real characters (not `:shortcodes:`) so the header can stay `emoji: false`.
const SEVERITY_EMOJI: Readonly<Record<SeverityName, string>> = {
  Critical: '🔴',
  High: '🟠',
  Medium: '🟡',
  Low: '🔵',
  Informational: '⚪',
};

const RESOLVED_MARK = '✅';

// A formatting mark (`*bold*`, `_it_`, `~strike~`, `` `code` ``) only works at a word edge; one
// that is at an edge becomes a look-alike that Slack does not interpret. Marks inside a word
// (`my_bucket_name`) are left alone so identifiers stay searchable.
const EDGE_MARK = /(?<![\p{L}\p{N}])[*_~`]|[*_~`](?![\p{L}\p{N}])/gu;
const LOOK_ALIKE: Readonly<Record<string, string>> = { '*': '∗', _: 'ˍ', '~': '∼', '`': 'ˋ' };

/**
 * Escapes finding text for Slack mrkdwn: bidi and control characters removed; `&`, `<`, `>` as
 * entities (so `<!channel>`, `<@U…>`, `<#C…>` and `<url|text>` are shown, never parsed); edge
 * formatting marks replaced by look-alikes. Use it only in `verbatim` text objects, which also
 * stops Slack from turning bare URLs, `@here` or `#channel` into links.
 */
export function escapeMrkdwn(text: string): string {
  return stripInvisible(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(EDGE_MARK, (mark) => LOOK_ALIKE[mark] ?? mark);
}

type TextObject =
  | { type: 'plain_text'; text: string; emoji: boolean }
  | { type: 'mrkdwn'; text: string; verbatim: true };

/** A Block Kit block; only the shapes this output builds. */
type Block = Record<string, unknown> & { type: string };

function mrkdwn(text: string): TextObject {
  // Slack rejects empty text objects.
  return { type: 'mrkdwn', text: text === '' ? ' ' : text, verbatim: true };
}

function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, HEADER_MAX), emoji: false } };
}

function field(fact: Fact, max: number): TextObject {
  const label = `*${fact.label}*\n`;
  return mrkdwn(label + fitEscaped(fact.value, Math.min(FIELD_MAX, max) - label.length, escapeMrkdwn));
}

/** `<https://…|text>` for a console URL that `safeConsoleUrl` accepted, else the text alone. */
function link(url: string | undefined, escapedText: string): string {
  if (url === undefined) return escapedText;
  // `|` and `>` end the URL part of a Slack link; a normalised console URL has neither, but be
  // sure. `&` is written `&amp;` like everywhere in mrkdwn (Slack's own canonical form of a link).
  const safe = url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C').replace(/&/g, '&amp;');
  return `<${safe}|${escapedText}>`;
}

/** How large each part of a message may be; `render` shrinks these until the whole fits. */
interface Budget {
  readonly description: number;
  readonly field: number;
  readonly digestLines: number;
}

const BUDGETS: readonly Budget[] = [
  { description: SECTION_MAX, field: 600, digestLines: MAX_DIGEST_LINES },
  { description: 1500, field: 300, digestLines: 15 },
  { description: 500, field: 150, digestLines: 8 },
];

function isReplyKind(notification: Notification): boolean {
  return notification.kind !== 'new' && notification.kind !== 'digest';
}

/** The thread a notification belongs in: only with a bot token, for later news, with a real `ts`. */
function threadTs(notification: Notification, config: SlackConfig, ctx: RenderContext): string | undefined {
  if (config.webhookUrl !== undefined || ctx.threadRef === undefined) return undefined;
  if (!isReplyKind(notification) || !/^\d{1,12}\.\d{1,9}$/.test(ctx.threadRef)) return undefined;
  return ctx.threadRef;
}

function findingBlocks(
  notification: Notification,
  finding: Finding,
  ctx: RenderContext,
  budget: Budget,
  reply: boolean,
): Block[] {
  const facts = findingFacts(finding, ctx.accountAliases);
  const actor = actorText(finding.actor);
  const name = severityName(finding.severity.label);
  const blocks: Block[] = [];
  const custom = ruleText(notification, ctx.accountAliases, escapeMrkdwn);
  if (!reply) {
    const mark = notification.kind === 'resolved' ? RESOLVED_MARK : SEVERITY_EMOJI[name];
    blocks.push(header(`${mark} ${name}: ${cleanLine(finding.title)}`));
  }
  if (notification.kind !== 'new' || reply) {
    const why = `*${fitEscaped(headline(notification), 1000, escapeMrkdwn)}*`;
    // A reply broadcast to the channel is read without its parent: it names the finding itself.
    const what = reply ? `\n${fitEscaped(oneLine(finding.title), 500, escapeMrkdwn)}` : '';
    blocks.push({ type: 'section', text: mrkdwn(`${why}${what}`) });
  }
  const picked: Fact[] = reply
    ? [
        facts.severity,
        facts.count,
        ...(facts.lastSeen ? [facts.lastSeen] : []),
        ...(facts.status ? [facts.status] : []),
      ]
    : [
        facts.severity,
        facts.account,
        facts.region,
        facts.type,
        ...(facts.resource ? [facts.resource] : []),
        ...(actor === undefined ? [] : [{ label: 'Actor', value: actor }]),
        ...(facts.firstSeen ? [facts.firstSeen] : []),
        ...(facts.lastSeen ? [facts.lastSeen] : []),
        facts.count,
        ...(facts.status ? [facts.status] : []),
      ];
  blocks.push({ type: 'section', fields: picked.slice(0, 10).map((f) => field(f, budget.field)) });
  if (custom !== undefined) {
    blocks.push({ type: 'section', text: mrkdwn(truncate(custom, budget.description)) });
  } else if (!reply && finding.description !== '') {
    blocks.push({
      type: 'section',
      text: mrkdwn(fitEscaped(finding.description, budget.description, escapeMrkdwn)),
    });
  }
  const url = safeConsoleUrl(finding.consoleUrl);
  if (url !== undefined && !reply) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'klaxon-open-console',
          text: {
            type: 'plain_text',
            text: `Open in ${cleanLine(finding.product, 40) || 'console'}`,
            emoji: false,
          },
          url,
        },
      ],
    });
  }
  blocks.push(contextBlock(notification, finding));
  return blocks;
}

function contextBlock(notification: Notification, finding: Finding | undefined): Block {
  const parts = [`Rule ${escapeMrkdwn(notification.rule)}`];
  if (finding !== undefined) {
    parts.push(`Finding ${fitEscaped(finding.key, 600, escapeMrkdwn)}`);
    if (finding.sample) parts.push('Sample finding');
  }
  return { type: 'context', elements: [mrkdwn(parts.join(' · '))] };
}

function digestBlocks(notification: Notification, ctx: RenderContext, budget: Budget): Block[] {
  const findings = bySeverity(notification.findings);
  const worst = worstSeverity(findings);
  const name = worst === undefined ? 'Informational' : severityName(worst.label);
  const group = groupText(notification, ctx.accountAliases);
  const blocks: Block[] = [
    header(
      `${SEVERITY_EMOJI[name]} ${headline(notification)}${group === '' ? '' : ` — ${cleanLine(group)}`}`,
    ),
  ];
  const custom = ruleText(notification, ctx.accountAliases, escapeMrkdwn);
  if (custom !== undefined)
    blocks.push({ type: 'section', text: mrkdwn(truncate(custom, budget.description)) });
  const lines = findings.slice(0, budget.digestLines).map((f) => digestLine(f, ctx));
  // Pack lines into sections of at most SECTION_MAX characters.
  let current = '';
  for (const line of lines) {
    if (current !== '' && current.length + 1 + line.length > SECTION_MAX) {
      blocks.push({ type: 'section', text: mrkdwn(current) });
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
  }
  if (current !== '') blocks.push({ type: 'section', text: mrkdwn(current) });
  const more = findings.length - lines.length;
  const context = contextBlock(notification, undefined);
  if (more > 0) {
    (context.elements as TextObject[]).unshift(mrkdwn(`+${more} more not listed`));
  }
  blocks.push(context);
  return blocks;
}

function digestLine(finding: Finding, ctx: RenderContext): string {
  const name = severityName(finding.severity.label);
  const title = fitEscaped(oneLine(finding.title), 150, escapeMrkdwn);
  const where = whereLine(finding, ctx.accountAliases, escapeMrkdwn);
  // Every part is bounded, so a line is too (a console URL is a few hundred characters at most;
  // a longer one is not linked rather than cut, because a cut link would be a broken link).
  const url = safeConsoleUrl(finding.consoleUrl);
  const linked = url !== undefined && url.length <= 600 ? url : undefined;
  return `${SEVERITY_EMOJI[name]} *${severityText(finding.severity)}* ${link(linked, title)} — ${where}`;
}

function fallbackText(notification: Notification, ctx: RenderContext): string {
  const finding = notification.findings[0];
  if (notification.kind === 'digest' || finding === undefined) {
    const group = groupText(notification, ctx.accountAliases);
    return fitEscaped(
      `${headline(notification)}${group === '' ? '' : ` (${group})`}`,
      FALLBACK_MAX,
      escapeMrkdwn,
    );
  }
  const facts = findingFacts(finding, ctx.accountAliases);
  const why = notification.kind === 'new' ? '' : ` — ${headline(notification)}`;
  const text = `${severityName(finding.severity.label)}: ${oneLine(finding.title)}${why} (${facts.account.value}, ${facts.region.value})`;
  return fitEscaped(text, FALLBACK_MAX, escapeMrkdwn);
}

/** Characters of text a message carries, as Slack counts towards its limits. */
function textSize(blocks: readonly Block[]): number {
  let total = 0;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'text' && typeof v === 'string') total += v.length;
        else visit(v);
      }
    }
  };
  visit(blocks);
  return total;
}

/** The Block Kit body for `notification`; pure, and always within Slack's limits. */
export function renderSlack(notification: Notification, config: SlackConfig, ctx: RenderContext): Payload {
  const thread = threadTs(notification, config, ctx);
  const finding = notification.findings[0];
  const blocks = fittedBlocks((budget) =>
    notification.kind === 'digest' || finding === undefined
      ? digestBlocks(notification, ctx, budget)
      : findingBlocks(notification, finding, ctx, budget, thread !== undefined),
  );
  const body: Record<string, unknown> = {
    ...(config.channel === undefined ? {} : { channel: config.channel }),
    text: fallbackText(notification, ctx),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
  if (config.webhookUrl === undefined) {
    // Never let Slack turn names in the fallback text into mentions or links.
    body.link_names = false;
    body.parse = 'none';
  }
  if (thread !== undefined) {
    body.thread_ts = thread;
    // An escalation is news for the whole channel, not only for those following the thread.
    if (notification.kind === 'escalation') body.reply_broadcast = true;
  }
  if (thread !== undefined && finding !== undefined && notification.kind === 'resolved') {
    // The channel should not keep showing a resolved finding as open: besides the reply, the
    // original message is rewritten (chat.update) as the full message marked resolved.
    const update = {
      channel: config.channel,
      ts: thread,
      text: fallbackText(notification, ctx),
      blocks: fittedBlocks((budget) => findingBlocks(notification, finding, ctx, budget, false)),
    };
    return { body, meta: { [SLACK_UPDATE_META]: JSON.stringify(update) } };
  }
  return { body };
}

/** The first budget's blocks that fit Slack's limits (the last budget's, cut to 50 blocks, if none does). */
function fittedBlocks(build: (budget: Budget) => Block[]): Block[] {
  let blocks: Block[] = [];
  for (const budget of BUDGETS) {
    blocks = build(budget);
    if (textSize(blocks) <= SLACK_TEXT_BUDGET && blocks.length <= MAX_BLOCKS) return blocks;
  }
  return blocks.slice(0, MAX_BLOCKS);
}

/** `Payload.meta` key holding the `chat.update` body that marks the original message resolved. */
export const SLACK_UPDATE_META = 'slackUpdate';

const RETRYABLE_API_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/** Posts the rendered message; resolves with the thread's `ts` (the parent's, for a reply). */
export async function sendSlack(
  payload: Payload,
  config: SlackConfig,
  ctx: SendContext,
): Promise<SendResult> {
  const secrets = slackSecrets(config);
  const webhook = config.webhookUrl;
  const url = webhook ?? `${(config.apiUrl ?? SLACK_API_URL).replace(/\/+$/, '')}/chat.postMessage`;
  const label = webhook === undefined ? 'slack chat.postMessage' : 'slack incoming webhook';
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'idempotency-key': ctx.idempotencyKey,
  };
  if (config.token !== undefined) headers.authorization = `Bearer ${config.token}`;
  const response = await requestOrDeliveryError(
    ctx,
    url,
    { method: 'POST', headers, body: JSON.stringify(payload.body), signal: ctx.signal, redirect: 'error' },
    label,
    secrets,
  );
  if (webhook !== undefined) {
    await response.text().catch(() => '');
    return {};
  }
  const { result, channel } = await apiResult(response, payload, label, secrets);
  const update = payload.meta?.[SLACK_UPDATE_META];
  if (update !== undefined)
    await editOriginal(update, channel, url.replace(/chat\.postMessage$/, 'chat.update'), headers, ctx);
  return result;
}

/**
 * Best effort: the reply (the news) is already posted, so a failed edit must not fail the delivery
 * and make deliver/ post the reply again. The edit is idempotent, so a retried delivery may repeat it.
 */
async function editOriginal(
  rendered: string,
  channelId: string | undefined,
  url: string,
  headers: Record<string, string>,
  ctx: SendContext,
): Promise<void> {
  try {
    // chat.update takes a channel id only; the reply's answer names it even when config gave a name.
    const body =
      channelId === undefined ? rendered : JSON.stringify({ ...JSON.parse(rendered), channel: channelId });
    const response = await ctx.fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: ctx.signal,
      redirect: 'error',
    });
    await response.text();
  } catch {
    // Nothing to do: the original keeps its old content; the thread says it is resolved.
  }
}

/** Reads a Web API answer (HTTP 200 with `{"ok":false,"error":…}` is still a failure): the result and the channel id. */
async function apiResult(
  response: Response,
  payload: Payload,
  label: string,
  secrets: string[],
): Promise<{ result: SendResult; channel: string | undefined }> {
  let answer: { ok?: unknown; error?: unknown; ts?: unknown; channel?: unknown };
  try {
    answer = (await response.json()) as typeof answer;
  } catch (error) {
    // A proxy's HTML page or a cut-off body: the message may or may not have been posted.
    throw new DeliveryError(`${label}: HTTP ${response.status} with a body that is not JSON`, {
      retryable: true,
      status: response.status,
      cause: redactedCause(error, new Redactor(secrets)),
    });
  }
  if (answer.ok !== true) {
    const code = typeof answer.error === 'string' ? answer.error.slice(0, 100) : 'unknown_error';
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
    throw new DeliveryError(new Redactor(secrets).redact(`${label}: ${code}`), {
      retryable: RETRYABLE_API_ERRORS.has(code),
      status: response.status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  const channel = typeof answer.channel === 'string' ? answer.channel : undefined;
  const parent = (payload.body as { thread_ts?: unknown }).thread_ts;
  if (typeof parent === 'string') return { result: { ref: parent }, channel };
  return { result: typeof answer.ts === 'string' ? { ref: answer.ts } : {}, channel };
}

/** The token and webhook URL (both grant posting). */
export function slackSecrets(config: SlackConfig): string[] {
  const secrets = [config.token, config.webhookUrl].filter((s): s is string => s !== undefined && s !== '');
  // hooks.slack.com/services/T…/B…/<secret>: the last segment alone is enough to post.
  const last = config.webhookUrl
    ?.split(/[/?#]/)
    .filter((part) => part !== '')
    .at(-1);
  if (config.webhookUrl !== undefined && last !== undefined && last.length >= 16) secrets.push(last);
  return secrets;
}

/** The `slack` output type. */
export const slackOutput: OutputType<SlackConfig> = {
  type: 'slack',
  threads: true,
  schema: slackConfigSchema,
  render: renderSlack,
  send: sendSlack,
  secrets: slackSecrets,
};
