/**
 * Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received"): an
 * Adaptive Card 1.5 in the `message` envelope the Workflows trigger expects, coloured by severity,
 * with a FactSet and an "Open in …" button; or, with `format: messagecard`, the legacy
 * Office 365 connector `MessageCard` the old Lambda-based setup posted.
 *
 * Adaptive Card TextBlocks and Fact values are Markdown; Teams clients disagree on backslash
 * escapes (some show the backslash), so `escapeTeams` neutralises markup with look-alike
 * characters instead, the same on every client.
 */
import { z } from 'zod';
import type { Finding, SeverityLabel } from '../findings/finding.js';
import type { Notification } from '../route/notification.js';
import { requestOrDeliveryError } from './delivery-failure.js';
import { endpointUrl } from './endpoint-url.js';
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
  SEVERITY_COLOURS,
  safeConsoleUrl,
  severityName,
  severityText,
  stripInvisible,
  truncate,
  whereLine,
  worstSeverity,
} from './render/finding-text.js';
import { actorText, cleanLine } from './render/plain-text.js';

/** Config of a `teams` output. */
export const teamsConfigSchema = z.strictObject({
  type: z.literal('teams'),
  url: endpointUrl('the Workflows webhook URL').describe(
    'The HTTP POST URL of the Teams workflow (it carries its own signature: keep it secret).',
  ),
  format: z
    .enum(['adaptive', 'messagecard'], { error: 'expected adaptive or messagecard' })
    .optional()
    .describe('adaptive (default): Adaptive Card 1.5 for Workflows. messagecard: legacy connector card.'),
});

/** A `teams` output entry. */
export type TeamsConfig = z.infer<typeof teamsConfigSchema>;

/** Teams refuses messages over about 28 KB; the whole request body stays under this many bytes. */
export const TEAMS_MAX_BYTES = 28_000;
const ADAPTIVE_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

// Look-alikes for the characters that start Markdown or HTML in a TextBlock, Fact or MessageCard.
// `*` emphasises even inside a word; `_` and `~` only at a word's edge (so snake_case survives).
const ALWAYS = /[*[\]<>`]/g;
const EDGE_MARK = /(?<![\p{L}\p{N}])[_~]|[_~](?![\p{L}\p{N}])/gu;
// `&#8238;` or `&lt;` would be decoded by a Markdown renderer back into what we removed.
const ENTITY = /&(?=#?[A-Za-z0-9]+;)/g;
const LOOK_ALIKE: Readonly<Record<string, string>> = {
  '*': '∗',
  '[': '［',
  ']': '］',
  '<': '＜',
  '>': '＞',
  '`': 'ˋ',
  _: 'ˍ',
  '~': '∼',
};

/**
 * Escapes finding text for Teams (Adaptive Card Markdown, MessageCard Markdown/HTML): bidi and
 * control characters removed; `*`, `[`, `]`, `<`, `>`, `` ` `` and edge `_`/`~` replaced by
 * look-alikes, so no emphasis, link, image, autolink or tag can form; `&` before an entity-like
 * sequence becomes `＆`, so no entity decodes into markup or a bidi control.
 */
export function escapeTeams(text: string): string {
  return stripInvisible(text)
    .replace(ALWAYS, (c) => LOOK_ALIKE[c] ?? c)
    .replace(EDGE_MARK, (c) => LOOK_ALIKE[c] ?? c)
    .replace(ENTITY, '＆');
}

type TextColour = 'attention' | 'warning' | 'good' | 'accent' | 'default';
type ContainerStyle = 'attention' | 'warning' | 'good' | 'accent' | 'emphasis' | 'default';

const SEVERITY_STYLE: Readonly<Record<SeverityLabel, { colour: TextColour; style: ContainerStyle }>> = {
  CRITICAL: { colour: 'attention', style: 'attention' },
  HIGH: { colour: 'attention', style: 'attention' },
  MEDIUM: { colour: 'warning', style: 'warning' },
  LOW: { colour: 'accent', style: 'accent' },
  INFORMATIONAL: { colour: 'default', style: 'emphasis' },
};

/** How large each part may be; `render` shrinks these until the body fits in TEAMS_MAX_BYTES. */
interface Budget {
  readonly description: number;
  readonly fact: number;
  readonly digestRows: number;
}

const BUDGETS: readonly Budget[] = [
  { description: 2000, fact: 600, digestRows: 15 },
  { description: 800, fact: 300, digestRows: 10 },
  { description: 300, fact: 120, digestRows: 5 },
];

type Element = Record<string, unknown> & { type: string };

function textBlock(text: string, extra: Record<string, unknown> = {}): Element {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

function openAction(finding: Finding | undefined): Element[] {
  const url = safeConsoleUrl(finding?.consoleUrl);
  if (url === undefined || finding === undefined) return [];
  const product = cleanLine(finding.product, 40);
  return [{ type: 'Action.OpenUrl', title: `Open in ${product === '' ? 'console' : product}`, url }];
}

function kindColour(notification: Notification): TextColour {
  if (notification.kind === 'resolved') return 'good';
  if (notification.kind === 'escalation') return 'attention';
  if (notification.kind === 'action-result') {
    return notification.action?.status === 'failed' ? 'attention' : 'good';
  }
  return 'default';
}

function facts(finding: Finding, ctx: RenderContext, budget: Budget): { title: string; value: string }[] {
  const f = findingFacts(finding, ctx.accountAliases);
  const actor = actorText(finding.actor);
  const description: Fact | undefined =
    finding.description === '' ? undefined : { label: 'Description', value: finding.description };
  const ordered: (Fact | undefined)[] = [
    f.type,
    description,
    f.severity,
    f.firstSeen,
    f.lastSeen,
    f.count,
    f.account,
    f.region,
    f.resource,
    actor === undefined ? undefined : { label: 'Actor', value: actor },
    f.status,
  ];
  return ordered
    .filter((x): x is Fact => x !== undefined)
    .map((x) => ({
      title: x.label,
      value: fitEscaped(x.value, x === description ? budget.description : budget.fact, escapeTeams),
    }));
}

function contextLine(notification: Notification, finding: Finding | undefined): Element {
  const parts = [`Rule ${escapeTeams(notification.rule)}`];
  if (finding !== undefined) {
    parts.push(`Finding ${fitEscaped(finding.key, 600, escapeTeams)}`);
    if (finding.sample) parts.push('Sample finding');
  }
  return textBlock(parts.join(' · '), { isSubtle: true, size: 'Small', spacing: 'Medium' });
}

function findingCard(
  notification: Notification,
  finding: Finding,
  ctx: RenderContext,
  budget: Budget,
): Element {
  const { colour, style } = SEVERITY_STYLE[finding.severity.label];
  const banner: Element[] = [
    textBlock(`${severityText(finding.severity).toUpperCase()} · ${escapeTeams(oneLine(finding.product))}`, {
      weight: 'Bolder',
      size: 'Small',
      color: colour,
    }),
    textBlock(fitEscaped(oneLine(finding.title), 300, escapeTeams), { weight: 'Bolder', size: 'Medium' }),
  ];
  if (notification.kind !== 'new') {
    banner.push(
      textBlock(fitEscaped(headline(notification), 600, escapeTeams), {
        color: kindColour(notification),
        weight: 'Bolder',
      }),
    );
  }
  const body: Element[] = [{ type: 'Container', style, bleed: true, items: banner }];
  const custom = ruleText(notification, ctx.accountAliases, escapeTeams);
  if (custom !== undefined) body.push(textBlock(truncate(custom, budget.description)));
  body.push({ type: 'FactSet', facts: facts(finding, ctx, budget) });
  body.push(contextLine(notification, finding));
  return adaptiveCard(body, openAction(finding));
}

function digestCard(notification: Notification, ctx: RenderContext, budget: Budget): Element {
  const findings = bySeverity(notification.findings);
  const worst = worstSeverity(findings);
  const { style } = SEVERITY_STYLE[worst?.label ?? 'INFORMATIONAL'];
  const group = groupText(notification, ctx.accountAliases);
  const banner: Element[] = [
    textBlock(`DIGEST · ${escapeTeams(headline(notification))}`, { weight: 'Bolder', size: 'Small' }),
    textBlock(group === '' ? 'Findings' : fitEscaped(group, 300, escapeTeams), {
      weight: 'Bolder',
      size: 'Medium',
    }),
  ];
  const body: Element[] = [{ type: 'Container', style, bleed: true, items: banner }];
  const custom = ruleText(notification, ctx.accountAliases, escapeTeams);
  if (custom !== undefined) body.push(textBlock(truncate(custom, budget.description)));
  const rows = findings.slice(0, budget.digestRows);
  for (const finding of rows) body.push(digestRow(finding, ctx));
  const more = findings.length - rows.length;
  if (more > 0) body.push(textBlock(`+${more} more not listed`, { isSubtle: true, weight: 'Bolder' }));
  body.push(contextLine(notification, undefined));
  return adaptiveCard(body, []);
}

function digestRow(finding: Finding, ctx: RenderContext): Element {
  const where = whereLine(finding, ctx.accountAliases, escapeTeams);
  const url = safeConsoleUrl(finding.consoleUrl);
  return {
    type: 'ColumnSet',
    separator: true,
    spacing: 'Small',
    columns: [
      {
        type: 'Column',
        width: '90px',
        items: [
          textBlock(severityText(finding.severity), {
            weight: 'Bolder',
            color: SEVERITY_STYLE[finding.severity.label].colour,
          }),
        ],
      },
      {
        type: 'Column',
        width: 'stretch',
        items: [
          textBlock(fitEscaped(oneLine(finding.title), 200, escapeTeams), { weight: 'Bolder' }),
          textBlock(where, { isSubtle: true, size: 'Small', spacing: 'None' }),
        ],
      },
    ],
    ...(url === undefined ? {} : { selectAction: { type: 'Action.OpenUrl', url, title: 'Open' } }),
  };
}

function adaptiveCard(body: Element[], actions: Element[]): Element {
  return {
    type: 'AdaptiveCard',
    $schema: ADAPTIVE_SCHEMA,
    version: '1.5',
    msteams: { width: 'Full' },
    body,
    ...(actions.length === 0 ? {} : { actions }),
  };
}

function envelope(card: Element): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

function messageCard(
  notification: Notification,
  ctx: RenderContext,
  budget: Budget,
): Record<string, unknown> {
  const findings = bySeverity(notification.findings);
  const first = findings[0];
  const worst = worstSeverity(findings);
  const isDigest = notification.kind === 'digest' || first === undefined;
  const group = groupText(notification, ctx.accountAliases);
  const title = isDigest
    ? `${headline(notification)}${group === '' ? '' : ` — ${group}`}`
    : `${severityName(first.severity.label)}: ${oneLine(first.title)}`;
  const sections: Record<string, unknown>[] = [];
  const custom = ruleText(notification, ctx.accountAliases, escapeTeams);
  if (isDigest) {
    const rows = findings.slice(0, budget.digestRows);
    for (const f of rows) {
      const ff = findingFacts(f, ctx.accountAliases);
      sections.push({
        activityTitle: `${severityText(f.severity)} · ${fitEscaped(oneLine(f.title), 200, escapeTeams)}`,
        activitySubtitle: [ff.account.value, ff.region.value, f.type]
          .map((s) => fitEscaped(oneLine(s), 100, escapeTeams))
          .join(' · '),
        markdown: false,
      });
    }
    const more = findings.length - rows.length;
    if (more > 0) sections.push({ text: `+${more} more not listed`, markdown: false });
  } else {
    sections.push({
      activityTitle:
        notification.kind === 'new' ? 'New finding' : fitEscaped(headline(notification), 600, escapeTeams),
      activitySubtitle: `${escapeTeams(oneLine(first.product))} · Rule ${escapeTeams(notification.rule)}`,
      facts: facts(first, ctx, budget).map((f) => ({ name: f.title, value: f.value })),
      markdown: false,
    });
  }
  if (custom !== undefined) sections.unshift({ text: truncate(custom, budget.description), markdown: true });
  const url = isDigest ? undefined : safeConsoleUrl(first.consoleUrl);
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    themeColor: SEVERITY_COLOURS[worst?.label ?? 'INFORMATIONAL'],
    // Only notification feeds show the summary, as plain text; escaped anyway, as clients vary.
    summary: fitEscaped(oneLine(title), 200, escapeTeams),
    title: fitEscaped(title, 300, escapeTeams),
    sections,
    ...(url === undefined
      ? {}
      : {
          potentialAction: [
            {
              '@type': 'OpenUri',
              name: `Open in ${cleanLine(first?.product ?? '', 40) || 'console'}`,
              targets: [{ os: 'default', uri: url }],
            },
          ],
        }),
  };
}

/** The request body for `notification`; pure, and always under TEAMS_MAX_BYTES. */
export function renderTeams(notification: Notification, config: TeamsConfig, ctx: RenderContext): Payload {
  const finding = notification.findings[0];
  let body: Record<string, unknown> = {};
  for (const budget of BUDGETS) {
    if (config.format === 'messagecard') body = messageCard(notification, ctx, budget);
    else {
      const card =
        notification.kind === 'digest' || finding === undefined
          ? digestCard(notification, ctx, budget)
          : findingCard(notification, finding, ctx, budget);
      body = envelope(card);
    }
    if (Buffer.byteLength(JSON.stringify(body)) <= TEAMS_MAX_BYTES) break;
  }
  return { body };
}

/** Posts the card; Workflows answers 202 Accepted (a connector 200): any 2xx is success. */
export async function sendTeams(
  payload: Payload,
  config: TeamsConfig,
  ctx: SendContext,
): Promise<SendResult> {
  const secrets = teamsSecrets(config);
  const label = 'teams webhook';
  const response = await requestOrDeliveryError(
    ctx,
    config.url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': ctx.idempotencyKey },
      body: JSON.stringify(payload.body),
      signal: ctx.signal,
      redirect: 'error',
    },
    label,
    secrets,
  );
  await response.text().catch(() => '');
  return {};
}

/** The workflow URL: its `sig` query parameter is what lets anyone post. */
export function teamsSecrets(config: TeamsConfig): string[] {
  const secrets = [config.url];
  try {
    const sig = new URL(config.url).searchParams.get('sig');
    if (sig !== null && sig !== '') secrets.push(sig);
  } catch {
    // An unresolved reference is not a URL; the whole string is still masked.
  }
  return secrets;
}

/** The `teams` output type. */
export const teamsOutput: OutputType<TeamsConfig> = {
  type: 'teams',
  schema: teamsConfigSchema,
  render: renderTeams,
  send: sendTeams,
  secrets: teamsSecrets,
};
